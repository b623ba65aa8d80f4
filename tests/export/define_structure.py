"""The structure Define-XML 2.1 requires of a ``define.xml``, and a check of a document against it.

Written from the Define-XML 2.1 specification (2019) and its schema (``define-extension.xsd``
over ODM 1.3.2's ``ODM1-3-2-foundation.xsd``): the order of the children of
``MetaDataVersion``, ``ItemGroupDef``, ``ItemDef``, ``def:ValueListDef`` and
``def:WhereClauseDef``; the attributes each element must carry; OIDs unique; and every OID a
document refers to (``ItemOID``, ``CodeListOID``, ``MethodOID``, ``def:ValueListOID``,
``def:WhereClauseOID``, ``def:ItemOID``, ``def:StandardOID``, ``def:ArchiveLocationID``,
``def:CommentOID``) defined by an element of the kind it names. :func:`problems` lists what a
document breaks, an empty list when it breaks nothing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
DEF = "{http://www.cdisc.org/ns/def/v2.1}"

_SHORT = {ODM: "", DEF: "def:"}

#: Children in the order the schema allows, as a regular expression over short names.
ORDER = {
    "MetaDataVersion": (
        r"(def:Standards )?(def:AnnotatedCRF )?(def:SupplementalDoc )?(def:ValueListDef )*"
        r"(def:WhereClauseDef )*(ItemGroupDef )*(ItemDef )*(CodeList )*(MethodDef )*"
        r"(def:CommentDef )*(def:leaf )*"
    ),
    "ItemGroupDef": r"(Description )?(ItemRef )+(Alias )*(def:Class )?(def:leaf )?",
    "ItemDef": (
        r"(Description )?(Question )?(ExternalQuestion )?(MeasurementUnitRef )*(RangeCheck )*"
        r"(CodeListRef )?(Role )*(Alias )*(def:Origin )*(def:ValueListRef )?"
    ),
    "ItemRef": r"(def:WhereClauseRef )*",
    "def:ValueListDef": r"(Description )?(ItemRef )+",
    "def:WhereClauseDef": r"(RangeCheck )+",
    "RangeCheck": r"(CheckValue )*(ErrorMessage )?",
}

#: Attributes an element must carry.
REQUIRED = {
    "ODM": ("FileType", "FileOID", "CreationDateTime", "ODMVersion", "def:Context"),
    "MetaDataVersion": ("OID", "Name", "def:DefineVersion"),
    "ItemGroupDef": ("OID", "Name", "Repeating", "Purpose", "def:Structure"),
    "ItemRef": ("ItemOID", "Mandatory"),
    "ItemDef": ("OID", "Name", "DataType"),
    "CodeList": ("OID", "Name", "DataType"),
    "MethodDef": ("OID", "Name", "Type"),
    "def:ValueListDef": ("OID",),
    "def:WhereClauseDef": ("OID",),
    "def:WhereClauseRef": ("WhereClauseOID",),
    "def:ValueListRef": ("ValueListOID",),
    "RangeCheck": ("Comparator", "SoftHard", "def:ItemOID"),
    "def:Standard": ("OID", "Name", "Type", "Version"),
    "def:leaf": ("ID", "{http://www.w3.org/1999/xlink}href"),
}

#: An attribute that refers to an OID → the element that must define it.
REFERENCES = {
    "ItemOID": "ItemDef",
    "CodeListOID": "CodeList",
    "MethodOID": "MethodDef",
    "ValueListOID": "def:ValueListDef",
    "WhereClauseOID": "def:WhereClauseDef",
    "def:ItemOID": "ItemDef",
    "def:StandardOID": "def:Standard",
    "def:ArchiveLocationID": "def:leaf",
    "def:CommentOID": "def:CommentDef",
}

#: Data types of Define-XML 2.1 (section 4.3.3); those that need a Length.
DATA_TYPES = {"text", "integer", "float", "date", "datetime", "time", "partialDate",
              "partialTime", "partialDatetime", "incompleteDatetime",
              "durationDatetime"}  # fmt: skip
NEEDS_LENGTH = {"text", "integer", "float"}


def short(tag: str) -> str:
    """``{ns}Name`` as ``Name`` (ODM) or ``def:Name`` (Define-XML)."""
    for namespace, prefix in _SHORT.items():
        if tag.startswith(namespace):
            return prefix + tag.removeprefix(namespace)
    return tag


def _attribute(element: ET.Element, name: str) -> str | None:
    if name.startswith("def:"):
        return element.get(DEF + name.removeprefix("def:"))
    return element.get(name)


def _element_problems(element: ET.Element, defined: dict[str, set[str]]) -> list[str]:
    """Order of children, required attributes, a data type; records the OID it defines."""
    found = []
    name = short(element.tag)
    pattern = ORDER.get(name)
    if pattern is not None:
        children = "".join(short(child.tag) + " " for child in element)
        if not re.fullmatch(pattern, children):
            found.append(f"{name} {_attribute(element, 'OID')}: children out of order: "
                         f"{children.strip()}")  # fmt: skip
    missing = [a for a in REQUIRED.get(name, ()) if not _attribute(element, a)]
    found += [f"{name} {_attribute(element, 'OID')}: no {attribute}" for attribute in missing]
    oid = element.get("ID" if name == "def:leaf" else "OID")
    if oid is not None:
        if oid in defined.setdefault(name, set()):
            found.append(f"{name} {oid}: OID defined twice")
        defined[name].add(oid)
    if name == "ItemDef":
        kind = element.get("DataType")
        if kind not in DATA_TYPES:
            found.append(f"ItemDef {oid}: DataType {kind!r}")
        if kind in NEEDS_LENGTH and not (element.get("Length") or "").isdigit():
            found.append(f"ItemDef {oid}: DataType {kind} without a Length")
    return found


def problems(root: ET.Element) -> list[str]:
    """What ``root`` (a parsed define.xml) breaks of Define-XML 2.1's structure."""
    found: list[str] = []
    defined: dict[str, set[str]] = {}
    for element in root.iter():
        found += _element_problems(element, defined)
    referenced: dict[str, set[str]] = {}
    for element in root.iter():
        for attribute, target in REFERENCES.items():
            value = _attribute(element, attribute)
            if value is None:
                continue
            referenced.setdefault(target, set()).add(value)
            if value not in defined.get(target, set()):
                found.append(f"{short(element.tag)} refers to {attribute}={value}: not defined")
    for target in ("ItemDef", "def:ValueListDef", "def:WhereClauseDef", "CodeList", "MethodDef"):
        unused = defined.get(target, set()) - referenced.get(target, set())
        found += [f"{target} {oid}: defined, never referred to" for oid in sorted(unused)]
    return found
