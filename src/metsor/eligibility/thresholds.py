"""Laboratory thresholds of NCT02672488 and the rules that compare a value with them.

The thresholds are those of the registry record (ClinicalTrials.gov NCT02672488, inclusion
criteria): hemoglobin ≥ 9 g/dL; absolute neutrophil count ≥ 1,500/mm³; platelets ≥ 50,000/µL;
total bilirubin < 2 mg/dL; AST and ALT no more than 5 × ULN; alkaline phosphatase < 4 × ULN;
prothrombin activity > 50% or INR < 2.3. A value is converted to the unit of its threshold by
:mod:`metsor.clinical.units`, then rounded to six decimals so that conversion noise cannot push
a value across a cut-off (34.2 µmol/L of bilirubin is exactly 2 mg/dL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from metsor.eligibility.record import CANONICAL_UNITS, EnzymeValue, LabValue, ScreeningRecord

__all__ = [
    "Comparison",
    "RuleResult",
    "Status",
    "Threshold",
    "UlnThreshold",
    "both",
    "either",
    "format_quantity",
]

Status = Literal["pass", "fail", "unknown"]
Comparison = Literal[">=", ">", "<", "<="]

_DECIMALS = 6
_SIGN: dict[str, str] = {">=": "≥", ">": ">", "<": "<", "<=": "≤"}
_NEGATION: dict[str, str] = {">=": "<", ">": "≤", "<": "≥", "<=": ">"}


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one criterion for one record.

    Attributes
    ----------
    status
        "pass" (the criterion does not stand in the way: an inclusion met, or an exclusion's
        condition absent), "fail" (it makes the patient ineligible) or "unknown".
    reason
        Why, quoting the value, its unit and the threshold.
    """

    status: Status
    reason: str


def _number(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_quantity(value: float, unit: str) -> str:
    """Write a value with its unit: ``2.3 mg/dL``, ``1,500/mm3``, ``55%``, ``1.2`` (INR).

    Parameters
    ----------
    value
        The number (shown with at most two decimals and thousands separators).
    unit
        The unit; ``""`` for none.

    Returns
    -------
    str
        The quantity as text.
    """
    if not unit:
        return _number(value)
    if unit.startswith("/") or unit == "%":
        return f"{_number(value)}{unit}"
    return f"{_number(value)} {unit}"


def _holds(value: float, op: Comparison, limit: float) -> bool:
    value = round(value, _DECIMALS)
    if op == ">=":
        return value >= limit
    if op == ">":
        return value > limit
    if op == "<":
        return value < limit
    return value <= limit


@dataclass(frozen=True)
class Threshold:
    """A laboratory value that must satisfy ``value <op> limit`` in the threshold's unit.

    Attributes
    ----------
    analyte
        Field of ``labs`` (``"hemoglobin"``).
    label
        Name in reasons (``"hemoglobin"``).
    op
        ``">="``, ``">"``, ``"<"`` or ``"<="``.
    limit
        The threshold, in :data:`metsor.eligibility.record.CANONICAL_UNITS` of the analyte.
    """

    analyte: str
    label: str
    op: Comparison
    limit: float

    def lab(self, record: ScreeningRecord) -> LabValue | None:
        """The record's value of this analyte, if recorded."""
        if record.labs is None:
            return None
        value: LabValue | None = getattr(record.labs, self.analyte)
        return value

    def __call__(self, record: ScreeningRecord) -> RuleResult:
        """Apply the threshold to a record."""
        unit = CANONICAL_UNITS[self.analyte]
        lab = self.lab(record)
        limit = format_quantity(self.limit, unit)
        if lab is None:
            return RuleResult(
                "unknown", f"{self.label} not recorded (needs {_SIGN[self.op]} {limit})"
            )
        value = lab.in_canonical_unit()
        shown = format_quantity(value, unit)
        if lab.unit != unit:
            shown = f"{format_quantity(lab.value, lab.unit)} ({shown})"
        if _holds(value, self.op, self.limit):
            return RuleResult("pass", f"{self.label} {shown} {_SIGN[self.op]} {limit}")
        return RuleResult("fail", f"{self.label} {shown} {_NEGATION[self.op]} {limit}")


@dataclass(frozen=True)
class UlnThreshold:
    """An enzyme that must satisfy ``value <op> multiple × ULN``.

    Attributes
    ----------
    analyte
        ``"ast"``, ``"alt"`` or ``"alp"``.
    label
        Name in reasons (``"AST"``).
    op
        ``"<"`` or ``"<="``.
    multiple
        The multiple of the upper limit of normal.
    """

    analyte: str
    label: str
    op: Comparison
    multiple: float

    def __call__(self, record: ScreeningRecord) -> RuleResult:
        """Apply the threshold to a record."""
        needs = f"{_SIGN[self.op]} {_number(self.multiple)} × ULN"
        enzyme: EnzymeValue | None = (
            None if record.labs is None else getattr(record.labs, self.analyte)
        )
        if enzyme is None:
            return RuleResult("unknown", f"{self.label} not recorded (needs {needs})")
        shown = format_quantity(enzyme.value, enzyme.unit)
        ratio = enzyme.times_uln
        if ratio is None or enzyme.uln is None:
            return RuleResult("unknown", f"{self.label} {shown}: ULN not recorded (needs {needs})")
        where = (
            f"{self.label} {shown} = {_number(ratio)} × ULN ({format_quantity(enzyme.uln, 'U/L')})"
        )
        if _holds(ratio, self.op, self.multiple):
            return RuleResult("pass", f"{where} {needs}")
        return RuleResult("fail", f"{where} {_NEGATION[self.op]} {_number(self.multiple)} × ULN")


def either(
    first: Callable[[ScreeningRecord], RuleResult],
    second: Callable[[ScreeningRecord], RuleResult],
) -> Callable[[ScreeningRecord], RuleResult]:
    """A rule met when either of two rules is met ("A or B").

    One known pass suffices even if the other value is missing; a fail needs both to fail.

    Parameters
    ----------
    first, second
        The two rules.

    Returns
    -------
    callable
        The combined rule.
    """

    def rule(record: ScreeningRecord) -> RuleResult:
        results = (first(record), second(record))
        reasons = "; ".join(r.reason for r in results)
        passed = [r for r in results if r.status == "pass"]
        if passed:
            return RuleResult("pass", passed[0].reason)
        if all(r.status == "fail" for r in results):
            return RuleResult("fail", f"neither holds: {reasons}")
        return RuleResult("unknown", reasons)

    return rule


def both(
    first: Callable[[ScreeningRecord], RuleResult],
    second: Callable[[ScreeningRecord], RuleResult],
) -> Callable[[ScreeningRecord], RuleResult]:
    """A rule met when both of two rules are met ("A and B").

    One known fail suffices to fail even if the other value is missing.

    Parameters
    ----------
    first, second
        The two rules.

    Returns
    -------
    callable
        The combined rule.
    """

    def rule(record: ScreeningRecord) -> RuleResult:
        results = (first(record), second(record))
        failed = [r.reason for r in results if r.status == "fail"]
        if failed:
            return RuleResult("fail", "; ".join(failed))
        status: Status = "pass" if all(r.status == "pass" for r in results) else "unknown"
        return RuleResult(status, "; ".join(r.reason for r in results))

    return rule
