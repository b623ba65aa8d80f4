"""Properties of the compiled sort and log-rank kernels, each checked in a fresh interpreter.

Numba checks no bounds: a kernel that computes a wrong index corrupts memory and may kill the
process (SIGSEGV, "corrupted size vs. prev_size") rather than fail a test. So every property
here runs in a subprocess of its own, started by the test below; a crash is then a failed test
with the signal in its message, not the end of the run. The subprocess runs this file as a
script with the name of the property and the Hypothesis settings of the current profile
(``ci``: a fixed seed; ``dev``; ``fuzz``: random seeds and many more examples, ``make fuzz``).

Inputs include subnormal and huge times, ties, empty trials, nan and ±inf; the results are
compared with numpy's stable argsort and with a plain reference of the log-rank sums
(R's ``survdiff``, written out term by term).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from metsor.errors import InputError
from metsor.stats._sort_kernels import sort_pairs
from metsor.stats.batch import argsort_times, logrank_batch, sort_by_time

RTOL = 1e-10  # kernel and reference sum the same terms in a different order
ATOL = 1e-12  # sums that are exactly 0 in one order may be 1e-16 in the other

SPECIAL = [0.0, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1.0, 1e300, 1.7976931348623157e308]
finite_times = st.one_of(
    st.sampled_from(SPECIAL),
    st.floats(min_value=0.0, max_value=1e308, allow_nan=False, allow_infinity=False),
    st.integers(0, 5).map(float),  # many ties
)
any_float = st.one_of(finite_times, st.sampled_from([np.nan, np.inf, -np.inf, -5e-324, -1.0]))
time_lists = st.lists(finite_times, max_size=60)


def _stable_order(x: np.ndarray) -> np.ndarray:
    return np.argsort(x, kind="stable")


@given(time_lists)
def argsort_is_numpys_stable_argsort(values: list[float]) -> None:
    x = np.asarray(values, dtype=np.float64)
    assert_array_equal(argsort_times(x), _stable_order(x))


@given(st.lists(any_float, min_size=1, max_size=30))
def argsort_refuses_what_is_not_finite(values: list[float]) -> None:
    x = np.asarray(values, dtype=np.float64)
    if np.all(np.isfinite(x)):
        assert_array_equal(argsort_times(x), _stable_order(x))
        return
    with pytest.raises(InputError, match="time must be finite"):
        argsort_times(x)


@given(time_lists, st.sampled_from([0.0, 5e-324, 1e-300, 1.0, 1e300]))
def sort_by_time_is_a_stable_sort_of_pairs(values: list[float], margin: float) -> None:
    """Any finite bounds that contain the times do; codes travel with their times."""
    x = np.asarray(values, dtype=np.float64)
    code = (np.arange(x.size) % 4).astype(np.uint8)
    low, high = (x.min() - margin, x.max() + margin) if x.size else (0.0, 0.0)
    low, high = (low if np.isfinite(low) else x.min()), (high if np.isfinite(high) else x.max())
    sorted_time, sorted_code = np.empty_like(x), np.empty_like(code)
    scratch = np.empty(3 * x.size, np.intp)
    sort_by_time(x, code, x.size, low, high, sorted_time, sorted_code, scratch)
    order = _stable_order(x)
    assert_array_equal(sorted_time, x[order])
    assert_array_equal(sorted_code, code[order])


@given(time_lists, any_float, any_float)
def kernel_sorts_whatever_its_bounds(values: list[float], low: float, high: float) -> None:
    """The compiled kernel itself, bounds unchecked (nan, inf, not containing the times): its
    buckets are clamped, so it stays inside its arrays and the insertion pass still sorts."""
    x = np.asarray(values, dtype=np.float64)
    code = (np.arange(x.size) % 4).astype(np.uint8)
    sorted_time, sorted_code = np.empty_like(x), np.empty_like(code)
    sort_pairs(x, code, x.size, low, high, sorted_time, sorted_code, np.empty(3 * x.size, np.intp))
    order = _stable_order(x)
    assert_array_equal(sorted_time, x[order])
    assert_array_equal(sorted_code, code[order])


@given(st.lists(any_float, min_size=1, max_size=20), st.integers(0, 25))
def sort_by_time_refuses_bad_sizes_and_times(values: list[float], size: int) -> None:
    x = np.asarray(values, dtype=np.float64)
    code = np.zeros(x.size, np.uint8)
    out_time, out_code = np.empty_like(x), np.empty_like(code)
    scratch = np.empty(3 * x.size, np.intp)
    head = x[: min(size, x.size)]
    finite = bool(np.all(np.isfinite(head)))
    low, high = (float(head.min()), float(head.max())) if finite and head.size else (0.0, 0.0)
    if size > x.size:
        with pytest.raises(InputError, match="size"):
            sort_by_time(x, code, size, low, high, out_time, out_code, scratch)
    elif not finite:
        with pytest.raises(InputError, match="time must be finite"):
            sort_by_time(x, code, size, low, high, out_time, out_code, scratch)
    else:
        sort_by_time(x, code, size, low, high, out_time, out_code, scratch)
        assert_array_equal(out_time[:size], np.sort(head, kind="stable"))


def reference_logrank(
    time: np.ndarray, event: np.ndarray, group: np.ndarray
) -> tuple[float, float, float]:
    """R ``survdiff`` (rho = 0), group 1: observed, expected and variance, term by term."""
    observed = expected = variance = 0.0
    for t in np.unique(time[event]):
        at_risk = time >= t
        n, n1 = float(at_risk.sum()), float((at_risk & (group == 1)).sum())
        dead = event & (time == t)
        d, d1 = float(dead.sum()), float((dead & (group == 1)).sum())
        observed += d1
        expected += d * n1 / n
        if n > 1:
            variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return observed, expected, variance


@st.composite
def trials(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = draw(st.integers(1, 4))
    patients = draw(st.integers(0, 30))
    cell = st.tuples(finite_times, st.booleans(), st.integers(0, 1))
    cells = draw(st.lists(cell, min_size=rows * patients, max_size=rows * patients))
    time = np.array([c[0] for c in cells], dtype=np.float64).reshape(rows, patients)
    event = np.array([c[1] for c in cells], dtype=bool).reshape(rows, patients)
    group = np.array([c[2] for c in cells], dtype=np.int8).reshape(rows, patients)
    return time, event, group


@given(trials())
def logrank_batch_equals_the_reference(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    time, event, group = data
    batch = logrank_batch(time, event, group)
    for r in range(time.shape[0]):
        expected = reference_logrank(time[r], event[r], group[r])
        got = (batch.observed[r], batch.expected[r], batch.variance[r])
        assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@given(st.lists(any_float, min_size=1, max_size=20))
def logrank_batch_refuses_what_is_not_finite(values: list[float]) -> None:
    time = np.asarray([values], dtype=np.float64)
    group = np.arange(time.shape[1]) % 2
    if np.all(np.isfinite(time)) and np.all(time >= 0):
        logrank_batch(time, np.ones_like(time, dtype=bool), group)
        return
    with pytest.raises(InputError, match="times must be finite and non-negative"):
        logrank_batch(time, np.ones_like(time, dtype=bool), group)


PROPERTIES: dict[str, Callable[[], None]] = {
    "argsort_is_numpys_stable_argsort": argsort_is_numpys_stable_argsort,
    "argsort_refuses_what_is_not_finite": argsort_refuses_what_is_not_finite,
    "sort_by_time_is_a_stable_sort_of_pairs": sort_by_time_is_a_stable_sort_of_pairs,
    "kernel_sorts_whatever_its_bounds": kernel_sorts_whatever_its_bounds,
    "sort_by_time_refuses_bad_sizes_and_times": sort_by_time_refuses_bad_sizes_and_times,
    "logrank_batch_equals_the_reference": logrank_batch_equals_the_reference,
    "logrank_batch_refuses_what_is_not_finite": logrank_batch_refuses_what_is_not_finite,
}


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in PROPERTIES])
def test_kernel_property_in_a_fresh_interpreter(
    name: str, fresh_interpreter: Callable[[Path, str], None]
) -> None:
    """The property holds, and the interpreter that checked it exited normally (no signal)."""
    fresh_interpreter(Path(__file__), name)


def _main(name: str, chosen: str) -> None:
    """Check one property with the given settings (run as a script by the test above)."""
    values = json.loads(chosen)
    check = settings(deadline=None, database=None, **values)(PROPERTIES[name])
    check()
    print(f"{name}: ok")


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
