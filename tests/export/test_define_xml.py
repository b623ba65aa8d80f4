"""define.xml parses, follows Define-XML 2.1's shape and lists every exported variable."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
DEF = "{http://www.cdisc.org/ns/def/v2.1}"
XLINK = "{http://www.w3.org/1999/xlink}"


def _columns(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def _define(folder: Path) -> ET.Element:
    return ET.parse(folder / "define.xml").getroot()


@pytest.fixture(params=[pytest.param("sdtm", id="sdtm"), pytest.param("adam", id="adam")])
def export_dir(request: pytest.FixtureRequest, sdtm_dir: Path, adam_dir: Path) -> Path:
    """The folder of one export."""
    return sdtm_dir if request.param == "sdtm" else adam_dir


def test_define_lists_every_exported_variable(export_dir: Path) -> None:
    root = _define(export_dir)
    version = root.find(f"{ODM}Study/{ODM}MetaDataVersion")
    assert version is not None
    assert version.get(f"{DEF}DefineVersion") == "2.1.0"
    items = {item.get("OID"): item for item in version.iter(f"{ODM}ItemDef")}
    described = {}
    for group in version.iter(f"{ODM}ItemGroupDef"):
        refs = sorted(group.iter(f"{ODM}ItemRef"), key=lambda r: int(r.get("OrderNumber", "0")))
        described[group.get("Name")] = [items[ref.get("ItemOID")].get("Name") for ref in refs]
        leaf = group.find(f"{DEF}leaf")
        assert leaf is not None
        assert leaf.get(f"{XLINK}href") == f"{group.get('Name', '').lower()}.xpt"
        assert (export_dir / leaf.get(f"{XLINK}href", "")).is_file()
    exported = {path.stem.upper(): _columns(path) for path in export_dir.glob("*.csv")}
    assert described == exported


def test_each_variable_has_label_type_length_and_origin(export_dir: Path) -> None:
    root = _define(export_dir)
    incomplete = []
    for item in root.iter(f"{ODM}ItemDef"):
        label = item.findtext(f"{ODM}Description/{ODM}TranslatedText")
        origin = item.find(f"{DEF}Origin")
        if not label or origin is None or item.get("DataType") is None:
            incomplete.append(item.get("OID"))
        if item.get("DataType") in ("text", "integer", "date") and not item.get("Length"):
            incomplete.append(item.get("OID"))
    assert incomplete == []


def test_text_lengths_hold_the_longest_value(sdtm_dir: Path) -> None:
    root = _define(sdtm_dir)
    lengths = {
        item.get("Name"): int(item.get("Length", "0"))
        for item in root.iter(f"{ODM}ItemDef")
        if item.get("OID", "").startswith("IT.AE.") and item.get("DataType") == "text"
    }
    with (sdtm_dir / "ae.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    longest = {name: max([1, *(len(row[name]) for row in rows)]) for name in lengths}
    assert lengths == longest


def test_codelists_are_referenced_and_defined(adam_dir: Path) -> None:
    root = _define(adam_dir)
    defined = {codelist.get("OID") for codelist in root.iter(f"{ODM}CodeList")}
    referenced = {ref.get("CodeListOID") for ref in root.iter(f"{ODM}CodeListRef")}
    assert referenced == defined
    assert "CL.ADTTE.CNSR" in defined


def test_the_stylesheet_is_written_beside_and_named(export_dir: Path) -> None:
    head = (export_dir / "define.xml").read_text(encoding="utf-8").splitlines()[1]
    assert head == '<?xml-stylesheet type="text/xsl" href="define2-1.xsl"?>'
    stylesheet = ET.parse(export_dir / "define2-1.xsl").getroot()
    assert stylesheet.tag == "{http://www.w3.org/1999/XSL/Transform}stylesheet"
