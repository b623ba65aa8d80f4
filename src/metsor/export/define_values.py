"""Value-level metadata of ``define.xml``: a result variable described per parameter or test.

A result variable whose meaning changes with the row's parameter — ``AVAL`` of ADTTE (months
to death, to progression …) and ``AVALC``/``AVAL`` of ADRS per ``PARAMCD``; the results of LB
and VS per ``LBTESTCD``/``VSTESTCD`` (and of TR per ``TRTESTCD``) — gets a ``def:ValueListDef``
with one ``ItemRef`` per value of the parameter found in the data. Each ``ItemRef`` points at an
``ItemDef`` of its own (name, data type and length of that subset, the parameter's name and
unit as the description, the origin of the variable) and carries a ``def:WhereClauseRef`` to a
``def:WhereClauseDef`` whose ``RangeCheck`` says ``<PARAMCD> EQ <value>``. The variable's own
``ItemDef`` refers to the list with ``def:ValueListRef`` (:func:`metsor.export.define_xml`).

A text result whose values in a subset are all numbers is described there as ``integer`` or
``float`` (its length the longest value written), as Define-XML 2.1 asks of value-level
metadata; an unknown value does not count.

References
----------
CDISC Define-XML Specification v2.1 (2019), sections 5.3.7 (``def:ValueListDef``) and 5.3.8
(``def:WhereClauseDef``); CDISC ADaMIG v1.3 (2021), section 3.3 (the BDS parameter);
CDISC SDTMIG v3.4 (2021), section 8.4 (value-level metadata of findings).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from metsor.export.metadata import Dataset, Variable, text_length

__all__ = ["VALUE_LEVEL", "ValueLevel", "ValueLevelElements", "value_level"]


class ValueLevel(NamedTuple):
    """Where a dataset's value-level metadata comes from: the parameter (``key``), its name
    and unit variables, and the result variables described per parameter."""

    key: str
    name: str
    unit: str | None
    results: tuple[str, ...]


#: The datasets with value-level metadata, by name.
VALUE_LEVEL: dict[str, ValueLevel] = {
    "ADTTE": ValueLevel("PARAMCD", "PARAM", "AVALU", ("AVAL",)),
    "ADRS": ValueLevel("PARAMCD", "PARAM", None, ("AVALC", "AVAL")),
    "LB": ValueLevel("LBTESTCD", "LBTEST", "LBSTRESU", ("LBORRES", "LBSTRESC", "LBSTRESN")),
    "VS": ValueLevel("VSTESTCD", "VSTEST", "VSSTRESU", ("VSORRES", "VSSTRESC", "VSSTRESN")),
    "TR": ValueLevel("TRTESTCD", "TRTEST", "TRSTRESU", ("TRORRES", "TRSTRESC", "TRSTRESN")),
}


@dataclass
class ValueLevelElements:
    """What the value-level metadata of a document adds to its ``MetaDataVersion``."""

    value_lists: list[ET.Element] = field(default_factory=list)
    where_clauses: list[ET.Element] = field(default_factory=list)
    item_defs: list[ET.Element] = field(default_factory=list)
    lists_of: dict[str, str] = field(default_factory=dict)
    """``IT.<dataset>.<variable>`` → the OID of its value list."""


def value_level(
    dataset: Dataset,
    elements: ValueLevelElements,
    *,
    q: Callable[[str], str],
    d: Callable[[str], str],
    describe: Callable[[ET.Element, str], None],
) -> None:
    """Add the value-level metadata of ``dataset`` (if it has any) to ``elements``.

    Parameters
    ----------
    dataset
        One exported dataset.
    elements
        Collects the elements of the whole document.
    q, d
        The qualified name of an ODM and of a Define-XML element.
    describe
        Adds a ``Description`` to an element.
    """
    spec = dataset.spec
    source = VALUE_LEVEL.get(spec.name)
    if source is None or source.key not in spec.columns:
        return
    subsets: dict[str, list[dict[str, Any]]] = {}
    for row in dataset.rows:
        value = row.get(source.key)
        if value is not None and str(value) != "":
            subsets.setdefault(str(value), []).append(dict(row))
    if not subsets:
        return
    key_oid = f"IT.{spec.name}.{source.key}"
    for value in sorted(subsets):
        clause = ET.Element(d("WhereClauseDef"), OID=_where_oid(spec.name, source.key, value))
        check = ET.SubElement(
            clause, q("RangeCheck"), {"Comparator": "EQ", "SoftHard": "Soft", d("ItemOID"): key_oid}
        )
        ET.SubElement(check, q("CheckValue")).text = value
        elements.where_clauses.append(clause)
    for name in source.results:
        if name not in spec.columns:
            continue
        variable = spec.variable(name)
        list_oid = f"VL.{spec.name}.{name}"
        value_list = ET.Element(d("ValueListDef"), OID=list_oid)
        for order, value in enumerate(sorted(subsets), start=1):
            rows = subsets[value]
            item_oid = f"IT.{spec.name}.{name}.{value}"
            ref = ET.SubElement(
                value_list, q("ItemRef"), ItemOID=item_oid, OrderNumber=str(order), Mandatory="No"
            )
            ET.SubElement(
                ref, d("WhereClauseRef"), WhereClauseOID=_where_oid(spec.name, source.key, value)
            )
            elements.item_defs.append(
                _value_item(variable, item_oid, rows, source, value, q=q, d=d, describe=describe)
            )
        elements.value_lists.append(value_list)
        elements.lists_of[f"IT.{spec.name}.{name}"] = list_oid


def _where_oid(dataset: str, key: str, value: str) -> str:
    return f"WC.{dataset}.{key}.{value}"


def _value_item(
    variable: Variable,
    oid: str,
    rows: Sequence[dict[str, Any]],
    source: ValueLevel,
    value: str,
    *,
    q: Callable[[str], str],
    d: Callable[[str], str],
    describe: Callable[[ET.Element, str], None],
) -> ET.Element:
    values = [row.get(variable.name) for row in rows]
    data_type, length = _type_and_length(variable, values)
    item = ET.Element(
        q("ItemDef"), OID=oid, Name=variable.name, SASFieldName=variable.name,
        DataType=data_type, Length=str(length),
    )  # fmt: skip
    describe(item, _description(variable, rows, source, value))
    ET.SubElement(item, d("Origin"), Type=variable.origin)
    return item


def _description(
    variable: Variable, rows: Sequence[dict[str, Any]], source: ValueLevel, value: str
) -> str:
    names = sorted({str(row[source.name]) for row in rows if row.get(source.name)})
    units = sorted(
        {str(row[source.unit]) for row in rows if source.unit is not None and row.get(source.unit)}
    )
    what = names[0] if len(names) == 1 else value
    units = [u for u in units if u.lower() not in what.lower()]  # a PARAM names its unit
    unit = f" ({', '.join(units)})" if units else ""
    return f"{variable.label} of {what}{unit}"


def _type_and_length(variable: Variable, values: Sequence[Any]) -> tuple[str, int]:
    if variable.kind != "text":
        return variable.kind, 8
    known = [str(v) for v in values if v is not None and str(v) != ""]
    if known and all(_is_number(v) for v in known):
        kind = "integer" if all(v.lstrip("-").isdigit() for v in known) else "float"
        return kind, max(len(v) for v in known)
    return "text", text_length(values)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "infinity", "-infinity")
