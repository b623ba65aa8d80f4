"""Plausible ranges: refused beyond, accepted at and within, with the range and unit named."""

from __future__ import annotations

import pytest

from metsor.clinical import units
from metsor.clinical.plausibility import (
    ANALYTE_RANGES,
    TUMOUR_RANGES,
    VITAL_SIGN_RANGES,
    check_lab,
    check_tumour_measure,
    check_viable_within_whole,
    check_vital_sign,
)
from metsor.clinical.tumour import Lesion
from metsor.errors import InputError


def test_every_analyte_has_a_range_in_its_reference_unit() -> None:
    assert set(ANALYTE_RANGES) == set(units.ANALYTES)
    for analyte, plausible in ANALYTE_RANGES.items():
        assert plausible.unit == units.ACCEPTED_UNITS[analyte][0], analyte
        assert plausible.low < plausible.high, analyte
        assert plausible.source.strip(), analyte


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "shown"),
    [
        pytest.param("hemoglobin", 128, "g/dL", "1–25 g/dL", id="haemoglobin-128-g-dl"),
        pytest.param("albumin", 39, "g/dL", "0.5–7 g/dL", id="albumin-39-g-dl"),
        pytest.param("platelets", 120_000_000, "/uL", "0–5,000,000 /uL", id="platelets-1.2e8-ul"),
        pytest.param("ast", 1e308, "U/L", "0–100,000 U/L", id="ast-1e308"),
        pytest.param("creatinine", 0, "mg/dL", "0.1–40 mg/dL", id="creatinine-zero"),
        pytest.param("creatinine", 0, "umol/L", "8.842–3536.8 umol/L", id="creatinine-zero-umol"),
        pytest.param("total_bilirubin", 101, "mg/dL", "0–100 mg/dL", id="bilirubin-above"),
        pytest.param("inr", 0.4, "", "0.5–25", id="inr-below"),
        pytest.param("afp", 2e7, "ng/mL", "0–10,000,000 ng/mL", id="afp-above"),
        pytest.param("hemoglobin", -1, "g/dL", "1–25 g/dL", id="negative"),
    ],
)
def test_implausible_laboratory_values_are_refused_with_range_and_unit(
    analyte: str, value: float, unit: str, shown: str
) -> None:
    with pytest.raises(InputError, match="outside the plausible range") as caught:
        check_lab(analyte, value, unit, field="value")
    assert caught.value.field == "value"
    assert shown in caught.value.message


@pytest.mark.parametrize(
    ("analyte", "value", "unit"),
    [
        pytest.param("hemoglobin", 128, "g/L", id="haemoglobin-128-g-l"),
        pytest.param("hemoglobin", 1.0, "g/dL", id="haemoglobin-at-low"),
        pytest.param("hemoglobin", 25.0, "g/dL", id="haemoglobin-at-high"),
        pytest.param("albumin", 39, "g/L", id="albumin-39-g-l"),
        pytest.param("platelets", 120, "10^9/L", id="platelets-120-g-l"),
        pytest.param("creatinine", 0.1, "mg/dL", id="creatinine-at-low"),
        pytest.param("creatinine", 88, "µmol/L", id="creatinine-umol"),
        pytest.param("ast", 100_000, "U/L", id="ast-at-high"),
        pytest.param("afp", 1_500_000, "ng/mL", id="afp-high-but-real"),
    ],
)
def test_plausible_laboratory_values_pass(analyte: str, value: float, unit: str) -> None:
    assert check_lab(analyte, value, unit) == value


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("systolic_mmhg", 49, id="sbp-below"),
        pytest.param("systolic_mmhg", 301, id="sbp-above"),
        pytest.param("heart_rate_bpm", 251, id="pulse-above"),
        pytest.param("temperature_c", 45.1, id="temperature-above"),
        pytest.param("weight_kg", 1e308, id="weight-huge"),
        pytest.param("systolic_mmhg", 120.5, id="sbp-not-whole"),
        pytest.param("temperature_c", float("nan"), id="temperature-nan"),
    ],
)
def test_implausible_vital_signs_are_refused(name: str, value: float) -> None:
    with pytest.raises(InputError) as caught:
        check_vital_sign(name, value)
    assert caught.value.field == name


@pytest.mark.parametrize(
    ("name", "value"),
    [pytest.param(name, r.low, id=f"{name}-low") for name, r in VITAL_SIGN_RANGES.items()]
    + [pytest.param(name, r.high, id=f"{name}-high") for name, r in VITAL_SIGN_RANGES.items()],
)
def test_vital_signs_at_the_bounds_pass(name: str, value: float) -> None:
    assert check_vital_sign(name, value) == value


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [
        pytest.param("diameter_mm", 1e308, False, id="lesion-1e308"),
        pytest.param("diameter_mm", 400.5, False, id="lesion-above"),
        pytest.param("diameter_mm", 400, True, id="lesion-at-high"),
        pytest.param("diameter_mm", 0, True, id="lesion-disappeared"),
        pytest.param("largest_nodule_cm", 41, False, id="nodule-above"),
        pytest.param("largest_nodule_cm", 0.05, False, id="nodule-below"),
        pytest.param("short_axis_mm", -1, False, id="node-negative"),
    ],
)
def test_tumour_measures(name: str, value: float, ok: bool) -> None:
    if ok:
        assert check_tumour_measure(name, value) == value
    else:
        with pytest.raises(InputError, match=TUMOUR_RANGES[name].unit) as caught:
            check_tumour_measure(name, value)
        assert caught.value.field == name


def test_viable_diameter_above_the_whole_is_refused() -> None:
    with pytest.raises(InputError, match="larger than the lesion's diameter_mm 40 mm") as caught:
        check_viable_within_whole(40, 41, lesion="T1")
    assert caught.value.field == "viable_diameter_mm"


def test_a_lesion_checks_its_measures() -> None:
    with pytest.raises(InputError, match="viable_diameter_mm"):
        Lesion("T1", "liver", "target", 40.0, viable_diameter_mm=45.0, enhancing=True)
    with pytest.raises(InputError, match="lesion 'T1': diameter_mm"):
        Lesion("T1", "liver", "target", 1e308)
    lesion = Lesion("T1", "liver", "target", 40.0, viable_diameter_mm=40.0, enhancing=True)
    assert lesion.viable_diameter_mm == 40.0
