"""The batch log-rank kernel gives the one-trial log-rank (``survdiff``) on every row."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.errors import InputError
from metsor.stats.batch import argsort_times, logrank_batch, logrank_sorted, sort_by_time
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
    ("time", "group", "field", "message"),
    [
        pytest.param([[1.0, np.nan]], [0, 1], "time", "finite", id="nan-time"),
        pytest.param([[1.0, np.inf]], [0, 1], "time", "finite", id="inf-time"),
        pytest.param([[1.0, -2.0]], [0, 1], "time", "non-negative", id="negative-time"),
        pytest.param([[[1.0, 2.0]]], [0, 1], "time", "shape", id="three-dimensional"),
        pytest.param([["a", "b"]], [0, 1], "time", "numbers", id="text-time"),
        pytest.param([[1.0, 2.0]], [0, 2], "group", "0 or 1", id="group-2"),
        pytest.param([[1.0, 2.0]], [0, 256], "group", "0 or 1", id="group-wraps-int8"),
        pytest.param([[1.0, 2.0]], [0, 1, 1], "group", "does not fit", id="group-shape"),
    ],
)
def test_bad_input_names_the_argument(
    time: list[object], group: list[int], field: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as raised:
        logrank_batch(time, True, group)
    assert raised.value.field == field


def test_subnormal_times_do_not_break_the_batch() -> None:
    """Once a segfault: a range of one subnormal made the bucket scale infinite."""
    r = logrank_batch([[0.0, 5e-324]], [[1, 1]], [0, 1])
    assert_allclose([r.observed[0], r.expected[0], r.variance[0]], [1.0, 1.5, 0.25], rtol=RTOL)


@pytest.mark.parametrize(
    ("time", "size", "low", "high", "field"),
    [
        pytest.param([1.0, 2.0], 3, 0.0, 2.0, "size", id="size-beyond-arrays"),
        pytest.param([1.0, 2.0], -1, 0.0, 2.0, "size", id="negative-size"),
        pytest.param([1.0, 2.0], 2.0, 0.0, 2.0, "size", id="float-size"),
        pytest.param([1.0, np.nan], 2, 0.0, 2.0, "time", id="nan-time"),
        pytest.param([1.0, 2.0], 2, np.nan, 2.0, "low", id="nan-low"),
        pytest.param([1.0, 2.0], 2, 0.0, np.inf, "high", id="inf-high"),
        pytest.param([1.0, 2.0], 2, 1.5, 2.0, "low", id="bounds-miss-a-time"),
    ],
)
def test_sort_by_time_checks_what_it_is_given(
    time: list[float], size: int, low: float, high: float, field: str
) -> None:
    x = np.asarray(time)
    out = np.empty(2), np.empty(2, np.uint8)
    with pytest.raises(InputError) as raised:
        sort_by_time(x, np.zeros(2, np.uint8), size, low, high, *out, np.empty(6, np.intp))
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("time", "code", "size", "field"),
    [
        pytest.param([2.0, 1.0], np.array([1, 1], np.uint8), 2, "time", id="unsorted"),
        pytest.param([1.0, 2.0], np.array([1, 4], np.uint8), 2, "code", id="code-beyond-bits"),
        pytest.param([1.0, 2.0], np.array([1, 1], np.uint8), 5, "size", id="size-beyond-arrays"),
        pytest.param([1.0, 2.0], np.array([1.0, 1.0]), 2, "code", id="float-code"),
    ],
)
def test_logrank_sorted_checks_what_it_is_given(
    time: list[float], code: np.ndarray, size: int, field: str
) -> None:
    with pytest.raises(InputError) as raised:
        logrank_sorted(np.asarray(time), code, size)
    assert raised.value.field == field


def test_argsort_times_refuses_a_table() -> None:
    with pytest.raises(InputError, match="1-D") as raised:
        argsort_times([[1.0, 2.0]])
    assert raised.value.field == "time"
