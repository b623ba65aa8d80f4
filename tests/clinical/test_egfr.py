"""CKD-EPI 2021 creatinine equation (Inker et al., N Engl J Med 2021;385:1737–1749; the form
published by the National Kidney Foundation): 142 × min(Scr/κ,1)^α × max(Scr/κ,1)^−1.200 ×
0.9938^age × 1.012 [female]; κ 0.7/0.9, α −0.241/−0.302."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from metsor.clinical.egfr import egfr_ckd_epi_2021
from metsor.errors import InputError

RTOL = 1e-6


def test_female_at_kappa_reduces_to_age_and_sex_terms() -> None:
    """Scr = κ = 0.7 mg/dL: both spline terms are 1, so eGFR = 142 × 0.9938^50 × 1.012."""
    expected = 142 * 0.9938**50 * 1.012
    got = egfr_ckd_epi_2021(creatinine_mg_dl=0.7, age_years=50, sex="female")
    assert_allclose(got, expected, rtol=RTOL)
    assert round(got) == 105


def test_male_at_kappa() -> None:
    """Scr = κ = 0.9 mg/dL at 40 years: 142 × 0.9938^40 = 110.7."""
    got = egfr_ckd_epi_2021(creatinine_mg_dl=0.9, age_years=40, sex="male")
    assert_allclose(got, 142 * 0.9938**40, rtol=RTOL)
    assert round(got, 1) == 110.7


def test_male_above_kappa_worked_value() -> None:
    """50-year-old man, Scr 1.0 mg/dL: 142 × (1/0.9)^−1.2 × 0.9938^50 = 91.7 (NKF: 92)."""
    got = egfr_ckd_epi_2021(creatinine_mg_dl=1.0, age_years=50, sex="male")
    assert_allclose(got, 142 * (1.0 / 0.9) ** -1.2 * 0.9938**50, rtol=RTOL)
    assert round(got) == 92


def test_female_below_kappa_uses_alpha() -> None:
    """60-year-old woman, Scr 0.5: 142 × (0.5/0.7)^−0.241 × 0.9938^60 × 1.012."""
    got = egfr_ckd_epi_2021(creatinine_mg_dl=0.5, age_years=60, sex="female")
    assert_allclose(got, 142 * (0.5 / 0.7) ** -0.241 * 0.9938**60 * 1.012, rtol=RTOL)


def test_metformin_threshold_region() -> None:
    """A 70-year-old man with Scr 2.0 mg/dL lies below the metformin limit of 30 (FDA label)."""
    got = egfr_ckd_epi_2021(creatinine_mg_dl=2.0, age_years=70, sex="male")
    assert_allclose(got, 142 * (2.0 / 0.9) ** -1.2 * 0.9938**70, rtol=RTOL)
    assert 30 < got < 45


def test_egfr_falls_as_creatinine_rises() -> None:
    values = [
        egfr_ckd_epi_2021(creatinine_mg_dl=c, age_years=55, sex="male")
        for c in (0.5, 0.9, 1.2, 2.0, 4.0)
    ]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"creatinine_mg_dl": 0.0, "age_years": 50, "sex": "male"}, "creatinine_mg_dl"),
        ({"creatinine_mg_dl": 1.0, "age_years": 17, "sex": "male"}, "age_years"),
        ({"creatinine_mg_dl": 1.0, "age_years": 50, "sex": "M"}, "sex"),
    ],
)
def test_egfr_refuses_bad_input(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field):
        egfr_ckd_epi_2021(**kwargs)  # type: ignore[arg-type]
