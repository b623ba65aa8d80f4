"""CTCAE grades of laboratory adverse events.

CTCAE v5.0 (NCI, 2017; as tabulated in pharmaverse/admiral):

=====================================  ===========  ============  ============  ==========
term                                   grade 1      grade 2       grade 3       grade 4
=====================================  ===========  ============  ============  ==========
Neutrophil count decreased (/mm³)      < LLN–1500   < 1500–1000   < 1000–500    < 500
Platelet count decreased (/mm³)        < LLN–75000  < 75000–50000 < 50000–25000 < 25000
Anemia, haemoglobin (g/dL)             < LLN–10.0   < 10.0–8.0    < 8.0         —
Blood bilirubin increased (× ULN)      > ULN–1.5    > 1.5–3.0     > 3.0–10.0    > 10.0
AST / ALT increased (× ULN)            > ULN–3.0    > 3.0–5.0     > 5.0–20.0    > 20.0
Hypoglycemia (mg/dL)                   < LLN–55     < 55–40       < 40–30       < 30
=====================================  ===========  ============  ============  ==========

With a baseline above the ULN, v5.0 grades bilirubin against multiples of baseline (grade 1
> 1.0–1.5, 2 > 1.5–3.0, 3 > 3.0–10.0, 4 > 10.0) and AST/ALT likewise (grade 1 1.5–3.0, 2
> 3.0–5.0, 3 > 5.0–20.0, 4 > 20.0); an AST/ALT below 1.5 × an abnormal baseline is grade 0.
CTCAE v3.0 AST/ALT bands are > ULN–2.5, > 2.5–5.0, > 5.0–20.0, > 20.0 × ULN, without a
baseline rule; other laboratory terms are graded by v5.0 only.

Anemia grade 4 ("life-threatening consequences") is not a laboratory finding, so a value alone
gives at most grade 3. Values, limits and baseline are given in one unit, converted through
:func:`metsor.clinical.units.convert` for the absolute cut-offs (multiples of the ULN need no
conversion); values and ratios are compared after rounding to nine decimals, so that
floating-point noise does not move a value across a cut-off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from metsor.clinical.ctcae_grade import CtcaeGrade, CtcaeVersion, find_term
from metsor.clinical.units import ACCEPTED_UNITS, convert
from metsor.errors import InputError

__all__ = ["LAB_TERMS", "grade_lab"]

_DECIMALS = 9


@dataclass(frozen=True)
class _Falling:
    """A term graded on an absolute scale as the value falls below the LLN.

    Grade 2, 3 (and 4) begin below ``limits``, given in the analyte's reference unit.
    """

    analyte: str
    limits: tuple[float, ...]
    versions: tuple[str, ...] = ("5.0",)

    def grade(self, value: float, lln: float | None, term: str) -> int:
        below = sum(value < limit for limit in self.limits)
        if below:
            return 1 + below
        if lln is None:
            raise InputError(
                f"{term}: a value of {value:g} at or above {self.limits[0]:g} needs the lower "
                "limit of normal (lln) to tell grade 0 from grade 1",
                field="lln",
            )
        return 1 if value < lln else 0


@dataclass(frozen=True)
class _Band:
    """Grades of a rising ratio: grade 1 from ``start``, one more past each of ``bounds``."""

    start: float
    start_inclusive: bool
    bounds: tuple[float, float, float]

    def grade(self, ratio: float) -> int:
        ratio = round(ratio, _DECIMALS)
        if ratio < self.start or (ratio == self.start and not self.start_inclusive):
            return 0
        return 1 + sum(ratio > bound for bound in self.bounds)


@dataclass(frozen=True)
class _Rising:
    """A term graded on multiples of the ULN, or of a baseline above the ULN (v5.0)."""

    analyte: str
    by_uln: Mapping[str, _Band]
    by_baseline: _Band

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(self.by_uln)

    def grade(
        self, value: float, uln: float | None, baseline: float | None, version: str, term: str
    ) -> tuple[int, str]:
        if uln is None:
            raise InputError(f"{term} is graded against the ULN: give uln", field="uln")
        if uln <= 0:
            raise InputError(f"uln must be above zero, got {uln:g}", field="uln")
        if version == "5.0" and baseline is not None and baseline > uln:
            return self.by_baseline.grade(value / baseline), "x baseline"
        return self.by_uln[version].grade(value / uln), "x ULN"


_BILIRUBIN = _Band(1.0, False, (1.5, 3.0, 10.0))
_AMINOTRANSFERASE_V5 = _Band(1.0, False, (3.0, 5.0, 20.0))
_AMINOTRANSFERASE_V3 = _Band(1.0, False, (2.5, 5.0, 20.0))
_AMINOTRANSFERASE_BASELINE = _Band(1.5, True, (3.0, 5.0, 20.0))
_AMINOTRANSFERASE_BANDS = MappingProxyType(
    {"5.0": _AMINOTRANSFERASE_V5, "3.0": _AMINOTRANSFERASE_V3}
)

_RULES: Mapping[str, _Falling | _Rising] = MappingProxyType(
    {
        "Neutrophil count decreased": _Falling("anc", (1500.0, 1000.0, 500.0)),
        "Platelet count decreased": _Falling("platelets", (75000.0, 50000.0, 25000.0)),
        "Anemia": _Falling("hemoglobin", (10.0, 8.0)),
        "Hypoglycemia": _Falling("glucose", (55.0, 40.0, 30.0)),
        "Blood bilirubin increased": _Rising(
            "total_bilirubin", MappingProxyType({"5.0": _BILIRUBIN}), _BILIRUBIN
        ),
        "Aspartate aminotransferase increased": _Rising(
            "ast", _AMINOTRANSFERASE_BANDS, _AMINOTRANSFERASE_BASELINE
        ),
        "Alanine aminotransferase increased": _Rising(
            "alt", _AMINOTRANSFERASE_BANDS, _AMINOTRANSFERASE_BASELINE
        ),
    }
)

LAB_TERMS: tuple[str, ...] = tuple(_RULES)
"""The laboratory terms :func:`grade_lab` grades, spelled as in CTCAE."""

_NAMES: Mapping[str, str] = MappingProxyType(
    {
        **{term.casefold(): term for term in LAB_TERMS},
        "ast increased": "Aspartate aminotransferase increased",
        "alt increased": "Alanine aminotransferase increased",
        "bilirubin increased": "Blood bilirubin increased",
        "anaemia": "Anemia",
        "neutropenia": "Neutrophil count decreased",
        "thrombocytopenia": "Platelet count decreased",
    }
)


def _in_unit(analyte: str, value: float | None, unit: str, target: str) -> float | None:
    """``value`` checked and converted from ``unit`` to ``target``; None stays None."""
    if value is None:
        return None
    return round(convert(analyte, value, unit, target), _DECIMALS)


def grade_lab(
    term: str,
    value: float,
    *,
    unit: str,
    uln: float | None = None,
    lln: float | None = None,
    baseline: float | None = None,
    version: str = "5.0",
) -> CtcaeGrade:
    """Grade a laboratory adverse event by CTCAE.

    Parameters
    ----------
    term
        One of :data:`LAB_TERMS` (case ignored), or "AST increased" / "ALT increased".
    value
        The measured value, in ``unit``.
    unit
        The unit of ``value``, ``uln``, ``lln`` and ``baseline``; one that
        :data:`metsor.clinical.units.ACCEPTED_UNITS` accepts for the term's analyte.
    uln
        Upper limit of normal; required for bilirubin, AST and ALT.
    lln
        Lower limit of normal; required for a falling term when the value lies at or above
        the grade 2 cut-off (it alone separates grade 0 from grade 1).
    baseline
        The subject's baseline value; when above the ULN, v5.0 grades bilirubin and AST/ALT
        against multiples of it.
    version
        "5.0" (default) or "3.0" (AST/ALT only).

    Returns
    -------
    CtcaeGrade
        The grade, the version and the basis ("x ULN", "x baseline" or "absolute").

    Raises
    ------
    InputError
        For an unknown term or unit, a negative value, a missing limit, or a term not graded
        by the version asked for.

    References
    ----------
    National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE)
    v5.0, 27 Nov 2017; CTCAE v3.0, 9 Aug 2006.
    """
    name = find_term(term, _NAMES, "laboratory")
    rule = _RULES[name]
    if version not in rule.versions:
        raise InputError(
            f"{name} is graded here by CTCAE version {' or '.join(rule.versions)}, not {version!r}",
            field="version",
        )
    ctcae_version: CtcaeVersion = "5.0" if version == "5.0" else "3.0"
    if isinstance(rule, _Falling):
        # absolute cut-offs: work in the analyte's reference unit
        reference = ACCEPTED_UNITS[rule.analyte][0]
        amount = round(convert(rule.analyte, value, unit, reference), _DECIMALS)
        lower = _in_unit(rule.analyte, lln, unit, reference)
        return CtcaeGrade(name, rule.grade(amount, lower, name), ctcae_version, "absolute")
    # multiples of ULN or baseline: a ratio needs no conversion, only a known unit
    amount = round(convert(rule.analyte, value, unit, unit), _DECIMALS)
    grade, basis = rule.grade(
        amount,
        _in_unit(rule.analyte, uln, unit, unit),
        _in_unit(rule.analyte, baseline, unit, unit),
        ctcae_version,
        name,
    )
    return CtcaeGrade(name, grade, ctcae_version, basis)
