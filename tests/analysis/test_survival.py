"""metsor.analysis.compare_survival against R's survival package.

The reference figures come from ``tests/reference/survival.R``, per two-arm case::

    survfit(Surv(time, status) ~ 1, data = arm, conf.type = "log-log")   # medians, rates, rmean
    survdiff(Surv(time, status) ~ group + strata(strata), data = d)      # primary log-rank
    survdiff(Surv(time, status) ~ group, data = d)                       # unstratified
    coxph(Surv(time, status) ~ arm + strata(strata), data = d)           # primary hazard ratio
    coxph(Surv(time, status) ~ arm, data = d)                            # unstratified
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.analysis import compare_survival
from metsor.errors import InputError

RTOL = 1e-6

CASES = ["lung", "veteran", "ovarian", "colon", "aml", "retinopathy", "ties", "near_ties", "flat"]


def _scalar(value: Any) -> float:
    """A one-term figure, which R's JSON writer unboxes from its vector."""
    return float(value[0] if isinstance(value, list) else value)


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _compare(case: dict[str, Any], *, stratified: bool) -> Any:
    data = case["data"]
    return compare_survival(
        data["time"],
        data["status"],
        data["group"],
        reference=case["reference"],
        experimental=case["experimental"],
        strata=data["strata"] if stratified and "strata" in data else None,
        at=case["at"],
        tau=case["tau"],
    )


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in CASES])
def test_each_arm_matches_survfit(reference: dict[str, Any], name: str) -> None:
    case = reference["cases"][name]
    result = _compare(case, stratified=True)
    for arm, summary in result.arms.items():
        r = case["km"]["log-log"][arm]
        assert summary.n == len([g for g in case["data"]["group"] if g == arm])
        assert summary.events == int(sum(r["n_event"]))
        assert_allclose(
            [summary.median, summary.median_lower, summary.median_upper],
            [_nan(r["median"]), _nan(r["median_lower"]), _nan(r["median_upper"])],
            rtol=RTOL,
        )
        assert_allclose([row.survival for row in summary.survival_at], r["at"]["surv"], rtol=RTOL)
        assert [row.at_risk for row in summary.survival_at] == r["at"]["n_risk"]
        assert summary.rmst is not None
        assert_allclose([summary.rmst.estimate, summary.rmst.se], [r["rmean"], r["rmean_se"]],
                        rtol=RTOL)  # fmt: skip


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in CASES])
def test_primary_analysis_is_stratified_as_r(reference: dict[str, Any], name: str) -> None:
    case = reference["cases"][name]
    result = _compare(case, stratified=True)
    has_strata = case["logrank_strata"] is not None
    logrank = case["logrank_strata"] if has_strata else case["logrank"]
    cox = case["cox"]["efron_strata" if has_strata else "efron"]
    assert result.logrank is not None
    assert result.logrank.stratified is has_strata
    assert_allclose(result.logrank.chi2, logrank["chisq"], rtol=RTOL)
    assert result.hazard_ratio is not None
    hr = result.hazard_ratio
    assert_allclose(
        [hr.estimate, hr.lower, hr.upper, hr.p_value],
        [_scalar(cox[key]) for key in ("hr", "hr_lower", "hr_upper", "p")],
        rtol=RTOL,
    )
    assert hr.ph_test_p is not None
    assert_allclose(hr.ph_test_p, cox["zph"]["km"]["p"][-1], rtol=RTOL)


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in CASES])
def test_unstratified_analysis_beside_it(reference: dict[str, Any], name: str) -> None:
    case = reference["cases"][name]
    result = _compare(case, stratified=True)
    assert result.logrank_unstratified is not None
    assert not result.logrank_unstratified.stratified
    assert_allclose(result.logrank_unstratified.chi2, case["logrank"]["chisq"], rtol=RTOL)
    assert result.hazard_ratio_unstratified is not None
    assert_allclose(
        result.hazard_ratio_unstratified.estimate, _scalar(case["cox"]["efron"]["hr"]), rtol=RTOL
    )


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in CASES])
def test_signed_z_squares_to_chi2_and_favours_the_arm_with_fewer_events(
    reference: dict[str, Any], name: str
) -> None:
    case = reference["cases"][name]
    result = _compare(case, stratified=True)
    assert result.logrank is not None
    z = result.logrank.z
    assert_allclose(z**2, result.logrank.chi2, rtol=RTOL)
    observed, expected = result.logrank.observed[1], result.logrank.expected[1]
    assert (z > 0) == (observed < expected)


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in CASES])
def test_rmst_difference_is_experimental_minus_reference(
    reference: dict[str, Any], name: str
) -> None:
    case = reference["cases"][name]
    result = _compare(case, stratified=False)
    km = case["km"]["log-log"]
    diff = result.rmst_difference
    assert diff is not None
    expected = km[case["experimental"]]["rmean"] - km[case["reference"]]["rmean"]
    assert_allclose(diff.difference, expected, rtol=RTOL, atol=1e-9)
    se = math.hypot(km[case["experimental"]]["rmean_se"], km[case["reference"]]["rmean_se"])
    assert_allclose(diff.se, se, rtol=RTOL)


def test_without_strata_the_primary_is_the_unstratified() -> None:
    result = compare_survival(
        [1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 1], ["a", "b"] * 3, reference="a", experimental="b"
    )
    assert result.logrank is result.logrank_unstratified
    assert result.hazard_ratio is result.hazard_ratio_unstratified


def test_other_arms_are_left_out() -> None:
    both = compare_survival(
        [1, 2, 3, 4, 9], [1, 1, 1, 1, 1], ["a", "b", "a", "b", "c"], reference="a",
        experimental="b",
    )  # fmt: skip
    two = compare_survival([1, 2, 3, 4], [1, 1, 1, 1], ["a", "b", "a", "b"], reference="a",
                           experimental="b")  # fmt: skip
    assert both.logrank is not None
    assert two.logrank is not None
    assert both.logrank.chi2 == two.logrank.chi2
    assert set(both.arms) == {"a", "b"}


def test_an_arm_without_patients_is_said_not_raised() -> None:
    result = compare_survival([1, 2, 3], [1, 0, 1], ["a"] * 3, reference="a", experimental="b")
    assert set(result.arms) == {"a"}
    assert result.logrank is None
    assert result.hazard_ratio is None
    assert result.warnings == ("arm 'b' has no patients",)


def test_no_events_is_said_not_raised() -> None:
    result = compare_survival(
        [1, 2, 3, 4], [0, 0, 0, 0], ["a", "b", "a", "b"], reference="a", experimental="b"
    )
    assert result.events == 0
    assert result.logrank is None
    assert result.hazard_ratio is None
    assert "no events in either arm" in result.warnings[0]
    assert math.isnan(result.arms["a"].median)


def test_an_arm_without_events_has_a_log_rank_test_but_no_hazard_ratio() -> None:
    """R: ``coxph`` warns "Loglik converged before variable 1; coefficient may be infinite"."""
    time = np.arange(1.0, 21.0)
    event = np.r_[np.ones(10), np.zeros(10)]
    arm = ["a"] * 10 + ["b"] * 10
    result = compare_survival(time, event, arm, reference="a", experimental="b")
    assert result.logrank is not None
    assert result.logrank.z > 0
    assert result.hazard_ratio is None
    assert result.warnings == (
        "the Cox coefficient may be infinite (an arm without events?): no hazard ratio",
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"reference": "a", "experimental": "a"}, "must differ", id="same-arms"),
        pytest.param({"time": [1, 2]}, "one value per patient", id="lengths"),
        pytest.param({"strata": ["x"]}, "strata must be one value", id="strata-length"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs: dict[str, Any], match: str) -> None:
    arguments: dict[str, Any] = {
        "time": [1, 2, 3],
        "event": [1, 1, 0],
        "arm": ["a", "b", "a"],
        "reference": "a",
        "experimental": "b",
        **kwargs,
    }
    with pytest.raises(InputError, match=match):
        compare_survival(**arguments)
