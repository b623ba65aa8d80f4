"""Power of the analysis that counts only events within a time frame of randomization."""

from __future__ import annotations

import math

import pytest
from numpy.testing import assert_allclose
from scipy import integrate

from metsor.design.registered_analysis import power_within
from metsor.design.sample_size import logrank_power
from metsor.errors import InputError

RTOL = 1e-9
METSOR = {
    "n": 82,
    "median_control": 10.7,
    "median_experimental": 14.0,
    "alpha": 0.05,
    "sides": 2,
    "accrual_months": 24.0,
    "follow_up_months": 12.0,
}


def _direct_events(
    n: float,
    medians: tuple[float, float],
    accrual: float,
    analysis: float,
    horizon: float,
    dropout_per_year: float,
    ratio: float,
) -> float:
    """n × P(death observed within ``horizon`` of entry, by ``analysis``) as a double integral.

    Entry e is uniform on [0, accrual]; a death at s after entry is seen when s < min(horizon,
    analysis − e) and neither dropout (exponential, competing) nor censoring came first.
    """
    phi = -math.log1p(-dropout_per_year) / 12.0
    shares = []
    for median in medians:
        lam = math.log(2.0) / median
        value, _ = integrate.dblquad(
            lambda s, e, lam=lam: lam * math.exp(-(lam + phi) * s) / accrual,
            0.0,
            accrual,
            0.0,
            lambda e: max(0.0, min(horizon, analysis - e)),
            epsabs=1e-12,
            epsrel=1e-11,
        )
        shares.append(value)
    control, experimental = shares
    return n * (ratio * experimental + control) / (1.0 + ratio)


@pytest.mark.parametrize(
    ("follow_up", "horizon", "dropout", "ratio"),
    [
        pytest.param(12.0, 12.0, 0.0, 1.0, id="metsor-as-registered"),
        pytest.param(6.0, 12.0, 0.0, 1.0, id="horizon-beyond-the-shortest-follow-up"),
        pytest.param(12.0, 18.0, 0.1, 2.0, id="dropout-and-unequal-allocation"),
        pytest.param(30.0, 6.0, 0.05, 0.5, id="short-horizon-long-follow-up"),
    ],
)
def test_expected_events_equal_a_direct_double_integral(
    follow_up: float, horizon: float, dropout: float, ratio: float
) -> None:
    got = power_within(
        **{**METSOR, "follow_up_months": follow_up},
        horizon_months=horizon,
        dropout_per_year=dropout,
        allocation_ratio=ratio,
    )
    expected = _direct_events(82, (10.7, 14.0), 24.0, 24.0 + follow_up, horizon, dropout, ratio)
    assert_allclose(got.expected_events, expected, rtol=1e-8)


def test_metsor_as_registered_counts_40_5_deaths() -> None:
    """Everyone has 12 months of follow-up by month 36: 82 × mean of 1 − 2^(−12/median)."""
    got = power_within(**METSOR, horizon_months=12.0)
    closed_form = 82 * (2 - 2 ** (-12 / 10.7) - 2 ** (-12 / 14.0)) / 2
    assert_allclose(got.expected_events, closed_form, rtol=1e-10)
    assert got.expected_events == pytest.approx(40.52, abs=0.01)
    assert got.power == pytest.approx(0.1372, abs=5e-5)
    assert got.analysis_month == 36.0


@pytest.mark.parametrize(
    "horizon",
    [pytest.param(math.inf, id="no-horizon"), pytest.param(36.0, id="horizon-at-the-analysis")],
)
def test_without_truncation_it_is_the_full_follow_up_power(horizon: float) -> None:
    """Full follow-up: rpact's getPowerSurvival figure, 59.2 deaths and power 0.1786."""
    got = power_within(**METSOR, horizon_months=horizon)
    full = logrank_power(**METSOR)
    assert_allclose(got.expected_events, full.expected_events, rtol=RTOL)
    assert_allclose(got.power, full.power, rtol=RTOL)
    assert got.power == pytest.approx(0.1786, abs=5e-5)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"horizon_months": 0.0}, "horizon_months", id="horizon-zero"),
        pytest.param({"horizon_months": math.nan}, "horizon_months", id="horizon-nan"),
        pytest.param({"alpha": 1.0}, "alpha", id="alpha"),
        pytest.param({"sides": 3}, "sides", id="sides"),
        pytest.param({"n": -1}, "n", id="n"),
        pytest.param({"follow_up_months": -1.0}, "follow_up_months", id="follow-up"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, float], field: str) -> None:
    with pytest.raises(InputError) as caught:
        power_within(**{**METSOR, **change})
    assert caught.value.field == field
