"""CTCAE clinical grades.

Criteria: NCI CTCAE v5.0 (27 Nov 2017) for palmar-plantar erythrodysesthesia, diarrhea,
hypertension, fatigue and acidosis (graded for lactic acidosis, which has no v5.0 term);
NCI CTCAE v3.0 (9 Aug 2006) for infection, the version the METSOR registry record cites. The
symptom terms of the labels are in ``test_ctcae_symptoms.py``.
"""

from __future__ import annotations

import pytest

from metsor.clinical.ctcae import CLINICAL_TERMS, CtcaeGrade, grade_clinical
from metsor.errors import InputError


@pytest.mark.parametrize(
    ("observations", "grade"),
    [
        ({}, 0),
        ({"skin_changes": True}, 1),
        ({"skin_changes": True, "pain": True, "adl_limitation": "instrumental"}, 2),
        ({"skin_changes": True, "pain": True, "adl_limitation": "self_care"}, 3),
    ],
)
def test_palmar_plantar_erythrodysesthesia(observations: dict[str, object], grade: int) -> None:
    result = grade_clinical("hand-foot skin reaction", **observations)
    assert result == CtcaeGrade(
        "Palmar-plantar erythrodysesthesia syndrome", grade, "5.0", "observations"
    )


@pytest.mark.parametrize(
    ("stools", "grade"), [(0, 0), (1, 1), (3, 1), (4, 2), (6, 2), (7, 3), (12, 3)]
)
def test_diarrhea_by_stools_over_baseline(stools: int, grade: int) -> None:
    """CTCAE v5.0: < 4 / 4–6 / ≥ 7 stools a day over baseline."""
    assert grade_clinical("Diarrhea", stools_over_baseline=stools).grade == grade


@pytest.mark.parametrize(
    ("extra", "grade"),
    [
        ({"adl_limitation": "instrumental"}, 2),
        ({"hospitalization": True}, 3),
        ({"adl_limitation": "self_care"}, 3),
        ({"life_threatening": True}, 4),
        ({"death": True}, 5),
    ],
)
def test_diarrhea_other_criteria_raise_the_grade(extra: dict[str, object], grade: int) -> None:
    assert grade_clinical("diarrhea", stools_over_baseline=1, **extra).grade == grade


@pytest.mark.parametrize(
    ("sbp", "dbp", "grade"),
    [
        (119, 79, 0),
        (120, 79, 1),
        (139, 89, 1),
        (119, 80, 1),
        (140, 70, 2),
        (159, 99, 2),
        (110, 90, 2),
        (160, 80, 3),
        (130, 100, 3),
    ],
)
def test_hypertension_by_blood_pressure(sbp: float, dbp: float, grade: int) -> None:
    """CTCAE v5.0 adult: SBP 120–139 or DBP 80–89 / 140–159 or 90–99 / ≥ 160 or ≥ 100."""
    assert grade_clinical("Hypertension", sbp=sbp, dbp=dbp).grade == grade


def test_hypertension_life_threatening_is_grade_4() -> None:
    assert grade_clinical("Hypertension", sbp=220, dbp=130, life_threatening=True).grade == 4


@pytest.mark.parametrize(
    ("observations", "grade"),
    [
        ({"present": False}, 0),
        ({"present": True}, 1),
        ({"present": True, "relieved_by_rest": False}, 2),
        ({"present": True, "relieved_by_rest": False, "adl_limitation": "instrumental"}, 2),
        ({"present": True, "relieved_by_rest": False, "adl_limitation": "self_care"}, 3),
    ],
)
def test_fatigue(observations: dict[str, object], grade: int) -> None:
    assert grade_clinical("Fatigue", **observations).grade == grade


@pytest.mark.parametrize(
    ("ph", "grade"), [(7.40, 0), (7.35, 0), (7.34, 1), (7.30, 1), (7.29, 3), (7.0, 3)]
)
def test_acidosis_by_ph(ph: float, grade: int) -> None:
    """CTCAE v5.0 acidosis: pH < normal but ≥ 7.3 grade 1; no grade 2; < 7.3 grade 3."""
    result = grade_clinical("lactic acidosis", ph=ph)
    assert (result.term, result.grade) == ("Acidosis", grade)


def test_acidosis_life_threatening_and_death() -> None:
    assert grade_clinical("Acidosis", ph=6.9, life_threatening=True).grade == 4
    assert grade_clinical("Acidosis", ph=6.9, death=True).grade == 5


@pytest.mark.parametrize(
    ("observations", "grade"),
    [
        ({}, 0),
        ({"treatment": "none"}, 0),
        ({"treatment": "local"}, 2),
        ({"treatment": "iv"}, 3),
        ({"treatment": "interventional"}, 3),
        ({"treatment": "iv", "life_threatening": True}, 4),
        ({"death": True}, 5),
    ],
)
def test_infection_is_graded_by_ctcae_v3(observations: dict[str, object], grade: int) -> None:
    """CTCAE v3.0 infection: no grade 1; 2 local intervention; 3 IV or operative; 4; 5."""
    result = grade_clinical("Infection", **observations)
    assert (result.grade, result.version) == (grade, "3.0")


def test_stated_grade_is_checked_against_the_term() -> None:
    assert grade_clinical("Fatigue", grade=3) == CtcaeGrade("Fatigue", 3, "5.0", "stated")
    with pytest.raises(InputError, match=r"has grades 0, 1, 2, 3; got 4"):
        grade_clinical("Fatigue", grade=4)
    with pytest.raises(InputError, match="has grades 0, 2, 3, 4, 5; got 1"):
        grade_clinical("Infection", grade=1)
    with pytest.raises(InputError, match="has grades 0, 1, 3, 4, 5; got 2"):
        grade_clinical("Acidosis", grade=2)


@pytest.mark.parametrize(
    ("term", "observations", "field"),
    [
        ("Pruritus", {}, "term"),
        ("Alopecia", {}, "hair_loss_percent"),
        ("Alopecia", {"hair_loss_percent": 120}, "hair_loss_percent"),
        ("Weight loss", {}, "percent_from_baseline"),
        ("Weight loss", {"baseline_kg": 0, "weight_kg": 60}, "baseline_kg"),
        ("Rash maculo-papular", {"bsa_percent": 20, "symptoms": "itchy"}, "symptoms"),
        ("Flatulence", {"severity": "severe"}, "severity"),
        ("Nausea", {"intake": "none", "death": True}, "death"),
        ("Headache", {"severity": "mild", "grade": 1}, "grade"),
        ("Fatigue", {"grade": 1, "present": True}, "grade"),
        ("Diarrhea", {}, "stools_over_baseline"),
        ("Diarrhea", {"stools_over_baseline": 2, "bloody": True}, "bloody"),
        ("Hypertension", {"sbp": 150}, "sbp"),
        ("Acidosis", {}, "ph"),
        ("Infection", {"treatment": "oral"}, "treatment"),
        ("Fatigue", {"present": "yes"}, "present"),
    ],
)
def test_bad_observations_name_the_field(
    term: str, observations: dict[str, object], field: str
) -> None:
    with pytest.raises(InputError) as info:
        grade_clinical(term, **observations)
    assert info.value.field == field


def test_every_clinical_term_takes_a_stated_grade_0() -> None:
    for term in CLINICAL_TERMS:
        assert grade_clinical(term, grade=0).grade == 0
