"""define.xml parses, follows Define-XML 2.1's shape and lists every exported variable."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from .define_structure import problems

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
DEF = "{http://www.cdisc.org/ns/def/v2.1}"
XLINK = "{http://www.w3.org/1999/xlink}"
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
TIMEOUT_S = 120
ARTIFACTS = Path(__file__).parent / "artifacts"
"""Images for a person to look at (git-ignored)."""


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


def test_define_has_the_structure_define_xml_2_1_requires(export_dir: Path) -> None:
    """Children in the schema's order, required attributes, unique OIDs, every reference
    defined and every definition referred to (``define_structure``)."""
    assert problems(_define(export_dir)) == []


@pytest.mark.parametrize(
    "breakage",
    [pytest.param("where", id="where-clause-removed"), pytest.param("order", id="order-swapped"),
     pytest.param("item", id="item-def-removed")],
)  # fmt: skip
def test_the_structure_check_finds_a_broken_document(adam_dir: Path, breakage: str) -> None:
    root = _define(adam_dir)
    version = root.find(f"{ODM}Study/{ODM}MetaDataVersion")
    assert version is not None
    if breakage == "where":
        version.remove(next(version.iter(f"{DEF}WhereClauseDef")))
        expected = "refers to WhereClauseOID="
    elif breakage == "order":
        value_list = next(version.iter(f"{DEF}ValueListDef"))
        version.remove(value_list)
        version.append(value_list)
        expected = "MetaDataVersion"
    else:
        version.remove(version.findall(f"{ODM}ItemDef")[-1])
        expected = "refers to ItemOID="
    found = problems(root)
    assert any(expected in problem for problem in found), found


def _value_lists(root: ET.Element) -> dict[str, list[tuple[str, str, ET.Element]]]:
    """Variable OID → (where-clause variable, value, value-level ItemDef) per list entry."""
    version = root.find(f"{ODM}Study/{ODM}MetaDataVersion")
    assert version is not None
    items = {item.get("OID"): item for item in version.iter(f"{ODM}ItemDef")}
    lists = {vl.get("OID"): vl for vl in version.iter(f"{DEF}ValueListDef")}
    clauses = {wc.get("OID"): wc for wc in version.iter(f"{DEF}WhereClauseDef")}
    result: dict[str, list[tuple[str, str, ET.Element]]] = {}
    for oid, item in items.items():
        ref = item.find(f"{DEF}ValueListRef")
        if ref is None or oid is None:
            continue
        entries = []
        for item_ref in lists[ref.get("ValueListOID")].iter(f"{ODM}ItemRef"):
            where = item_ref.find(f"{DEF}WhereClauseRef")
            assert where is not None
            check = clauses[where.get("WhereClauseOID")].find(f"{ODM}RangeCheck")
            assert check is not None
            assert check.get("Comparator") == "EQ"
            key = items[check.get(f"{DEF}ItemOID")].get("Name", "")
            entries.append((key, check.findtext(f"{ODM}CheckValue", ""),
                            items[item_ref.get("ItemOID")]))  # fmt: skip
        result[oid] = entries
    return result


def _distinct(path: Path, column: str) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return sorted({row[column] for row in csv.DictReader(handle) if row[column]})


@pytest.mark.parametrize(
    ("export", "dataset", "key", "variables"),
    [pytest.param("adam", "ADTTE", "PARAMCD", ("AVAL",), id="adtte"),
     pytest.param("adam", "ADRS", "PARAMCD", ("AVALC", "AVAL"), id="adrs"),
     pytest.param("sdtm", "LB", "LBTESTCD", ("LBORRES", "LBSTRESC", "LBSTRESN"), id="lb"),
     pytest.param("sdtm", "VS", "VSTESTCD", ("VSORRES", "VSSTRESC", "VSSTRESN"), id="vs")],
)  # fmt: skip
def test_value_level_metadata_per_parameter(
    sdtm_dir: Path, adam_dir: Path, export: str, dataset: str, key: str,
    variables: tuple[str, ...],
) -> None:  # fmt: skip
    folder = sdtm_dir if export == "sdtm" else adam_dir
    lists = _value_lists(_define(folder))
    values = _distinct(folder / f"{dataset.lower()}.csv", key)
    assert len(values) >= 2
    for variable in variables:
        entries = lists[f"IT.{dataset}.{variable}"]
        assert [(k, v) for k, v, _ in entries] == [(key, value) for value in values], variable
        for _, value, item in entries:
            assert item.get("Name") == variable
            assert item.findtext(f"{ODM}Description/{ODM}TranslatedText", "").strip()
            assert item.find(f"{DEF}Origin") is not None
            assert item.get("OID") == f"IT.{dataset}.{variable}.{value}"


def test_value_level_items_describe_their_subset(adam_dir: Path) -> None:
    """ADTTE's AVAL of OS is described by its parameter and unit; a value-level length of
    ADRS AVALC is the longest value of that parameter."""
    lists = _value_lists(_define(adam_dir))
    (os_item,) = [item for _, value, item in lists["IT.ADTTE.AVAL"] if value == "OS"]
    with (adam_dir / "adtte.csv").open(newline="", encoding="utf-8") as handle:
        param = next(row["PARAM"] for row in csv.DictReader(handle) if row["PARAMCD"] == "OS")
    description = os_item.findtext(f"{ODM}Description/{ODM}TranslatedText", "")
    assert param.endswith("(months)")
    assert description == f"Analysis Value of {param}"  # the unit said once
    assert os_item.get("DataType") == "float"
    with (adam_dir / "adrs.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for _, value, item in lists["IT.ADRS.AVALC"]:
        longest = max(len(row["AVALC"]) for row in rows if row["PARAMCD"] == value)
        assert int(item.get("Length", "0")) == max(longest, 1), value


@pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium installed")
def test_chromium_renders_the_value_level_metadata(adam_dir: Path) -> None:
    """The stylesheet applied by headless Chromium (file URLs may load their stylesheet): the
    page names each parameter's where clause; a screenshot is kept for a person to look at."""
    assert CHROMIUM is not None
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--allow-file-access-from-files"]  # fmt: skip
    url = (adam_dir / "define.xml").as_uri()
    done = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True,
                          check=True, timeout=TIMEOUT_S)  # fmt: skip
    page = done.stdout
    assert "Value-level metadata of ADTTE" in page
    assert re.search(r"PARAMCD</code>\s*EQ\s*<code>OS</code>", page), page[:2000]
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "define-adam.png"
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1300,2600", url],
                   capture_output=True, check=True, timeout=TIMEOUT_S)  # fmt: skip
    with Image.open(shot) as image:
        low, high = image.convert("L").getextrema()
    assert high - low > 100


def test_define_html_is_the_stylesheet_applied(export_dir: Path) -> None:
    """``define.html`` holds what a browser applying ``define2-1.xsl`` shows: every dataset and
    variable (and, for ADaM, the value-level metadata), with no XSLT needed to read it."""
    page = (export_dir / "define.html").read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<html")
    for path in export_dir.glob("*.csv"):
        assert f'<h2 id="IG.{path.stem.upper()}">' in page, path.stem
        for column in _columns(path):
            assert f"<code>{column}</code>" in page, (path.stem, column)
    if (export_dir / "adtte.csv").exists():
        assert "Value-level metadata of ADTTE" in page


@pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium installed")
def test_chromium_shows_define_html_without_xslt(adam_dir: Path) -> None:
    assert CHROMIUM is not None
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run"]  # fmt: skip
    url = (adam_dir / "define.html").as_uri()
    done = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True,
                          check=True, timeout=TIMEOUT_S)  # fmt: skip
    assert re.search(r"PARAMCD</code>\s*EQ\s*<code>OS</code>", done.stdout)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "define-adam-html.png"
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1300,1600", url],
                   capture_output=True, check=True, timeout=TIMEOUT_S)  # fmt: skip
    with Image.open(shot) as image:
        low, high = image.convert("L").getextrema()
    assert high - low > 100
