"""The screening form: the fields of a screening record, flat, and back.

Each field of :func:`metsor.eligibility.examples.eligible_record` becomes one input named by
its dotted path (``labs.ast.value``). A blank input leaves the value out (its criteria are
then unknown); a number is read as a number, yes/no as a boolean. Values that cannot be read
are left as typed, so that the screening reports the field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metsor.eligibility.examples import eligible_record

__all__ = ["FIELDS", "FormField", "record_from_form", "sections"]

_CHOICES: dict[str, tuple[str, ...]] = {
    "sex": ("female", "male"),
    "liver.ascites": ("none", "mild", "moderate", "severe"),
}
_LABELS: dict[str, str] = {
    "age_years": "Age (years)",
    "ecog": "ECOG performance status",
    "consent_signed": "Written informed consent signed",
    "metastatic_liver_cancer": "Metastatic liver cancer",
    "hcc_confirmation.typical_imaging_techniques": "Imaging techniques with typical pattern",
    "tumour.largest_nodule_cm": "Largest nodule (cm)",
    "liver.encephalopathy_grade": "Encephalopathy grade",
    "history.active_infection_grade": "Active infection grade (CTCAE v3.0)",
    "history.systemic_chemo_within_6_months": "Systemic chemotherapy within 6 months",
    "history.gi_bleeding_history": "History of GI bleeding",
    "history.hiv": "HIV infection",
    "labs.anc": "ANC",
    "labs.ast": "AST",
    "labs.alt": "ALT",
    "labs.alp": "Alkaline phosphatase",
    "labs.inr": "INR",
    "tumour.afp_ng_ml": "AFP (ng/mL)",
    "history.nyha_class": "NYHA class",
}
_SECTIONS = {
    "hcc_confirmation": "HCC confirmation",
    "tumour": "Tumour",
    "liver": "Liver function",
    "labs": "Laboratory values",
    "history": "Medical history",
}


@dataclass(frozen=True)
class FormField:
    """One input of the screening form.

    Attributes
    ----------
    name
        Dotted path in the record (``labs.ast.value``).
    label
        What the form shows.
    kind
        ``int``, ``float``, ``bool``, ``choice`` or ``text``.
    choices
        The choices of a ``choice`` field.
    default
        Pre-filled value (units and upper limits of normal only).
    section
        Heading the field is shown under.
    """

    name: str
    label: str
    kind: str
    choices: tuple[str, ...] = ()
    default: str = ""
    section: str = "Candidate"


def _label(path: str) -> str:
    if path in _LABELS:
        return _LABELS[path]
    parts = path.split(".")
    if parts[0] == "labs":
        lab = _LABELS.get(".".join(parts[:2]), parts[1].replace("_", " ").capitalize())
        if parts[2] == "value":
            return lab
        return f"{lab} ULN" if parts[2] == "uln" else f"{lab} {parts[2]}"
    return parts[-1].replace("_", " ").capitalize()


def _kind(path: str, value: Any) -> str:
    if path in _CHOICES:
        return "choice"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int) and not path.endswith((".value", ".uln")):
        return "int"
    if isinstance(value, int | float):
        return "float"
    return "text"


def _fields(record: Mapping[str, Any], prefix: str = "") -> list[FormField]:
    fields: list[FormField] = []
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            fields.extend(_fields(value, f"{path}."))
            continue
        keep = path.startswith("labs.") and path.endswith((".unit", ".uln"))
        fields.append(
            FormField(
                name=path,
                label=_label(path),
                kind=_kind(path, value),
                choices=_CHOICES.get(path, ()),
                default=str(value) if keep else "",
                section=_SECTIONS.get(path.split(".")[0], "Candidate"),
            )
        )
    return fields


#: Every input of the screening form, in the record's order.
FIELDS: tuple[FormField, ...] = tuple(_fields(eligible_record()))


def sections() -> list[tuple[str, list[FormField]]]:
    """The fields grouped under their headings, in order."""
    grouped: dict[str, list[FormField]] = {}
    for field in FIELDS:
        grouped.setdefault(field.section, []).append(field)
    return list(grouped.items())


def _value(field: FormField, text: str) -> Any:
    if field.kind == "bool":
        return {"yes": True, "no": False}.get(text, text)
    if field.kind in ("int", "float"):
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if field.kind == "int" and number.is_integer() else number
    return text


def record_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The screening record of a submitted form (blank inputs left out).

    A laboratory value left blank drops its unit and upper limit too.
    """
    record: dict[str, Any] = {}
    blank_labs = {
        f.name.rsplit(".", 1)[0]
        for f in FIELDS
        if f.name.startswith("labs.")
        and f.name.endswith(".value")
        and not form.get(f.name, "").strip()
    }
    for field in FIELDS:
        text = form.get(field.name, "").strip()
        if not text or field.name.rsplit(".", 1)[0] in blank_labs:
            continue
        node = record
        *parents, leaf = field.name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _value(field, text)
    return record
