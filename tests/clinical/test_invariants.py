"""Invariants that hold for any input: grades never fall as a lab value worsens, conversions
round-trip, and a scan that shrinks every target never responds worse than a larger one."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from metsor.clinical.child_pugh import child_pugh
from metsor.clinical.ctcae import grade_lab
from metsor.clinical.recist import timepoint_response
from metsor.clinical.tumour import Assessment, Lesion
from metsor.clinical.units import convert

RTOL = 1e-9
RANK = {"CR": 0, "PR": 1, "SD": 2, "PD": 3}

lengths = st.floats(min_value=0.0, max_value=400.0, allow_nan=False)  # plausible range


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.0, max_value=1e6), st.floats(min_value=0.0, max_value=1e6))
def test_neutrophil_grade_never_falls_as_count_falls(a: float, b: float) -> None:
    low, high = sorted((a, b))
    grade_low = grade_lab("Neutrophil count decreased", low, unit="/mm3", lln=1800).grade
    grade_high = grade_lab("Neutrophil count decreased", high, unit="/mm3", lln=1800).grade
    assert grade_low >= grade_high


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.0, max_value=5000.0), st.floats(min_value=0.0, max_value=5000.0))
def test_alt_grade_never_falls_as_alt_rises(a: float, b: float) -> None:
    low, high = sorted((a, b))
    grade_low = grade_lab("ALT increased", low, unit="U/L", uln=40, baseline=60).grade
    grade_high = grade_lab("ALT increased", high, unit="U/L", uln=40, baseline=60).grade
    assert grade_low <= grade_high


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.0, max_value=1e4, allow_nan=False))
def test_bilirubin_round_trip(value: float) -> None:
    there = convert("total_bilirubin", value, "mg/dL", "umol/L")
    assert_allclose(convert("total_bilirubin", there, "umol/L", "mg/dL"), value, rtol=RTOL)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=20.0),
    st.floats(min_value=0.0, max_value=20.0),
    st.floats(min_value=0.5, max_value=5.0),
)
def test_child_pugh_points_never_fall_as_bilirubin_rises(a: float, b: float, inr: float) -> None:
    low, high = sorted((a, b))
    common = {"albumin_g_dl": 3.0, "inr": inr, "ascites": "none", "encephalopathy_grade": 0}
    assert (
        child_pugh(bilirubin_mg_dl=low, **common).points  # type: ignore[arg-type]
        <= child_pugh(bilirubin_mg_dl=high, **common).points  # type: ignore[arg-type]
    )


@settings(max_examples=200, deadline=None)
@given(lengths, lengths, st.floats(min_value=0.0, max_value=1.0))
def test_recist_smaller_targets_never_respond_worse(t1: float, t2: float, shrink: float) -> None:
    day0, day60 = datetime.date(2016, 3, 1), datetime.date(2016, 4, 30)
    baseline = Assessment(
        day0, (Lesion("T1", "liver", "target", 30.0), Lesion("T2", "lung", "target", 20.0))
    )

    def at(a: float, b: float) -> Assessment:
        return Assessment(
            day60,
            (Lesion("T1", "liver", "target", a), Lesion("T2", "lung", "target", b)),
            "absent",
        )

    larger = timepoint_response(baseline, [], at(t1, t2))
    smaller = timepoint_response(baseline, [], at(t1 * shrink, t2 * shrink))
    assert RANK[smaller] <= RANK[larger]
