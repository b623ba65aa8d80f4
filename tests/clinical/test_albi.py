"""ALBI score and grade (Johnson et al., J Clin Oncol 2015;33:550–558):
score = 0.66 log10(bilirubin µmol/L) − 0.085 albumin g/L; grade 1 ≤ −2.60,
grade 2 > −2.60 and ≤ −1.39, grade 3 > −1.39."""

from __future__ import annotations

import math

import pytest
from numpy.testing import assert_allclose

from metsor.clinical.albi import albi_grade, albi_score
from metsor.errors import InputError

RTOL = 1e-9


@pytest.mark.parametrize(
    ("bilirubin", "albumin", "expected"),
    [
        (10.0, 40.0, 0.66 - 3.4),  # log10(10) = 1
        (1.0, 35.0, -2.975),  # log10(1) = 0
        (100.0, 30.0, 1.32 - 2.55),  # log10(100) = 2
        (14.0, 35.0, 0.66 * math.log10(14.0) - 2.975),
    ],
)
def test_albi_score_formula(bilirubin: float, albumin: float, expected: float) -> None:
    assert_allclose(albi_score(bilirubin_umol_l=bilirubin, albumin_g_l=albumin), expected, RTOL)


@pytest.mark.parametrize(
    ("score", "grade"),
    [(-2.61, 1), (-2.60, 1), (-2.59, 2), (-1.40, 2), (-1.39, 2), (-1.38, 3), (0.5, 3)],
)
def test_albi_grade_boundaries(score: float, grade: int) -> None:
    assert albi_grade(score) == grade


def test_typical_asian_hcc_baseline_is_grade_1_or_2() -> None:
    """Bilirubin 14 µmol/L, albumin 35 g/L gives −2.22: grade 2."""
    assert albi_grade(albi_score(bilirubin_umol_l=14.0, albumin_g_l=35.0)) == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"bilirubin_umol_l": 0.0, "albumin_g_l": 40.0}, "bilirubin_umol_l"),
        ({"bilirubin_umol_l": 10.0, "albumin_g_l": -1.0}, "albumin_g_l"),
    ],
)
def test_albi_refuses_impossible_values(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InputError, match=field):
        albi_score(**kwargs)
