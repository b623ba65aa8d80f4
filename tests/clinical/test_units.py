"""Unit conversions against published equivalents.

Sources: bilirubin 1 mg/dL = 17.1 µmol/L, creatinine 1 mg/dL = 88.42 µmol/L, glucose
1 mmol/L = 18.0 mg/dL (AMA Manual of Style SI conversion table); haemoglobin 1 g/dL =
0.6206 mmol/L (ICSH, monomer); albumin g/dL × 10 = g/L; 1 × 10^9/L = 1000 /mm³ = 1000 /µL.
"""

from __future__ import annotations

import math

import pytest
from numpy.testing import assert_allclose

from metsor.clinical.units import ACCEPTED_UNITS, convert, normalize_unit
from metsor.errors import InputError

RTOL = 1e-6


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "target", "expected"),
    [
        pytest.param("total_bilirubin", 1.0, "mg/dL", "umol/L", 17.1, id="bilirubin-mg-to-umol"),
        pytest.param("total_bilirubin", 34.2, "µmol/L", "mg/dL", 2.0, id="bilirubin-micro-sign"),
        pytest.param("total_bilirubin", 51.3, "μmol/L", "mg/dL", 3.0, id="bilirubin-greek-mu"),
        pytest.param("hemoglobin", 1.0, "g/dL", "mmol/L", 0.6206, id="hb-g-dl-to-mmol"),
        pytest.param("hemoglobin", 6.206, "mmol/L", "g/dL", 10.0, id="hb-mmol-to-g-dl"),
        pytest.param("hemoglobin", 10.0, "g/dL", "g/L", 100.0, id="hb-g-dl-to-g-l"),
        pytest.param("albumin", 3.5, "g/dL", "g/L", 35.0, id="albumin"),
        pytest.param("albumin", 28.0, "g/L", "g/dL", 2.8, id="albumin-back"),
        pytest.param("anc", 1.5, "10^9/L", "/mm3", 1500.0, id="anc-si-to-mm3"),
        pytest.param("platelets", 75_000.0, "/uL", "10^9/L", 75.0, id="platelets-ul-to-si"),
        pytest.param("platelets", 50_000.0, "/mm3", "/uL", 50_000.0, id="mm3-equals-ul"),
        pytest.param("anc", 1.0, "x10^9/L", "/µL", 1000.0, id="count-aliases"),
        pytest.param("creatinine", 1.0, "mg/dL", "umol/L", 88.42, id="creatinine"),
        pytest.param("creatinine", 88.42, "umol/L", "mg/dL", 1.0, id="creatinine-back"),
        pytest.param("glucose", 1.0, "mmol/L", "mg/dL", 18.016, id="glucose-mmol-to-mg"),
        pytest.param("glucose", 55.0, "mg/dL", "mmol/L", 55.0 / 18.016, id="glucose-mg-to-mmol"),
        pytest.param("lactate", 5.0, "mmol/L", "mmol/L", 5.0, id="lactate-identity"),
        pytest.param("ast", 40.0, "U/L", "U/L", 40.0, id="ast"),
        pytest.param("alt", 40.0, "IU/L", "U/L", 40.0, id="alt-iu-alias"),
        pytest.param("inr", 1.7, "", "", 1.7, id="inr-dimensionless"),
        pytest.param("prothrombin_activity", 50.0, "%", "%", 50.0, id="pt-activity"),
    ],
)
def test_convert_matches_published_equivalent(
    analyte: str, value: float, unit: str, target: str, expected: float
) -> None:
    assert_allclose(convert(analyte, value, unit, target), expected, rtol=RTOL)


def test_glucose_factor_is_the_rounded_published_18() -> None:
    """AMA SI table: 1 mmol/L glucose = 18.0 mg/dL (to three significant figures)."""
    assert round(convert("glucose", 1.0, "mmol/L", "mg/dL"), 1) == 18.0


@pytest.mark.parametrize("analyte", sorted(ACCEPTED_UNITS))
def test_round_trip_through_every_unit(analyte: str) -> None:
    units = ACCEPTED_UNITS[analyte]
    for unit in units:
        for target in units:
            there = convert(analyte, 12.5, unit, target)
            assert_allclose(convert(analyte, there, target, unit), 12.5, rtol=RTOL)


def test_units_are_matched_ignoring_case_and_spaces() -> None:
    assert normalize_unit("total_bilirubin", " MG/DL ") == "mg/dL"
    assert normalize_unit("total_bilirubin", "UMOL/L") == "umol/L"


def test_unknown_unit_names_analyte_unit_and_accepted_units() -> None:
    with pytest.raises(InputError, match=r"'mg/L' is not accepted for hemoglobin") as info:
        convert("hemoglobin", 10.0, "mg/L", "g/dL")
    assert info.value.field == "hemoglobin"
    assert "'g/dL', 'g/L', 'mmol/L'" in info.value.message


def test_unknown_target_unit_is_refused() -> None:
    with pytest.raises(InputError, match="'mmol/L' is not accepted for albumin"):
        convert("albumin", 3.5, "g/dL", "mmol/L")


def test_negative_value_names_the_analyte() -> None:
    with pytest.raises(InputError, match="creatinine must not be negative") as info:
        convert("creatinine", -0.1, "mg/dL", "umol/L")
    assert info.value.field == "creatinine"


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1.0"])
def test_non_finite_or_non_numeric_value_is_refused(bad: object) -> None:
    with pytest.raises(InputError, match="total_bilirubin"):
        convert("total_bilirubin", bad, "mg/dL", "umol/L")  # type: ignore[arg-type]


def test_unknown_analyte_is_named() -> None:
    with pytest.raises(InputError, match="unknown analyte 'ferritin'"):
        convert("ferritin", 100.0, "ng/mL", "ng/mL")


def test_zero_converts_to_zero() -> None:
    assert convert("platelets", 0.0, "10^9/L", "/mm3") == 0.0
