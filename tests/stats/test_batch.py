"""The batch log-rank kernel gives the one-trial log-rank (``survdiff``) on every row."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from metsor.stats.batch import argsort_times, logrank_batch, sort_by_time
from metsor.stats.logrank import logrank_test

RTOL = 1e-10  # the two implementations sum the same terms in a different order


def _trials(seed: int, trials: int, patients: int, *, rounded: bool) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    group = (rng.random(patients) < 0.5).astype(np.int8)
    group[:2] = (0, 1)
    time = rng.exponential(10.0, (trials, patients)) * np.where(group == 1, 1.3, 1.0)
    if rounded:  # many ties, as with times recorded in whole months
        time = np.round(time)
    event = rng.random((trials, patients)) < 0.75
    return time, event, group


@pytest.mark.parametrize("rounded", [False, True], ids=["continuous", "tied"])
def test_rows_equal_the_one_trial_logrank(rounded: bool) -> None:
    time, event, group = _trials(20160203, 40, 82, rounded=rounded)
    batch = logrank_batch(time, event, group)
    for row in range(time.shape[0]):
        one = logrank_test(time[row], event[row], group, timefix=False)
        assert_allclose(batch.chi2[row], one.chi2, rtol=RTOL)
        assert_allclose(batch.observed[row], one.observed[1], rtol=RTOL)
        assert_allclose(batch.expected[row], one.expected[1], rtol=RTOL)
        assert_allclose(batch.variance[row], one.variance[1, 1], rtol=RTOL)
        assert_allclose(batch.p_value[row], one.p_value, rtol=1e-8)


def test_per_trial_groups_and_zero_times() -> None:
    """Groups may differ per trial; a censored time 0 (not yet entered) changes nothing."""
    time, event, _ = _trials(7, 10, 30, rounded=True)
    time += 1.0  # no event at time 0, where a censored 0 would still be at risk
    rng = np.random.default_rng(8)
    groups = (rng.random(time.shape) < 0.5).astype(np.int8)
    groups[:, :2] = (0, 1)
    time[:, 5] = 0.0
    event[:, 5] = False
    batch = logrank_batch(time, event, groups)
    for row in range(time.shape[0]):
        keep = np.arange(time.shape[1]) != 5
        one = logrank_test(time[row, keep], event[row, keep], groups[row, keep], timefix=False)
        assert_allclose(batch.chi2[row], one.chi2, rtol=RTOL)


def test_direction_of_z() -> None:
    """z < 0 when group 1 has fewer events than expected (a benefit)."""
    time = np.array([[1.0, 2.0, 3.0, 10.0, 11.0, 12.0]])
    event = np.ones_like(time, dtype=bool)
    group = np.array([0, 0, 0, 1, 1, 1])
    assert logrank_batch(time, event, group).z[0] < 0


def test_no_events_gives_nan() -> None:
    r = logrank_batch(np.ones((1, 4)), np.zeros((1, 4), dtype=bool), np.array([0, 1, 0, 1]))
    assert np.isnan(r.z[0])
    assert r.variance[0] == 0.0


@pytest.mark.parametrize(
    ("time", "group", "message"),
    [
        (np.array([[1.0, np.nan]]), np.array([0, 1]), "finite"),
        (np.array([[1.0, -2.0]]), np.array([0, 1]), "non-negative"),
        (np.array([[1.0, 2.0]]), np.array([0, 2]), "0 or 1"),
    ],
)
def test_bad_input(time: np.ndarray, group: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        logrank_batch(time, np.ones_like(time, dtype=bool), group)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 1)), max_size=120))
def test_argsort_times_is_a_stable_sort(values: list[float]) -> None:
    x = np.asarray(values, dtype=np.float64)
    assert_array_equal(argsort_times(x), np.argsort(x, kind="stable"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 1)), max_size=120),
    st.floats(0, 50),
)
def test_sort_by_time_is_a_stable_sort_of_pairs(values: list[float], margin: float) -> None:
    """Any bounds that contain the times do; codes travel with their times."""
    x = np.asarray(values, dtype=np.float64)
    code = (np.arange(x.size) % 4).astype(np.uint8)
    low, high = (x.min() - margin, x.max() + margin) if x.size else (0.0, 0.0)
    sorted_time, sorted_code = np.empty_like(x), np.empty_like(code)
    sort_by_time(
        x, code, x.size, low, high, sorted_time, sorted_code, np.empty(3 * x.size, np.intp)
    )
    order = np.argsort(x, kind="stable")
    assert_array_equal(sorted_time, x[order])
    assert_array_equal(sorted_code, code[order])
