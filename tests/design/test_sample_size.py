"""Events, sample size and power against rpact 3.3.4 (tests/reference/design.R)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.design.expected_events import SurvivalModel, expected_events
from metsor.design.sample_size import (
    freedman_events,
    logrank_power,
    sample_size,
    schoenfeld_events,
)
from metsor.errors import InputError

from .conftest import load_reference

RTOL = 1e-6  # rpact integrates numerically; our closed forms agree far inside 1e-3
REFERENCE = load_reference()


def _id(case: dict[str, Any]) -> str:
    keys = ("method", "median_control", "median_experimental", "alpha", "sides")
    return "-".join(str(case.get(k)) for k in keys)


def test_anchor_schoenfeld_and_freedman() -> None:
    """STATISTICS-REFERENCE.md anchors: median 16 vs 10.7, accrual 24, follow-up 12.

    rpact: getSampleSizeSurvival(design = getDesignGroupSequential(kMax = 1, alpha = 0.05,
    sided = 2, beta = 0.2), median1 = 16, median2 = 10.7, accrualTime = c(0, 24),
    followUpTime = 12) → 193.94 events, 277.63 patients; Freedman 199.20, 285.15.
    """
    common = {
        "median_control": 10.7,
        "median_experimental": 16.0,
        "accrual_months": 24.0,
        "follow_up_months": 12.0,
    }
    s = sample_size(**common)
    f = sample_size(**common, method="freedman")
    assert_allclose(
        [s.events, s.n, f.events, f.n], [193.94138, 277.62843, 199.19501, 285.14904], rtol=1e-6
    )
    assert (s.events_ceil, s.n_ceil, s.analysis_time) == (194, 278, 36.0)
    assert_allclose(s.hr, 10.7 / 16.0, rtol=RTOL)


def test_anchor_metsor_as_registered() -> None:
    """METSOR (N 82, 14 vs 10.7, accrual 24, follow-up 12): 59.2 events, power 0.1786."""
    p = logrank_power(
        n=82,
        median_control=10.7,
        median_experimental=14.0,
        alpha=0.05,
        sides=2,
        accrual_months=24.0,
        follow_up_months=12.0,
    )
    assert_allclose([p.expected_events, p.power], [59.19672, 0.1786393], rtol=1e-5)


@pytest.mark.parametrize("case", REFERENCE["sample_size"], ids=_id)
def test_sample_size_matches_rpact(case: dict[str, Any]) -> None:
    """Each case quotes its rpact call in ``case['call']``."""
    r = sample_size(
        median_control=case["median_control"],
        median_experimental=case["median_experimental"],
        alpha=case["alpha"],
        sides=case["sides"],
        power=case["power"],
        accrual_months=case["accrual_months"],
        follow_up_months=case["follow_up_months"],
        dropout_per_year=case["dropout_per_year"],
        allocation_ratio=case["allocation_ratio"],
        method=case["method"],
    )
    assert_allclose(
        [r.events, r.n, r.hr, r.analysis_time],
        [case["events"], case["n"], case["hr"], case["analysis_time"]],
        rtol=RTOL,
    )


@pytest.mark.parametrize("case", REFERENCE["power"], ids=_id)
def test_power_matches_rpact(case: dict[str, Any]) -> None:
    """rpact: getPowerSurvival(..., maxNumberOfEvents = expected events at month 36)."""
    r = logrank_power(
        n=case["n"],
        median_control=case["median_control"],
        median_experimental=case["median_experimental"],
        alpha=case["alpha"],
        sides=case["sides"],
        accrual_months=case["accrual_months"],
        follow_up_months=case["follow_up_months"],
        dropout_per_year=case["dropout_per_year"],
        allocation_ratio=case["allocation_ratio"],
        method=case["method"],
    )
    assert_allclose(
        [r.expected_events, r.power], [case["expected_events"], case["power"]], rtol=RTOL
    )


@pytest.mark.parametrize("case", REFERENCE["expected_events"], ids=lambda c: str(c["time"]))
def test_expected_events_at_calendar_time(case: dict[str, Any]) -> None:
    """rpact: getEventProbabilities(time, lambda1, lambda2, accrualTime = c(0, 24), ...)."""
    model = SurvivalModel.from_medians(
        case["median_control"], case["median_experimental"], case["dropout_per_year"]
    )
    e = expected_events(
        case["n"],
        case["time"],
        model=model,
        accrual_months=case["accrual_months"],
        allocation_ratio=case["allocation_ratio"],
    )
    assert_allclose(e, case["expected_events"], rtol=RTOL)


@pytest.mark.parametrize(
    "case", REFERENCE["piecewise_expected_events"], ids=lambda c: str(c["time"])
)
def test_piecewise_exponential_expected_events(case: dict[str, Any]) -> None:
    """rpact: getEventProbabilities(piecewiseSurvivalTime = c(0, 6), lambda2 = c(0.05, 0.08),
    hazardRatio = 0.75, dropoutRate = 0.1, ...)."""
    model = SurvivalModel(
        tuple(case["control_hazards"]),
        case["hr"],
        tuple(case["piece_starts"]),
        -math.log1p(-case["dropout_per_year"]) / 12.0,
    )
    e = expected_events(case["n"], case["time"], model=model, accrual_months=case["accrual_months"])
    assert_allclose(e, case["expected_events"], rtol=RTOL)


def test_piecewise_sample_size_reduces_to_exponential() -> None:
    """One piece with the control hazard gives the exponential answer."""
    expo = sample_size(median_control=10.7, hr=0.7, accrual_months=24, follow_up_months=12)
    piece = sample_size(
        median_control=10.7,
        hr=0.7,
        accrual_months=24,
        follow_up_months=12,
        piecewise=((0.0,), (math.log(2) / 10.7,)),
    )
    assert_allclose([piece.events, piece.n], [expo.events, expo.n], rtol=1e-10)


def test_event_formulas_are_symmetric_in_direction() -> None:
    """Schoenfeld depends on |log HR| only; both fall as the effect grows."""
    assert_allclose(schoenfeld_events(0.7), schoenfeld_events(1 / 0.7), rtol=1e-12)
    assert schoenfeld_events(0.6) < schoenfeld_events(0.7)
    assert freedman_events(0.6) < freedman_events(0.7)


def test_power_grows_with_n() -> None:
    powers = [
        logrank_power(
            n=n,
            median_control=10.7,
            median_experimental=14.0,
            accrual_months=24,
            follow_up_months=12,
        ).power
        for n in (82, 200, 400, 800)
    ]
    assert np.all(np.diff(powers) > 0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"alpha": 1.5}, "alpha"),
        ({"sides": 3}, "sides"),
        ({"power": 0.01}, "power"),
        ({"median_experimental": 10.7}, "hr"),
        ({"median_control": -1.0}, "median_control"),
        ({"dropout_per_year": 1.0}, "dropout_per_year"),
        ({"method": "lachin"}, "method"),
        ({"accrual_months": 0.0}, "accrual_months"),
        pytest.param({"follow_up_months": 1e20}, "follow_up_months", id="follow-up-1e20"),
        pytest.param({"follow_up_months": 1201.0}, "follow_up_months", id="follow-up-beyond"),
        pytest.param({"accrual_months": 1e-310}, "accrual_months", id="subnormal-accrual"),
        pytest.param({"median_control": 5e-324}, "median_control", id="subnormal-median"),
        pytest.param({"alpha": 0.6}, "alpha", id="alpha-beyond-rpact"),
        pytest.param({"power": 0.99999}, "power", id="beta-below-1e-4"),
        pytest.param({"power": "0.8"}, "power", id="power-as-text"),
        pytest.param(
            {"piecewise": ((0.0, 6.0), (0.05, 0.0)), "hr": 0.7, "median_experimental": None},
            "piecewise",
            id="piecewise-zero-hazard",
        ),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {
        "median_control": 10.7,
        "median_experimental": 14.0,
        "accrual_months": 24.0,
        "follow_up_months": 12.0,
    }
    args.update(kwargs)
    with pytest.raises(InputError) as info:
        sample_size(**args)
    assert info.value.field == field


@pytest.mark.parametrize("follow_up", [120.0, 600.0, 1200.0])
def test_patients_never_fewer_than_events(follow_up: float) -> None:
    """n = events / P(event by the analysis) with P ≤ 1; at long follow-up P → 1 exactly (the
    integral over entry times keeps its precision where one over follow-up times lost it)."""
    r = sample_size(median_control=10.7, hr=0.7, accrual_months=24.0, follow_up_months=follow_up)
    assert r.n >= r.events
    assert r.n_ceil >= r.events_ceil
