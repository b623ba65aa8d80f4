"""Kaplan–Meier against R survival 3.5-3 (``tests/reference/survival.R``), and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from metsor.errors import InputError
from metsor.stats.kaplan_meier import CONF_TYPES, kaplan_meier

from .reference_data import CASES, RTOL, arrays, as_float, case

CURVES = [
    pytest.param(name, conf_type, level, id=f"{name}-{conf_type}-{level}")
    for name in CASES
    for conf_type in CONF_TYPES
    for level in case(name)["km"][conf_type]
]


@pytest.mark.parametrize(("name", "conf_type", "level"), CURVES)
def test_curve_matches_r(name: str, conf_type: str, level: str) -> None:
    """R: ``fit <- survfit(Surv(time, status) ~ 1, data = arm, conf.type = conf_type)``;
    ``fit$time, fit$n.risk, fit$n.event, fit$surv, fit$std.err, fit$lower, fit$upper``."""
    time, status, group = arrays(name)
    r = case(name)["km"][conf_type][level]
    km = kaplan_meier(time[group == level], status[group == level], conf_type=conf_type)  # type: ignore[arg-type]
    assert_allclose(km.time, r["time"], rtol=RTOL)
    assert_array_equal(km.n_risk, r["n_risk"])
    assert_array_equal(km.n_event, r["n_event"])
    assert_array_equal(km.n_censor, r["n_censor"])
    assert_allclose(km.survival, r["surv"], rtol=RTOL)
    assert_allclose(km.std_err, as_float(r["std_err"], np.inf), rtol=RTOL)
    assert_allclose(km.lower, as_float(r["lower"]), rtol=RTOL)
    assert_allclose(km.upper, as_float(r["upper"]), rtol=RTOL)


@pytest.mark.parametrize(("name", "conf_type", "level"), CURVES)
def test_median_and_interval_match_r_print(name: str, conf_type: str, level: str) -> None:
    """R: ``summary(fit)$table[c("median", "0.95LCL", "0.95UCL")]``, what ``print(fit)``
    shows (``survival:::survmean``), midpoint rule on a flat S(t) = 0.5 included."""
    time, status, group = arrays(name)
    r = case(name)["km"][conf_type][level]
    km = kaplan_meier(time[group == level], status[group == level], conf_type=conf_type)  # type: ignore[arg-type]
    m = km.median()
    expected = as_float([r["median"], r["median_lower"], r["median_upper"]])
    assert_allclose([m.median, m.lower, m.upper], expected, rtol=RTOL)


@pytest.mark.parametrize(("name", "conf_type", "level"), CURVES)
def test_survival_at_times_matches_r_summary(name: str, conf_type: str, level: str) -> None:
    """R: ``summary(fit, times = at, extend = TRUE)``: surv, std.err, lower, upper, n.risk,
    n.event at the requested times."""
    time, status, group = arrays(name)
    c = case(name)
    r = c["km"][conf_type][level]["at"]
    km = kaplan_meier(time[group == level], status[group == level], conf_type=conf_type)  # type: ignore[arg-type]
    at = km.survival_at(c["at"])
    assert_allclose(at.time, as_float(r["time"]), rtol=RTOL)
    assert_allclose(at.survival, as_float(r["surv"]), rtol=RTOL)
    assert_allclose(at.std_err, as_float(r["std_err"]), rtol=RTOL)
    assert_allclose(at.lower, as_float(r["lower"]), rtol=RTOL)
    assert_allclose(at.upper, as_float(r["upper"]), rtol=RTOL)
    assert_array_equal(at.n_risk, as_float(r["n_risk"]))
    assert_array_equal(at.n_event, as_float(r["n_event"]))


def test_veteran_test_arm_median_is_the_midpoint_of_the_flat_half() -> None:
    """R: ``survfit(Surv(time, status) ~ trt, veteran)`` prints median 52.5 for trt 2: S(t) is
    exactly 0.5 on [52, 53). (lifelines reports 52.)"""
    time, status, group = arrays("veteran")
    km = kaplan_meier(time[group == "test"], status[group == "test"], conf_type="log")
    assert km.median().median == 52.5


def test_greenwood_by_hand() -> None:
    """Four patients, deaths at 1, 2 and 4, censored at 3: S = 3/4, 1/2, 1/2, 0; Greenwood
    var(log S) at t = 2 is 1/(4*3) + 1/(3*2) = 1/4."""
    km = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1], conf_type="log")
    assert_allclose(km.survival, [0.75, 0.5, 0.5, 0.0], rtol=RTOL)
    assert_allclose(km.std_err[:3], [np.sqrt(1 / 12), 0.5, 0.5], rtol=RTOL)
    assert np.isinf(km.std_err[3])
    assert np.isnan(km.lower[3])
    # S = 0.5 on [2, 4): the median is the midpoint 3.
    assert km.median().median == 3.0


def test_at_risk_counts_follow_up_at_or_after_t() -> None:
    km = kaplan_meier([1, 2, 2, 5, 7], [1, 0, 1, 1, 0])
    assert_array_equal(km.at_risk([0, 1, 1.5, 2, 6, 7, 8]), [5, 5, 4, 4, 1, 1, 0])


@pytest.mark.parametrize(
    ("time", "event", "message"),
    [
        ([], [], "no patients"),
        ([1, -2], [1, 0], "'time' must be >= 0; value 2"),
        ([1, float("nan")], [1, 0], "'time' must be finite"),
        ([1, 2], [1, 2], "'event' must be 0 or 1; value 2"),
        ([1, 2, 3], [1, 0], "'time' has 3 values but 'event' has 2"),
    ],
)
def test_bad_input_is_named(time: list[float], event: list[int], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        kaplan_meier(time, event)


def test_unknown_conf_type_is_refused() -> None:
    with pytest.raises(InputError, match="conf_type must be one of"):
        kaplan_meier([1, 2], [1, 1], conf_type="logit")  # type: ignore[arg-type]


survival_samples = st.integers(min_value=1, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 30), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(sample=survival_samples, conf_type=st.sampled_from(CONF_TYPES))
def test_curve_invariants(sample: tuple[list[int], list[int]], conf_type: str) -> None:
    """For any data: S in [0, 1] and non-increasing, the band within [0, 1] and around S,
    the median (if reached) a time where S <= 0.5 within the interval."""
    time, event = sample
    km = kaplan_meier(time, event, conf_type=conf_type)  # type: ignore[arg-type]
    assert np.all((km.survival >= 0) & (km.survival <= 1))
    assert np.all(np.diff(km.survival) <= 0)
    band = ~np.isnan(km.lower)
    assert np.all(km.lower[band] >= 0)
    assert np.all(km.upper[band] <= 1)
    assert np.all(km.lower[band] <= km.survival[band] + 1e-12)
    assert np.all(km.upper[band] >= km.survival[band] - 1e-12)
    m = km.median()
    if not np.isnan(m.median):
        assert km.survival_at([m.median]).survival[0] <= 0.5 + 1e-12
        if not np.isnan(m.lower):
            assert m.lower <= m.median
        if not np.isnan(m.upper):
            assert m.upper >= m.median
    assert km.n == len(time)
    assert km.events == sum(event)


def test_times_equal_up_to_rounding_are_ties() -> None:
    """0.1 + 0.2 and 0.3 are one time, as for R's ``aeqSurv`` (``timefix = TRUE``)."""
    km = kaplan_meier([0.1 + 0.2, 0.3, 1.0], [1, 1, 0])
    assert km.time.size == 2
    assert_array_equal(km.n_event, [2, 0])
    assert kaplan_meier([0.1 + 0.2, 0.3, 1.0], [1, 1, 0], timefix=False).time.size == 3


def test_near_ties_merged_as_r_merges_them() -> None:
    """R: ``survfit(Surv(time, status) ~ 1, near_ties arm)``: 40 times perturbed by a relative
    3e-11 are merged with their originals, 20 perturbed by 1e-6 are not."""
    time, status, group = arrays("near_ties")
    r = case("near_ties")["km"]["log"]["control"]
    arm = group == "control"
    assert kaplan_meier(time[arm], status[arm]).time.size == len(r["time"])
    assert kaplan_meier(time[arm], status[arm], timefix=False).time.size > len(r["time"])
