"""``define.xml`` (CDISC Define-XML 2.1) describing exported datasets, with its stylesheet.

For each dataset an ``ItemGroupDef`` (name, label as ``Description``, ``Purpose`` Tabulation or
Analysis, ``def:Structure``, ``def:Class``, ``def:leaf`` pointing at the XPT file) with an
``ItemRef`` per variable (``OrderNumber``, ``Mandatory`` — Yes for the keys —, ``KeySequence``,
``MethodOID`` for a variable with a method; a sponsor-defined domain, such as XS, marked
``def:IsNonStandard`` instead of naming the standard); for each variable an ``ItemDef`` (``Name``,
``DataType``, ``Length`` — the longest value in bytes for text, 8, the bytes of a SAS number,
otherwise —, ``Description`` with the label, ``def:Origin``, a ``CodeListRef`` to its
``CodeList`` when it has one, a ``def:ValueListRef`` when its meaning changes with the row's
parameter); the value-level metadata (``def:ValueListDef``, ``def:WhereClauseDef`` and their
``ItemDef``) per ``PARAMCD`` of ADTTE and ADRS and per test code of LB, VS and TR
(:mod:`metsor.export.define_values`); and a ``MethodDef`` per derivation method. SDTM
``--DTC`` dates are ISO 8601 text (DataType ``date``); ADaM ``*DT`` dates are numeric SAS dates
(DataType ``integer`` with ``def:DisplayFormat`` ``DATE9.``).

The file names the stylesheet ``define2-1.xsl`` (written beside it by :func:`write_define`) in
an ``xml-stylesheet`` processing instruction, so that a browser shows it as tables; the same
stylesheet applied when exporting (lxml's XSLT) gives ``define.html`` beside them, for a browser
that does not apply XSLT (Chromium warns it is removing it, and loads the stylesheet of a
``file:`` URL only with ``--allow-file-access-from-files``).

References
----------
CDISC Define-XML Specification v2.1 (2019); CDISC ODM v1.3.2.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from metsor.errors import InputError
from metsor.export.define_values import ValueLevelElements, value_level
from metsor.export.metadata import Dataset, Variable, text_length
from metsor.export.study import ascii_text

__all__ = ["DEF", "HTML", "ODM", "STYLESHEET", "define_html", "define_xml", "write_define"]

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEF = "http://www.cdisc.org/ns/def/v2.1"
XLINK = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: The stylesheet's file name, beside define.xml.
STYLESHEET = "define2-1.xsl"

#: define.xml rendered by the stylesheet, beside it.
HTML = "define.html"

_STANDARDS = {"Tabulation": ("SDTMIG", "3.4"), "Analysis": ("ADaMIG", "1.3")}

ET.register_namespace("", ODM)
ET.register_namespace("def", DEF)
ET.register_namespace("xlink", XLINK)


def _q(name: str) -> str:
    return f"{{{ODM}}}{name}"


def _d(name: str) -> str:
    return f"{{{DEF}}}{name}"


def _description(parent: ET.Element, text: str) -> None:
    description = ET.SubElement(parent, _q("Description"))
    translated = ET.SubElement(description, _q("TranslatedText"))
    translated.set(XML_LANG, "en")
    translated.text = text


def _data_type(dataset: Dataset, variable: Variable) -> tuple[str, str | None]:
    """Define-XML DataType and display format of a variable."""
    if variable.kind == "date":
        return "integer", "DATE9."
    if variable.kind == "text":
        is_iso_date = dataset.spec.purpose == "Tabulation" and variable.name.endswith("DTC")
        return ("date" if is_iso_date else "text"), None
    return variable.kind, None


def define_xml(datasets: Sequence[Dataset], *, study_id: str, study_name: str) -> bytes:
    """The Define-XML 2.1 document of ``datasets`` (all of one purpose).

    Parameters
    ----------
    datasets
        The datasets exported (their files are ``<name>.xpt``, lower case).
    study_id, study_name
        The study's identifier and title.

    Returns
    -------
    bytes
        The XML document, UTF-8, with the stylesheet instruction.

    Raises
    ------
    InputError
        When the datasets are of different purposes (Tabulation and Analysis) or none is given.
    """
    purposes = {dataset.spec.purpose for dataset in datasets}
    if len(purposes) != 1:
        raise InputError("define.xml describes datasets of one purpose", field="datasets")
    purpose = purposes.pop()
    standard, version = _STANDARDS[purpose]
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    root = ET.Element(_q("ODM"))
    root.set("ODMVersion", "1.3.2")
    root.set("FileType", "Snapshot")
    root.set("FileOID", f"DEFINE.{study_id}.{standard}")
    root.set("CreationDateTime", now)
    root.set("Originator", "metsor")
    root.set(_d("Context"), "Other")
    study = ET.SubElement(root, _q("Study"), OID=f"STUDY.{study_id}")
    global_variables = ET.SubElement(study, _q("GlobalVariables"))
    ET.SubElement(global_variables, _q("StudyName")).text = study_id
    ET.SubElement(global_variables, _q("StudyDescription")).text = ascii_text(study_name)
    ET.SubElement(global_variables, _q("ProtocolName")).text = study_id
    version_element = ET.SubElement(
        study,
        _q("MetaDataVersion"),
        {"OID": f"MDV.{study_id}.{standard}", "Name": f"{study_id} {standard} {version}",
         _d("DefineVersion"): "2.1.0"},
    )  # fmt: skip
    standards = ET.SubElement(version_element, _d("Standards"))
    ET.SubElement(
        standards,
        _d("Standard"),
        OID="STD.1", Name=standard, Type="IG", Version=version, Status="Final",
    )  # fmt: skip
    values = ValueLevelElements()
    for dataset in datasets:
        value_level(dataset, values, q=_q, d=_d, describe=_description)
    for element in (*values.value_lists, *values.where_clauses):  # before the ItemGroupDefs
        version_element.append(element)
    item_defs: list[ET.Element] = []
    codelists: list[ET.Element] = []
    methods: list[ET.Element] = []
    for dataset in datasets:
        _item_group(version_element, dataset, item_defs, codelists, methods, values.lists_of)
    for element in (*item_defs, *values.item_defs, *codelists, *methods):
        version_element.append(element)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    header = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<?xml-stylesheet type="text/xsl" href="{STYLESHEET}"?>\n'
    )
    return (header + body + "\n").encode("utf-8")


def _item_group(
    parent: ET.Element,
    dataset: Dataset,
    item_defs: list[ET.Element],
    codelists: list[ET.Element],
    methods: list[ET.Element],
    value_lists: dict[str, str],
) -> None:
    spec = dataset.spec
    group = ET.SubElement(
        parent,
        _q("ItemGroupDef"),
        {"OID": f"IG.{spec.name}", "Name": spec.name, "SASDatasetName": spec.name,
         "Repeating": "No" if spec.cls.startswith("SUBJECT LEVEL") else "Yes",
         "IsReferenceData": "Yes" if spec.cls == "TRIAL DESIGN" else "No",
         "Purpose": spec.purpose, _d("Structure"): spec.structure,
         _d("StandardOID"): "STD.1", _d("ArchiveLocationID"): f"LF.{spec.name}"},
    )  # fmt: skip
    if spec.purpose == "Tabulation":
        group.set("Domain", spec.name)
    if _sponsor_defined(spec.name, spec.purpose):  # not in the standard referenced
        del group.attrib[_d("StandardOID")]
        group.set(_d("IsNonStandard"), "Yes")
    _description(group, spec.label)
    for order, variable in enumerate(spec.variables, start=1):
        oid = f"IT.{spec.name}.{variable.name}"
        ref = ET.SubElement(
            group,
            _q("ItemRef"),
            ItemOID=oid,
            OrderNumber=str(order),
            Mandatory="Yes" if variable.name in spec.keys else "No",
        )
        if variable.name in spec.keys:
            ref.set("KeySequence", str(spec.keys.index(variable.name) + 1))
        if variable.method is not None:
            method_oid = f"MT.{spec.name}.{variable.name}"
            ref.set("MethodOID", method_oid)
            method = ET.Element(
                _q("MethodDef"), OID=method_oid, Name=f"Algorithm for {spec.name}.{variable.name}",
                Type="Computation",
            )  # fmt: skip
            _description(method, variable.method)
            methods.append(method)
        item_defs.append(_item_def(dataset, variable, oid, codelists, value_lists.get(oid)))
    ET.SubElement(group, _d("Class"), Name=spec.cls)
    leaf = ET.SubElement(
        group, _d("leaf"), {"ID": f"LF.{spec.name}", f"{{{XLINK}}}href": f"{spec.name.lower()}.xpt"}
    )
    ET.SubElement(leaf, _d("title")).text = f"{spec.name.lower()}.xpt"


def _sponsor_defined(name: str, purpose: str) -> bool:
    """Whether an SDTM domain is sponsor-defined: its code begins with X, Y or Z (SDTMIG 3.4,
    section 2.6), so that Define-XML 2.1 marks it ``def:IsNonStandard`` without a standard."""
    return purpose == "Tabulation" and name[:1] in ("X", "Y", "Z")


def _item_def(
    dataset: Dataset,
    variable: Variable,
    oid: str,
    codelists: list[ET.Element],
    value_list: str | None,
) -> ET.Element:
    data_type, display = _data_type(dataset, variable)
    item = ET.Element(
        _q("ItemDef"), OID=oid, Name=variable.name, SASFieldName=variable.name, DataType=data_type
    )
    if variable.kind == "text":
        item.set("Length", str(text_length(dataset.column(variable.name))))
    else:
        item.set("Length", "8")
    if display is not None:
        item.set(_d("DisplayFormat"), display)
    _description(item, variable.label)
    if variable.codelist:
        list_oid = f"CL.{dataset.name}.{variable.name}"
        ET.SubElement(item, _q("CodeListRef"), CodeListOID=list_oid)
        codelist = ET.Element(
            _q("CodeList"),
            OID=list_oid,
            Name=f"{dataset.name}.{variable.name}",
            DataType="integer" if variable.kind == "integer" else "text",
        )
        for rank, value in enumerate(variable.codelist, start=1):
            ET.SubElement(codelist, _q("EnumeratedItem"), CodedValue=value, Rank=str(rank))
        codelists.append(codelist)
    origin = ET.SubElement(item, _d("Origin"), Type=variable.origin)
    if variable.origin == "Predecessor":
        _description(origin, f"From the SDTM variable {variable.name}")
    if value_list is not None:  # after def:Origin, as the Define-XML 2.1 schema orders them
        ET.SubElement(item, _d("ValueListRef"), ValueListOID=value_list)
    return item


def define_html(document: bytes, stylesheet: bytes) -> bytes:
    """``document`` (define.xml) as HTML: ``stylesheet`` applied by lxml's XSLT."""
    from lxml import etree

    transform = etree.XSLT(etree.fromstring(stylesheet))
    return bytes(transform(etree.fromstring(document)))


def write_define(
    datasets: Sequence[Dataset], folder: Path, *, study_id: str, study_name: str
) -> Path:
    """Write ``define.xml``, its stylesheet ``define2-1.xsl`` and ``define.html`` into ``folder``.

    Raises
    ------
    InputError
        Naming ``out_dir`` when a file cannot be written.
    """
    path = folder / "define.xml"
    stylesheet = resources.files("metsor.export").joinpath(STYLESHEET).read_bytes()
    document = define_xml(datasets, study_id=study_id, study_name=study_name)
    try:
        path.write_bytes(document)
        (folder / STYLESHEET).write_bytes(stylesheet)
        (folder / HTML).write_bytes(define_html(document, stylesheet))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", field="out_dir") from None
    return path
