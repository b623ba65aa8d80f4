"""Laboratory rules with a trial's own cut-off, and checklist items the investigator attests.

A criterion whose protocol entry carries a :class:`metsor.protocol.model.Cutoff` is checked by
the rule library's comparison of its analyte with the protocol's limit instead of the library's
(SHARP's platelets ≥ 60,000/µL where METSOR's are ≥ 50,000/µL). A criterion without a rule is a
checklist item: it passes when the screening record lists its id among the items the
investigator attests (``attested``), and is unknown otherwise.
"""

from __future__ import annotations

from metsor.eligibility.record import CANONICAL_UNITS, ScreeningRecord
from metsor.eligibility.thresholds import RuleResult, Threshold
from metsor.errors import InputError
from metsor.protocol.model import Criterion

__all__ = ["LAB_RULES", "attested", "cutoff_rule"]

LAB_RULES: dict[str, tuple[str, str]] = {
    "hemoglobin": ("hemoglobin", "hemoglobin"),
    "anc": ("anc", "ANC"),
    "platelets": ("platelets", "platelets"),
    "total_bilirubin": ("total_bilirubin", "total bilirubin"),
    "albumin": ("albumin", "albumin"),
    "inr": ("inr", "PT-INR"),
}
"""The rules that take a cut-off: rule id → (analyte of the record, name in reasons)."""


def cutoff_rule(criterion: Criterion) -> Threshold | None:
    """The laboratory rule of a criterion with the protocol's cut-off, or None without one.

    Raises
    ------
    InputError
        When the criterion's rule takes no cut-off, or the cut-off's unit is not the
        analyte's (naming the criterion).
    """
    cutoff = criterion.cutoff
    if cutoff is None:
        return None
    where = f"criteria.{criterion.id}.cutoff"
    if criterion.rule not in LAB_RULES:
        raise InputError(
            f"criterion '{criterion.id}': rule {criterion.rule!r} takes no cut-off (rules that "
            f"do: {', '.join(LAB_RULES)})",
            field=where,
        )
    analyte, label = LAB_RULES[criterion.rule]
    if cutoff.unit != CANONICAL_UNITS[analyte]:
        raise InputError(
            f"criterion '{criterion.id}': the cut-off of {label} is in "
            f"{CANONICAL_UNITS[analyte] or 'no unit'}, not {cutoff.unit!r}",
            field=where,
        )
    return Threshold(analyte, label, cutoff.comparison, cutoff.limit)


def attested(criterion: Criterion, record: ScreeningRecord) -> RuleResult:
    """A checklist item: passed when the investigator attests it in the record."""
    if criterion.id in (record.attested or ()):
        return RuleResult("pass", "attested by the investigator (checklist item)")
    return RuleResult("unknown", "manual check")
