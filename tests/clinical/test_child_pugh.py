"""Child-Pugh points and class.

Cut-offs: Cleveland Clinic Journal of Medicine Child-Pugh table and Harrison's Principles of
Internal Medicine (bilirubin < 2 / 2–3 / > 3 mg/dL; albumin > 3.5 / 2.8–3.5 / < 2.8 g/dL;
INR < 1.7 / 1.7–2.3 / > 2.3; class A 5–6, B 7–9, C 10–15), Pugh et al., Br J Surg 1973.
"""

from __future__ import annotations

import pytest

from metsor.clinical.child_pugh import child_pugh
from metsor.clinical.units import convert
from metsor.errors import InputError

NORMAL = {
    "bilirubin_mg_dl": 1.0,
    "albumin_g_dl": 4.0,
    "inr": 1.0,
    "ascites": "none",
    "encephalopathy_grade": 0,
}


def _points(component: str, **change: object) -> int:
    return child_pugh(**{**NORMAL, **change}).components[component]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "points"),
    [(1.99, 1), (2.0, 2), (2.01, 2), (2.99, 2), (3.0, 2), (3.01, 3)],
)
def test_bilirubin_boundaries(value: float, points: int) -> None:
    """Bilirubin < 2 mg/dL 1 point, 2–3 (closed) 2 points, > 3 3 points."""
    assert _points("bilirubin", bilirubin_mg_dl=value) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [(3.51, 1), (3.5, 2), (3.49, 2), (2.81, 2), (2.8, 2), (2.79, 3)],
)
def test_albumin_boundaries(value: float, points: int) -> None:
    """Albumin > 3.5 g/dL 1 point, 2.8–3.5 (closed) 2 points, < 2.8 3 points."""
    assert _points("albumin", albumin_g_dl=value) == points


@pytest.mark.parametrize(("value", "points"), [(2.99, 3), (3.0, 2), (3.01, 2)])
def test_albumin_cutoff_is_a_setting(value: float, points: int) -> None:
    """Textbook variant: albumin below 3.0 g/dL scores 3 points."""
    assert _points("albumin", albumin_g_dl=value, albumin_cutoff_g_dl=3.0) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [(1.69, 1), (1.7, 2), (1.71, 2), (2.29, 2), (2.3, 2), (2.31, 3)],
)
def test_inr_boundaries(value: float, points: int) -> None:
    """INR < 1.7 1 point, 1.7–2.3 (closed) 2 points, > 2.3 3 points."""
    assert _points("inr", inr=value) == points


@pytest.mark.parametrize(
    ("ascites", "points"), [("none", 1), ("mild", 2), ("moderate", 3), ("severe", 3)]
)
def test_ascites_points(ascites: str, points: int) -> None:
    assert _points("ascites", ascites=ascites) == points


@pytest.mark.parametrize(("grade", "points"), [(0, 1), (1, 2), (2, 2), (3, 3), (4, 3)])
def test_encephalopathy_points(grade: int, points: int) -> None:
    assert _points("encephalopathy", encephalopathy_grade=grade) == points


def test_converted_bilirubin_on_the_cutoff_stays_on_it() -> None:
    """34.2 µmol/L is exactly 2.0 mg/dL (× 17.1) and must score 2, not 1."""
    bilirubin = convert("total_bilirubin", 34.2, "umol/L", "mg/dL")
    assert _points("bilirubin", bilirubin_mg_dl=bilirubin) == 2


@pytest.mark.parametrize(
    ("change", "points", "klass"),
    [
        ({}, 5, "A"),
        ({"bilirubin_mg_dl": 2.5}, 6, "A"),
        ({"bilirubin_mg_dl": 2.5, "inr": 2.0}, 7, "B"),
        ({"bilirubin_mg_dl": 3.5, "albumin_g_dl": 2.5, "inr": 1.0}, 9, "B"),
        ({"bilirubin_mg_dl": 3.5, "albumin_g_dl": 2.5, "inr": 2.0}, 10, "C"),
        (
            {
                "bilirubin_mg_dl": 4.0,
                "albumin_g_dl": 2.0,
                "inr": 3.0,
                "ascites": "severe",
                "encephalopathy_grade": 4,
            },
            15,
            "C",
        ),
    ],
)
def test_class_boundaries(change: dict[str, object], points: int, klass: str) -> None:
    """Class A 5–6, B 7–9, C 10–15 points."""
    score = child_pugh(**{**NORMAL, **change})  # type: ignore[arg-type]
    assert (score.points, score.child_pugh_class) == (points, klass)
    assert score.points == sum(score.components.values())


def test_components_cannot_be_changed() -> None:
    score = child_pugh(**NORMAL)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        score.components["inr"] = 3  # type: ignore[index]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ascites": "gross"}, "ascites"),
        ({"encephalopathy_grade": 5}, "encephalopathy_grade"),
        ({"encephalopathy_grade": True}, "encephalopathy_grade"),
        ({"bilirubin_mg_dl": -1.0}, "bilirubin_mg_dl"),
        ({"inr": float("nan")}, "inr"),
        ({"albumin_cutoff_g_dl": 3.5}, "albumin_cutoff_g_dl"),
    ],
)
def test_bad_input_names_the_argument(change: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field) as info:
        child_pugh(**{**NORMAL, **change})  # type: ignore[arg-type]
    assert info.value.field == field
