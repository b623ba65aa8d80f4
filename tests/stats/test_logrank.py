"""Log-rank test against R survival 3.5-3 ``survdiff`` (``tests/reference/survival.R``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from metsor.errors import InputError
from metsor.stats.logrank import logrank_test

from .reference_data import CASES, RTOL, arrays, case, reference


def _assert_matches(result: Any, r: dict[str, Any]) -> None:
    assert_allclose(result.observed, r["observed"], rtol=RTOL)
    assert_allclose(result.expected, r["expected"], rtol=RTOL)
    assert_allclose(result.variance, r["variance"], rtol=RTOL, atol=1e-12)
    assert_allclose(result.chi2, r["chisq"], rtol=RTOL)
    assert_allclose(result.p_value, r["p"], rtol=RTOL)
    assert result.df == r["df"]
    assert_array_equal(result.n, r["n"])


@pytest.mark.parametrize("name", CASES)
def test_two_arms_match_r(name: str) -> None:
    """R: ``survdiff(Surv(time, status) ~ group, data = d)``."""
    time, status, group = arrays(name)
    _assert_matches(logrank_test(time, status, group), case(name)["logrank"])


@pytest.mark.parametrize("name", [n for n in CASES if case(n)["logrank_strata"] is not None])
def test_stratified_matches_r(name: str) -> None:
    """R: ``survdiff(Surv(time, status) ~ group + strata(strata), data = d)``."""
    time, status, group = arrays(name)
    strata = np.asarray(case(name)["data"]["strata"])
    result = logrank_test(time, status, group, strata=strata)
    _assert_matches(result, case(name)["logrank_strata"])


@pytest.mark.parametrize("name", ["veteran_celltype", "colon_rx"])
def test_more_than_two_groups_match_r(name: str) -> None:
    """R: ``survdiff(Surv(time, status) ~ celltype, veteran)`` (4 groups) and
    ``~ rx`` on colon deaths (3 groups); also stratified (by trt, by sex)."""
    m = reference()["multi_group"][name]
    d = m["data"]
    _assert_matches(logrank_test(d["time"], d["status"], d["group"]), m["logrank"])
    stratified = logrank_test(d["time"], d["status"], d["group"], strata=d["strata"])
    _assert_matches(stratified, m["logrank_strata"])


def test_one_group_is_refused() -> None:
    with pytest.raises(InputError, match="at least two groups"):
        logrank_test([1, 2, 3], [1, 0, 1], ["a", "a", "a"])


def test_group_length_is_checked() -> None:
    with pytest.raises(InputError, match="'group' has 2 values for 3 patients"):
        logrank_test([1, 2, 3], [1, 0, 1], ["a", "b"])


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 20), st.integers(0, 1), st.integers(0, 1)),
        min_size=4,
        max_size=80,
    )
)
def test_invariants(data: list[tuple[int, int, int]]) -> None:
    """Observed and expected totals agree; O - E sums to zero; chi2 >= 0; relabelling the
    groups leaves the test unchanged."""
    time, event, group = (np.array(c) for c in zip(*data, strict=True))
    if np.unique(group).size < 2:
        return
    res = logrank_test(time, event, group)
    assert_allclose(res.observed.sum(), res.expected.sum(), rtol=1e-9, atol=1e-12)
    assert res.chi2 >= -1e-12
    swapped = logrank_test(time, event, 1 - group)
    assert_allclose(swapped.chi2, res.chi2, rtol=1e-9, atol=1e-12)
