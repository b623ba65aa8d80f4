"""CTCAE laboratory grades.

Cut-offs: NCI CTCAE v5.0 (27 Nov 2017), as tabulated in pharmaverse/admiral's
``atoxgr_criteria_ctcv5``; AST/ALT v3.0 bands from NCI CTCAE v3.0 (9 Aug 2006).
"""

from __future__ import annotations

import pytest

from metsor.clinical.ctcae import LAB_TERMS, CtcaeGrade, grade_lab
from metsor.errors import InputError


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (2000, 0),  # at LLN 1800 or above
        (1800, 0),
        (1799, 1),
        (1500, 1),  # "< LLN–1500": 1500 itself is grade 1
        (1499, 2),
        (1000, 2),
        (999, 3),
        (500, 3),
        (499, 4),
        (0, 4),
    ],
)
def test_neutrophil_count_decreased(value: float, grade: int) -> None:
    """CTCAE v5.0: < LLN–1500 / < 1500–1000 / < 1000–500 / < 500 per mm³."""
    result = grade_lab("Neutrophil count decreased", value, unit="/mm3", lln=1800)
    assert result == CtcaeGrade("Neutrophil count decreased", grade, "5.0", "absolute")


@pytest.mark.parametrize(
    ("value", "grade"),
    [(1.5, 1), (1.49, 2), (1.0, 2), (0.99, 3), (0.5, 3), (0.49, 4)],
)
def test_neutrophils_in_si_units(value: float, grade: int) -> None:
    """The same cut-offs given in 10^9/L (1.5 × 10^9/L = 1500 /mm³)."""
    assert grade_lab("neutrophil count decreased", value, unit="10^9/L", lln=1.8).grade == grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (150_000, 0),
        (149_999, 1),
        (75_000, 1),
        (74_999, 2),
        (50_000, 2),
        (49_999, 3),
        (25_000, 3),
        (24_999, 4),
    ],
)
def test_platelet_count_decreased(value: float, grade: int) -> None:
    """CTCAE v5.0: < LLN–75,000 / < 75,000–50,000 / < 50,000–25,000 / < 25,000 per mm³."""
    assert grade_lab("Platelet count decreased", value, unit="/uL", lln=150_000).grade == grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [(12.0, 0), (11.9, 1), (10.0, 1), (9.9, 2), (8.0, 2), (7.9, 3), (4.0, 3)],
)
def test_anemia(value: float, grade: int) -> None:
    """CTCAE v5.0 anemia: Hb < LLN–10.0 / < 10.0–8.0 / < 8.0 g/dL; grade 4 is clinical."""
    assert grade_lab("Anemia", value, unit="g/dL", lln=12.0).grade == grade


@pytest.mark.parametrize(("value", "grade"), [(100.0, 1), (99.0, 2), (80.0, 2), (79.0, 3)])
def test_anemia_in_g_per_l(value: float, grade: int) -> None:
    assert grade_lab("anemia", value, unit="g/L", lln=120.0).grade == grade


def test_anemia_in_mmol_per_l_on_the_cutoff() -> None:
    """6.206 mmol/L is 10.0 g/dL (× 0.6206): grade 1, not 2."""
    assert grade_lab("Anemia", 6.206, unit="mmol/L", lln=7.4).grade == 1


@pytest.mark.parametrize(
    ("value", "grade"),
    [(70, 0), (69, 1), (55, 1), (54, 2), (40, 2), (39, 3), (30, 3), (29, 4)],
)
def test_hypoglycemia(value: float, grade: int) -> None:
    """CTCAE v5.0: < LLN–55 / < 55–40 / < 40–30 / < 30 mg/dL."""
    assert grade_lab("Hypoglycemia", value, unit="mg/dL", lln=70).grade == grade


def test_hypoglycemia_in_mmol_per_l() -> None:
    """2.0 mmol/L = 36 mg/dL: grade 3."""
    assert grade_lab("Hypoglycemia", 2.0, unit="mmol/L", lln=3.9).grade == 3


def test_falling_term_needs_lln_only_when_it_decides() -> None:
    assert grade_lab("Neutrophil count decreased", 1200, unit="/mm3").grade == 2
    with pytest.raises(InputError, match="lower limit of normal") as info:
        grade_lab("Neutrophil count decreased", 1600, unit="/mm3")
    assert info.value.field == "lln"


ULN = 1.2  # mg/dL


@pytest.mark.parametrize(
    ("ratio", "grade"),
    [
        (1.0, 0),
        (1.01, 1),
        (1.5, 1),
        (1.51, 2),
        (3.0, 2),
        (3.01, 3),
        (10.0, 3),
        (10.01, 4),
    ],
)
def test_blood_bilirubin_increased_normal_baseline(ratio: float, grade: int) -> None:
    """CTCAE v5.0: > ULN–1.5 / > 1.5–3.0 / > 3.0–10.0 / > 10.0 × ULN."""
    result = grade_lab("Blood bilirubin increased", ratio * ULN, unit="mg/dL", uln=ULN)
    assert (result.grade, result.basis) == (grade, "x ULN")


@pytest.mark.parametrize(
    ("ratio", "grade"),
    [(1.0, 0), (1.01, 1), (1.5, 1), (1.51, 2), (3.0, 2), (3.01, 3), (10.0, 3), (10.01, 4)],
)
def test_blood_bilirubin_increased_abnormal_baseline(ratio: float, grade: int) -> None:
    """CTCAE v5.0, baseline above ULN: > 1.0–1.5 / > 1.5–3.0 / > 3.0–10.0 / > 10.0 × baseline."""
    baseline = 2.0 * ULN
    result = grade_lab(
        "Blood bilirubin increased", ratio * baseline, unit="mg/dL", uln=ULN, baseline=baseline
    )
    assert (result.grade, result.basis) == (grade, "x baseline")


def test_bilirubin_in_micromoles() -> None:
    """ULN 20.5 µmol/L; 3.0 × ULN = 61.5 µmol/L is grade 2, just above it grade 3."""
    assert grade_lab("Blood bilirubin increased", 61.5, unit="µmol/L", uln=20.5).grade == 2
    assert grade_lab("Blood bilirubin increased", 61.6, unit="µmol/L", uln=20.5).grade == 3


def test_baseline_at_uln_counts_as_normal() -> None:
    result = grade_lab("Blood bilirubin increased", 2.0, unit="mg/dL", uln=1.0, baseline=1.0)
    assert (result.grade, result.basis) == (2, "x ULN")


@pytest.mark.parametrize("term", ["AST increased", "ALT increased"])
@pytest.mark.parametrize(
    ("ratio", "grade"),
    [(1.0, 0), (1.01, 1), (3.0, 1), (3.01, 2), (5.0, 2), (5.01, 3), (20.0, 3), (20.01, 4)],
)
def test_aminotransferases_v5(term: str, ratio: float, grade: int) -> None:
    """CTCAE v5.0 AST/ALT: > ULN–3.0 / > 3.0–5.0 / > 5.0–20.0 / > 20.0 × ULN."""
    result = grade_lab(term, ratio * 40.0, unit="U/L", uln=40.0)
    assert (result.grade, result.version, result.basis) == (grade, "5.0", "x ULN")


@pytest.mark.parametrize("term", ["Aspartate aminotransferase increased", "ALT increased"])
@pytest.mark.parametrize(
    ("ratio", "grade"),
    [(1.49, 0), (1.5, 1), (3.0, 1), (3.01, 2), (5.0, 2), (5.01, 3), (20.0, 3), (20.01, 4)],
)
def test_aminotransferases_v5_abnormal_baseline(term: str, ratio: float, grade: int) -> None:
    """CTCAE v5.0, baseline above ULN: 1.5–3.0 / > 3.0–5.0 / > 5.0–20.0 / > 20.0 × baseline."""
    baseline = 80.0
    result = grade_lab(term, ratio * baseline, unit="U/L", uln=40.0, baseline=baseline)
    assert (result.grade, result.basis) == (grade, "x baseline")


def test_abnormal_baseline_spares_hcc_patients_a_grade() -> None:
    """AST 150 U/L, ULN 40, baseline 100 (typical of HCC): 3.75 × ULN would be grade 2,
    but 1.5 × baseline is grade 1."""
    assert grade_lab("AST increased", 150, unit="U/L", uln=40).grade == 2
    assert grade_lab("AST increased", 150, unit="U/L", uln=40, baseline=100).grade == 1


@pytest.mark.parametrize(
    ("ratio", "grade"),
    [(1.0, 0), (1.01, 1), (2.5, 1), (2.51, 2), (5.0, 2), (5.01, 3), (20.0, 3), (20.01, 4)],
)
def test_aminotransferases_v3(ratio: float, grade: int) -> None:
    """CTCAE v3.0 AST/ALT: > ULN–2.5 / > 2.5–5.0 / > 5.0–20.0 / > 20.0 × ULN; no baseline rule."""
    result = grade_lab(
        "ALT increased", ratio * 40.0, unit="U/L", uln=40.0, baseline=80.0, version="3.0"
    )
    assert (result.grade, result.version, result.basis) == (grade, "3.0", "x ULN")


def test_terms_are_spelled_as_in_ctcae() -> None:
    assert "Aspartate aminotransferase increased" in LAB_TERMS
    assert grade_lab("alt increased", 50, unit="U/L", uln=40).term == (
        "Alanine aminotransferase increased"
    )


@pytest.mark.parametrize(
    ("term", "kwargs", "field", "message"),
    [
        ("Ferritin increased", {"unit": "ng/mL"}, "term", "unknown laboratory CTCAE term"),
        ("AST increased", {"unit": "U/L"}, "uln", "give uln"),
        ("AST increased", {"unit": "mg/dL", "uln": 40}, "ast", "not accepted for ast"),
        ("Anemia", {"unit": "g/dL", "lln": 12, "version": "3.0"}, "version", "not '3.0'"),
        ("AST increased", {"unit": "U/L", "uln": 40, "version": "4.03"}, "version", "4.03"),
        ("AST increased", {"unit": "U/L", "uln": 0}, "uln", "above zero"),
    ],
)
def test_bad_requests_name_the_argument(
    term: str, kwargs: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as info:
        grade_lab(term, 100.0, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_negative_value_is_refused() -> None:
    with pytest.raises(InputError, match="platelets must not be negative"):
        grade_lab("Platelet count decreased", -1, unit="/mm3", lln=150_000)


def test_grade_outside_0_to_5_cannot_be_built() -> None:
    with pytest.raises(InputError, match="0 to 5"):
        CtcaeGrade("Anemia", 6, "5.0", "absolute")
