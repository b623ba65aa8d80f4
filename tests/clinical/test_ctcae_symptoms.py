"""CTCAE v5.0 grades of the symptom terms the study drugs' labels list (NCI CTCAE v5.0,
27 Nov 2017), at and on both sides of every cut-off, and the grades each term has."""

from __future__ import annotations

import pytest

from metsor.clinical.ctcae import CLINICAL_TERMS, CtcaeGrade, clinical_grades, grade_clinical
from metsor.clinical.ctcae_symptoms import SYMPTOM_ALIASES, SYMPTOM_TERMS
from metsor.errors import InputError


@pytest.mark.parametrize(
    ("loss", "grade"),
    [(0.0, 0), (4.99, 0), (5.0, 1), (9.99, 1), (10.0, 2), (19.99, 2), (20.0, 3), (45.0, 3)],
)
def test_weight_loss_is_graded_by_the_share_lost_from_baseline(loss: float, grade: int) -> None:
    """CTCAE v5.0 weight loss: 1 5 to < 10%; 2 10 to < 20%; 3 ≥ 20% from baseline."""
    assert grade_clinical("weight loss", percent_from_baseline=loss) == CtcaeGrade(
        "Weight loss", grade, "5.0", "observations"
    )


@pytest.mark.parametrize(
    ("weight", "grade"), [(66.6, 0), (66.5, 1), (63.0, 2), (56.0, 3), (75.0, 0)]
)
def test_weight_loss_from_the_weights(weight: float, grade: int) -> None:
    """70 kg at baseline: 66.5 kg is 5% lost, 63 kg 10%, 56 kg 20%; a gain is no loss."""
    assert grade_clinical("Weight loss", baseline_kg=70, weight_kg=weight).grade == grade


@pytest.mark.parametrize(("loss", "grade"), [(0, 0), (1, 1), (49.9, 1), (50, 2), (100, 2)])
def test_alopecia_stops_at_grade_2(loss: float, grade: int) -> None:
    """CTCAE v5.0 alopecia: 1 hair loss < 50% of normal; 2 ≥ 50%; no grade 3."""
    assert grade_clinical("alopecia", hair_loss_percent=loss).grade == grade
    with pytest.raises(
        InputError, match=r"^field 'grade': Alopecia \(CTCAE v5.0\) has grades 0, 1, 2; got 3$"
    ):
        grade_clinical("alopecia", grade=3)


@pytest.mark.parametrize(
    ("observations", "grade"),
    [
        ({"bsa_percent": 0}, 0),
        ({"bsa_percent": 9.9, "symptoms": "severe"}, 1),
        ({"bsa_percent": 10}, 2),
        ({"bsa_percent": 30, "symptoms": "severe"}, 2),
        ({"bsa_percent": 30.1, "symptoms": "mild"}, 2),
        ({"bsa_percent": 30.1, "symptoms": "moderate"}, 3),
        ({"bsa_percent": 5, "adl_limitation": "instrumental"}, 2),
        ({"bsa_percent": 5, "adl_limitation": "self_care"}, 3),
    ],
)
def test_rash_maculo_papular(observations: dict[str, object], grade: int) -> None:
    """CTCAE v5.0: 1 < 10% BSA; 2 10-30% BSA or instrumental ADL, or > 30% with at most mild
    symptoms; 3 > 30% BSA with moderate or severe symptoms, or self-care ADL."""
    assert grade_clinical("rash", **observations) == CtcaeGrade(
        "Rash maculo-papular", grade, "5.0", "observations"
    )


@pytest.mark.parametrize("term", ["Abdominal pain", "Headache"])
@pytest.mark.parametrize(
    ("observations", "grade"),
    [
        ({}, 0),
        ({"severity": "mild"}, 1),
        ({"severity": "moderate"}, 2),
        ({"severity": "mild", "adl_limitation": "instrumental"}, 2),
        ({"severity": "severe"}, 3),
        ({"severity": "moderate", "adl_limitation": "self_care"}, 3),
    ],
)
def test_pain(term: str, observations: dict[str, object], grade: int) -> None:
    """CTCAE v5.0: 1 mild; 2 moderate, limiting instrumental ADL; 3 severe, self-care ADL."""
    assert grade_clinical(term, **observations).grade == grade


@pytest.mark.parametrize(
    ("term", "name", "levels"),
    [
        ("Nausea", "intake", ("none", "appetite_loss", "intake_decreased", "inadequate")),
        ("Anorexia", "intake", ("none", "appetite_loss", "intake_altered", "malnutrition")),
        ("Vomiting", "care", ("none", "no_intervention", "outpatient", "hospitalization")),
        (
            "Upper gastrointestinal hemorrhage",
            "care",
            ("none", "no_intervention", "intervention", "transfusion"),
        ),
        ("Dyspepsia", "severity", ("none", "mild", "moderate", "severe")),
        ("Flatulence", "severity", ("none", "mild", "moderate")),
    ],
)
def test_ladders_give_grade_by_level(term: str, name: str, levels: tuple[str, ...]) -> None:
    """Each level of the term's criterion is one grade higher than the one before."""
    graded = [grade_clinical(term, **{name: level}).grade for level in levels]
    assert graded == list(range(len(levels)))


@pytest.mark.parametrize(
    "term",
    [
        "Vomiting",
        "Anorexia",
        "Upper gastrointestinal hemorrhage",
        "general physical health deterioration",
    ],
)
def test_terms_with_grades_4_and_5(term: str) -> None:
    assert grade_clinical(term, life_threatening=True).grade == 4
    assert grade_clinical(term, death=True).grade == 5


@pytest.mark.parametrize(
    ("term", "highest"),
    [
        ("Abdominal pain", 3),
        ("Headache", 3),
        ("Nausea", 3),
        ("Vomiting", 5),
        ("Anorexia", 5),
        ("Weight loss", 3),
        ("Dyspepsia", 3),
        ("Flatulence", 2),
        ("Rash maculo-papular", 3),
        ("Alopecia", 2),
        ("Upper gastrointestinal hemorrhage", 5),
        ("General physical health deterioration", 5),
    ],
)
def test_each_symptom_has_the_grades_of_ctcae(term: str, highest: int) -> None:
    """The stated grades 0 to the term's highest are taken, one more is refused naming the
    field ``grade``."""
    assert clinical_grades(term) == tuple(range(highest + 1))
    assert grade_clinical(term, grade=highest).grade == highest
    if highest < 5:
        with pytest.raises(InputError, match=f"got {highest + 1}") as caught:
            grade_clinical(term, grade=highest + 1)
        assert caught.value.field == "grade"


def test_symptom_terms_and_aliases_are_clinical_terms() -> None:
    assert set(SYMPTOM_TERMS) <= set(CLINICAL_TERMS)
    for alias, term in SYMPTOM_ALIASES.items():
        assert grade_clinical(alias, grade=1).term == term


def test_unknown_term_names_the_field() -> None:
    with pytest.raises(InputError) as caught:
        clinical_grades("Pruritus")
    assert caught.value.field == "term"


@pytest.mark.parametrize("term", CLINICAL_TERMS)
def test_every_clinical_term_has_its_organ_class(term: str) -> None:
    """ADAE's AEBODSYS: a term the casebook grades is never left uncoded."""
    from metsor.endpoints.adverse_events import UNCODED, organ_class

    assert organ_class(term) != UNCODED
