"""Restricted mean survival time against R survival 3.5-3 ``print(fit, rmean = tau)``."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.errors import InputError
from metsor.stats.kaplan_meier import kaplan_meier
from metsor.stats.rmst import restricted_mean, rmst_difference

from .reference_data import CASES, RTOL, arrays, case

ARMS = [
    pytest.param(name, level, id=f"{name}-{level}")
    for name in CASES
    for level in case(name)["km"]["log"]
]


@pytest.mark.parametrize(("name", "level"), ARMS)
def test_rmst_matches_r(name: str, level: str) -> None:
    """R: ``summary(survfit(Surv(time, status) ~ 1, arm), rmean = tau)$table[c("rmean",
    "se(rmean)")]``, the figures ``print(fit, rmean = tau)`` shows."""
    time, status, group = arrays(name)
    c = case(name)
    r = c["km"]["log"][level]
    rm = restricted_mean(kaplan_meier(time[group == level], status[group == level]), c["tau"])
    assert_allclose([rm.estimate, rm.se], [r["rmean"], r["rmean_se"]], rtol=RTOL)


def test_difference_combines_the_arms() -> None:
    """Difference of the R figures of both arms, SE the root of the summed variances."""
    time, status, group = arrays("colon")
    c = case("colon")
    exp_ = kaplan_meier(time[group == "Lev+5FU"], status[group == "Lev+5FU"])
    ref = kaplan_meier(time[group == "Obs"], status[group == "Obs"])
    d = rmst_difference(exp_, ref, c["tau"])
    r_exp, r_ref = c["km"]["log"]["Lev+5FU"], c["km"]["log"]["Obs"]
    assert_allclose(d.difference, r_exp["rmean"] - r_ref["rmean"], rtol=RTOL)
    assert_allclose(d.se, np.hypot(r_exp["rmean_se"], r_ref["rmean_se"]), rtol=RTOL)
    assert_allclose(d.upper - d.difference, 1.959963984540054 * d.se, rtol=RTOL)
    assert d.lower < d.difference < d.upper


def test_no_events_before_tau_gives_tau() -> None:
    km = kaplan_meier([5, 6, 7], [1, 0, 1])
    rm = restricted_mean(km, 3.0)
    assert rm.estimate == 3.0
    assert rm.se == 0.0


def test_tau_must_be_positive() -> None:
    with pytest.raises(InputError, match="tau must be a positive number"):
        restricted_mean(kaplan_meier([1, 2], [1, 1]), 0.0)
