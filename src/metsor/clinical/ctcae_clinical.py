"""CTCAE grades of clinical adverse events, from observations or a grade stated by the
investigator.

CTCAE v5.0 (NCI, 2017):

- Palmar-plantar erythrodysesthesia syndrome: 1 minimal skin changes without pain; 2 skin
  changes with pain, limiting instrumental ADL; 3 severe skin changes with pain, limiting
  self-care ADL.
- Diarrhea: 1 increase of < 4 stools a day over baseline; 2 increase of 4–6, or limiting
  instrumental ADL; 3 increase of ≥ 7, hospitalisation indicated, or limiting self-care ADL;
  4 life-threatening; 5 death.
- Hypertension (adult): 1 SBP 120–139 or DBP 80–89 mm Hg; 2 SBP 140–159 or DBP 90–99;
  3 SBP ≥ 160 or DBP ≥ 100; 4 life-threatening consequences; 5 death.
- Fatigue: 1 relieved by rest; 2 not relieved by rest, limiting instrumental ADL; 3 not
  relieved by rest, limiting self-care ADL.
- Acidosis (also lactic acidosis, which has no v5.0 term of its own): 1 pH below normal but
  ≥ 7.3; no grade 2; 3 pH < 7.3; 4 life-threatening; 5 death.

The symptoms the study drugs' labels list (abdominal pain, headache, nausea, vomiting,
anorexia, weight loss, dyspepsia, flatulence, rash maculo-papular, alopecia, upper
gastrointestinal hemorrhage, general physical health deterioration) are defined, with their
CTCAE v5.0 criteria, in :mod:`metsor.clinical.ctcae_symptoms`.

CTCAE v3.0 (NCI, 2006), the version the METSOR registry record cites for infection:

- Infection: no grade 1; 2 localised, local intervention indicated; 3 IV antibiotic,
  antifungal or antiviral intervention, or interventional radiology or operative
  intervention, indicated; 4 life-threatening consequences (e.g. septic shock); 5 death.

Every term also accepts ``grade=`` alone: a grade the investigator assigned, checked against
the grades the term has.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from metsor.clinical._checks import finite, non_negative
from metsor.clinical._ctcae_observations import (
    ADL_LIMITATIONS,
    Term,
    adl_grade,
    choice,
    flag,
    outcome_grade,
)
from metsor.clinical.ctcae_grade import CtcaeGrade, find_term
from metsor.clinical.ctcae_symptoms import SYMPTOM_ALIASES, SYMPTOM_TERMS
from metsor.errors import InputError

__all__ = [
    "ADL_LIMITATIONS",
    "CLINICAL_TERMS",
    "INFECTION_TREATMENTS",
    "clinical_grades",
    "grade_clinical",
]

INFECTION_TREATMENTS: tuple[str, ...] = ("none", "local", "iv", "interventional")
"""Treatment an infection calls for: none, local, IV anti-infective, or radiological or
operative intervention."""

NORMAL_PH_LOW = 7.35
"""Lower limit of normal arterial pH used by default for acidosis."""


def _hand_foot(observations: dict[str, Any]) -> int:
    grade = 1 if flag(observations, "skin_changes") else 0
    if flag(observations, "pain"):
        grade = max(grade, 2)
    return max(grade, adl_grade(observations))


def _diarrhea(observations: dict[str, Any]) -> int:
    stools = observations.pop("stools_over_baseline", None)
    if isinstance(stools, bool) or not isinstance(stools, int) or stools < 0:
        raise InputError(
            f"stools_over_baseline must be a whole number ≥ 0 (stools a day over baseline), "
            f"got {stools!r}",
            field="stools_over_baseline",
        )
    grade = 0 if stools == 0 else 1 if stools < 4 else 2 if stools <= 6 else 3
    if flag(observations, "hospitalization"):
        grade = max(grade, 3)
    return max(grade, adl_grade(observations), outcome_grade(observations))


def _pressure_grade(value: float, cutoffs: tuple[float, float, float]) -> int:
    return sum(value >= cutoff for cutoff in cutoffs)


def _hypertension(observations: dict[str, Any]) -> int:
    if "sbp" not in observations or "dbp" not in observations:
        raise InputError("hypertension needs both sbp and dbp (mm Hg)", field="sbp")
    sbp = non_negative(observations.pop("sbp"), "sbp")
    dbp = non_negative(observations.pop("dbp"), "dbp")
    grade = max(
        _pressure_grade(sbp, (120.0, 140.0, 160.0)), _pressure_grade(dbp, (80.0, 90.0, 100.0))
    )
    return max(grade, outcome_grade(observations))


def _fatigue(observations: dict[str, Any]) -> int:
    if not flag(observations, "present"):
        observations.pop("relieved_by_rest", None)
        observations.pop("adl_limitation", None)
        return 0
    relieved = observations.pop("relieved_by_rest", True)
    if not isinstance(relieved, bool):
        raise InputError(
            f"relieved_by_rest must be true or false, got {relieved!r}", field="relieved_by_rest"
        )
    return max(1 if relieved else 2, adl_grade(observations))


def _acidosis(observations: dict[str, Any]) -> int:
    if "ph" not in observations:
        raise InputError("acidosis is graded on arterial pH: give ph", field="ph")
    ph = round(finite(observations.pop("ph"), "ph"), 6)
    normal_low = finite(observations.pop("ph_lln", NORMAL_PH_LOW), "ph_lln")
    grade = 0 if ph >= normal_low else 1 if ph >= 7.3 else 3
    return max(grade, outcome_grade(observations))


def _infection(observations: dict[str, Any]) -> int:
    # v3.0 has no grade 1: an infection that needs no intervention has no grade (0);
    # grade 2 starts at "local intervention indicated".
    treatment = choice(observations, "treatment", INFECTION_TREATMENTS)
    grade = {"none": 0, "local": 2, "iv": 3, "interventional": 3}[treatment]
    return max(grade, outcome_grade(observations))


_TERMS: Mapping[str, Term] = MappingProxyType(
    {
        "Palmar-plantar erythrodysesthesia syndrome": Term("5.0", (0, 1, 2, 3), _hand_foot),
        "Diarrhea": Term("5.0", (0, 1, 2, 3, 4, 5), _diarrhea),
        "Hypertension": Term("5.0", (0, 1, 2, 3, 4, 5), _hypertension),
        "Fatigue": Term("5.0", (0, 1, 2, 3), _fatigue),
        "Acidosis": Term("5.0", (0, 1, 3, 4, 5), _acidosis),
        "Infection": Term("3.0", (0, 2, 3, 4, 5), _infection),
        **SYMPTOM_TERMS,
    }
)

CLINICAL_TERMS: tuple[str, ...] = tuple(_TERMS)
"""The clinical terms :func:`grade_clinical` grades, spelled as in CTCAE."""

_NAMES: Mapping[str, str] = MappingProxyType(
    {
        **{term.casefold(): term for term in CLINICAL_TERMS},
        "palmar-plantar erythrodysesthesia": "Palmar-plantar erythrodysesthesia syndrome",
        "hand-foot skin reaction": "Palmar-plantar erythrodysesthesia syndrome",
        "hand-foot syndrome": "Palmar-plantar erythrodysesthesia syndrome",
        "diarrhoea": "Diarrhea",
        "lactic acidosis": "Acidosis",
        **SYMPTOM_ALIASES,
    }
)


def _stated_grade(name: str, term: Term, grade: object) -> int:
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in term.grades:
        shown = ", ".join(str(g) for g in term.grades)
        raise InputError(
            f"{name} (CTCAE v{term.version}) has grades {shown}; got {grade!r}",
            field="grade",
        )
    return grade


def clinical_grades(term: str) -> tuple[int, ...]:
    """The grades a clinical term has, 0 (none) included.

    Parameters
    ----------
    term
        One of :data:`CLINICAL_TERMS` (case ignored) or an alias.

    Returns
    -------
    tuple of int
        The grades in order: alopecia ``(0, 1, 2)``, diarrhea ``(0, 1, 2, 3, 4, 5)``.

    Raises
    ------
    InputError
        For an unknown term (field ``term``).
    """
    return _TERMS[find_term(term, _NAMES, "clinical")].grades


def grade_clinical(term: str, **observations: Any) -> CtcaeGrade:
    """Grade a clinical adverse event by CTCAE.

    Parameters
    ----------
    term
        One of :data:`CLINICAL_TERMS` (case ignored), or an alias such as "hand-foot skin
        reaction" or "lactic acidosis".
    **observations
        Either ``grade=`` alone (a grade stated by the investigator), or the findings of the
        term; a finding left out counts as absent:

        - Palmar-plantar erythrodysesthesia: ``skin_changes``, ``pain`` (bool),
          ``adl_limitation`` ("none", "instrumental", "self_care").
        - Diarrhea: ``stools_over_baseline`` (int, required), ``hospitalization``,
          ``adl_limitation``, ``life_threatening``, ``death``.
        - Hypertension: ``sbp``, ``dbp`` (mm Hg, required), ``life_threatening``, ``death``.
        - Fatigue: ``present`` (bool), ``relieved_by_rest`` (bool, default true),
          ``adl_limitation``.
        - Acidosis: ``ph`` (required), ``ph_lln`` (default 7.35), ``life_threatening``,
          ``death``.
        - Infection (v3.0): ``treatment`` ("none", "local", "iv", "interventional"),
          ``life_threatening``, ``death``.
        - Abdominal pain, Headache: ``severity`` ("none", "mild", "moderate", "severe"),
          ``adl_limitation``.
        - Nausea: ``intake`` (:data:`~metsor.clinical.ctcae_symptoms.NAUSEA_INTAKE`).
        - Vomiting: ``care`` (:data:`~metsor.clinical.ctcae_symptoms.VOMITING_CARE`),
          ``life_threatening``, ``death``.
        - Anorexia: ``intake`` (:data:`~metsor.clinical.ctcae_symptoms.ANOREXIA_INTAKE`),
          ``life_threatening``, ``death``.
        - Weight loss: ``percent_from_baseline``, or ``baseline_kg`` and ``weight_kg``.
        - Dyspepsia: ``severity`` (to "severe"); Flatulence: ``severity`` (to "moderate").
        - Rash maculo-papular: ``bsa_percent`` (required), ``symptoms`` ("none", "mild",
          "moderate", "severe"), ``adl_limitation``.
        - Alopecia: ``hair_loss_percent`` (required).
        - Upper gastrointestinal hemorrhage: ``care``
          (:data:`~metsor.clinical.ctcae_symptoms.BLEEDING_CARE`), ``life_threatening``,
          ``death``.
        - General physical health deterioration: ``severity``, ``adl_limitation``,
          ``life_threatening``, ``death``.

    Returns
    -------
    CtcaeGrade
        With ``basis`` "observations" or "stated".

    Raises
    ------
    InputError
        For an unknown term, an unknown or ill-typed observation, a missing required one, or
        a stated grade the term does not have.

    References
    ----------
    National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE)
    v5.0, 27 Nov 2017; CTCAE v3.0, 9 Aug 2006.
    """
    name = find_term(term, _NAMES, "clinical")
    rule = _TERMS[name]
    if "grade" in observations:
        others = sorted(set(observations) - {"grade"})
        if others:
            raise InputError(
                f"{name}: give either grade or observations, not both (got {', '.join(others)})",
                field="grade",
            )
        return CtcaeGrade(
            name, _stated_grade(name, rule, observations["grade"]), rule.version, "stated"
        )
    remaining = dict(observations)
    grade = rule.from_observations(remaining)
    if remaining:
        unknown = ", ".join(sorted(remaining))
        raise InputError(f"{name}: unknown observation(s) {unknown}", field=sorted(remaining)[0])
    return CtcaeGrade(name, grade, rule.version, "observations")
