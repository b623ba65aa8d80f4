"""Log-rank tests of many trials at once: arrays of trials × patients, compiled over trials.

Each row is one trial. The statistic is R's ``survdiff`` (rho = 0) for two groups: observed
minus expected events of group 1 and the hypergeometric variance summed over distinct event
times, ties grouped. Rows are independent, so the compiled kernel, which releases the GIL, runs
them on several threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numba
import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

__all__ = [
    "EVENT",
    "GROUP_1",
    "BatchLogRank",
    "argsort_times",
    "logrank_batch",
    "logrank_sorted",
    "on_threads",
    "sort_by_time",
]

_Task = TypeVar("_Task")

EVENT = 1
"""Bit of a patient's code: the time is an event."""
GROUP_1 = 2
"""Bit of a patient's code: the patient is in group 1."""


@dataclass(frozen=True)
class BatchLogRank:
    """Log-rank statistics of each trial (row).

    Attributes
    ----------
    observed, expected
        Observed and expected events of group 1.
    variance
        Hypergeometric variance of observed − expected.
    z
        (observed − expected) / √variance: negative when group 1 has fewer events than expected.
    chi2
        z², the 1-df log-rank chi-square of ``survdiff``.
    p_value
        Two-sided p-value.
    """

    observed: NDArray[np.float64]
    expected: NDArray[np.float64]
    variance: NDArray[np.float64]
    z: NDArray[np.float64]
    chi2: NDArray[np.float64]
    p_value: NDArray[np.float64]


@njit(cache=True, nogil=True)
def argsort_times(time: NDArray[np.float64]) -> NDArray[np.intp]:  # pragma: no cover - compiled
    """Stable ascending argsort of one trial's finite times, in near-linear time.

    A bucket pass by value followed by an insertion pass: exact for any input, and close to
    linear for the few dozen spread-out times of a trial (a general sort costs several times
    more at this size).

    Parameters
    ----------
    time
        Finite times of one trial.

    Returns
    -------
    ndarray
        Indices that sort ``time`` ascending, ties in input order.
    """
    size = time.shape[0]
    order = np.empty(size, dtype=np.intp)
    if size == 0:
        return order
    low = time[0]
    high = time[0]
    for i in range(1, size):
        low = min(low, time[i])
        high = max(high, time[i])
    buckets = size
    start = np.zeros(buckets + 1, dtype=np.intp)
    key = np.empty(size, dtype=np.intp)
    scale = buckets / (high - low) if high > low else 0.0
    for i in range(size):
        b = min(int((time[i] - low) * scale), buckets - 1)
        key[i] = b
        start[b + 1] += 1
    for b in range(buckets):
        start[b + 1] += start[b]
    for i in range(size):
        order[start[key[i]]] = i
        start[key[i]] += 1
    for i in range(1, size):
        item = order[i]
        value = time[item]
        j = i - 1
        while j >= 0 and (time[order[j]] > value or (time[order[j]] == value and order[j] > item)):
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = item
    return order


@njit(cache=True, nogil=True, error_model="numpy")
def sort_by_time(
    time: NDArray[np.float64],
    code: NDArray[np.uint8],
    size: int,
    low: float,
    high: float,
    sorted_time: NDArray[np.float64],
    sorted_code: NDArray[np.uint8],
    scratch: NDArray[np.intp],
) -> None:  # pragma: no cover - compiled
    """Sort the first ``size`` (time, code) pairs by time, stably, into ``sorted_*``.

    A counting pass into ``2 * size`` buckets spread evenly over [``low``, ``high``], which
    must bound the times, then an insertion pass: near-linear for the spread-out times of a
    trial, and moving the values themselves so that the caller needs no index array.

    Parameters
    ----------
    time, code
        Times and their codes (first ``size`` entries used).
    size
        Number of pairs.
    low, high
        Bounds of the times.
    sorted_time, sorted_code
        Receive the sorted pairs.
    scratch
        At least ``3 * size`` entries of working space.
    """
    buckets = 2 * size
    scale = buckets / (high - low) if high > low else 0.0
    count = scratch[:buckets]
    key = scratch[buckets : buckets + size]
    count[:] = 0
    for i in range(size):
        b = min(int((time[i] - low) * scale), buckets - 1)
        key[i] = b
        count[b] += 1
    start = 0
    for b in range(buckets):
        n = count[b]
        count[b] = start
        start += n
    for i in range(size):
        at = count[key[i]]
        sorted_time[at] = time[i]
        sorted_code[at] = code[i]
        count[key[i]] = at + 1
    for i in range(1, size):
        value = sorted_time[i]
        if sorted_time[i - 1] <= value:
            continue
        tag = sorted_code[i]
        j = i - 1
        while j >= 0 and sorted_time[j] > value:
            sorted_time[j + 1] = sorted_time[j]
            sorted_code[j + 1] = sorted_code[j]
            j -= 1
        sorted_time[j + 1] = value
        sorted_code[j + 1] = tag


@njit(cache=True, nogil=True, error_model="numpy")
def logrank_sorted(
    time: NDArray[np.float64], code: NDArray[np.uint8], size: int
) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """Observed, expected and variance of group 1 for one trial sorted by time.

    Parameters
    ----------
    time
        Follow-up times, ascending (first ``size`` entries used).
    code
        Per time, ``EVENT`` (1) if it is an event plus ``GROUP_1`` (2) if in group 1.
    size
        Number of patients.

    Returns
    -------
    tuple of float
        Observed events, expected events and variance, for group 1.

    References
    ----------
    Mantel N. Evaluation of survival data and two new rank order statistics arising in its
    consideration. Cancer Chemother Rep 1966;50:163–170. R package survival, ``survdiff``.
    """
    in_group1 = 0
    for i in range(size):
        in_group1 += code[i] >> 1
    at_risk = float(size)
    at_risk1 = float(in_group1)
    observed = expected = variance = 0.0
    deaths = deaths1 = leaving = leaving1 = 0.0
    for i in range(size):
        c = code[i]
        deaths += c & EVENT
        deaths1 += (c & EVENT) & (c >> 1)
        leaving += 1.0
        leaving1 += c >> 1
        if i + 1 < size and time[i + 1] == time[i]:
            continue  # ties: one term per distinct time
        # a time without deaths adds exact zeros, and so does the last one at risk (at_risk
        # − deaths = 0): no branches on the data, which a trial's times would mispredict
        share = at_risk1 / at_risk
        observed += deaths1
        expected += deaths * share
        variance += deaths * share * (1.0 - share) * (at_risk - deaths) / max(at_risk - 1.0, 1.0)
        at_risk -= leaving
        at_risk1 -= leaving1
        deaths = deaths1 = leaving = leaving1 = 0.0
    return observed, expected, variance


_ROWS_PER_TASK = 1024


def on_threads(
    run: Callable[[_Task], object], tasks: Sequence[_Task], threads: int | None = None
) -> None:
    """Call ``run`` on every task, on ``threads`` threads (numba's thread count by default).

    Meant for compiled kernels that release the GIL (``nogil=True``): each task runs whole on
    one thread, so what it computes cannot depend on the number of threads.
    """
    workers = min(threads or numba.get_num_threads(), len(tasks))
    if workers <= 1:
        for task in tasks:
            run(task)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(run, tasks):  # re-raises a task's exception
            pass


@njit(cache=True, nogil=True, error_model="numpy")
def _logrank_rows(
    time: NDArray[np.float64],
    event: NDArray[np.bool_],
    group: NDArray[np.int8],
    start: int,
    stop: int,
    out: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    size = time.shape[1]
    code = np.empty(size, dtype=np.uint8)
    sorted_time = np.empty(size)
    sorted_code = np.empty(size, dtype=np.uint8)
    scratch = np.empty(3 * size, dtype=np.intp)
    for r in range(start, stop):
        low = high = time[r, 0] if size else 0.0
        for i in range(size):
            code[i] = (EVENT if event[r, i] else 0) + GROUP_1 * group[r, i]
            low = min(low, time[r, i])
            high = max(high, time[r, i])
        sort_by_time(time[r], code, size, low, high, sorted_time, sorted_code, scratch)
        observed, expected, variance = logrank_sorted(sorted_time, sorted_code, size)
        out[r, 0] = observed
        out[r, 1] = expected
        out[r, 2] = variance


def logrank_batch(time: ArrayLike, event: ArrayLike, group: ArrayLike) -> BatchLogRank:
    """Two-group log-rank test of every row of ``time``.

    Parameters
    ----------
    time
        Follow-up times, shape (trials, patients), finite and ≥ 0.
    event
        True where the time is an event, same shape.
    group
        0 or 1 per patient: shape (patients,) shared by all trials, or (trials, patients).

    Returns
    -------
    BatchLogRank
        Statistics per trial; z and p are nan where the variance is 0.

    References
    ----------
    Mantel N. Cancer Chemother Rep 1966;50:163–170. Peto R, Peto J. Asymptotically efficient
    rank invariant test procedures. J R Stat Soc A 1972;135:185–207.
    """
    t = np.atleast_2d(np.asarray(time, dtype=np.float64))
    e = np.broadcast_to(np.asarray(event, dtype=np.bool_), t.shape)
    g = np.broadcast_to(np.asarray(group, dtype=np.int8), t.shape)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("times must be finite and non-negative")
    if np.any((g != 0) & (g != 1)):
        raise ValueError("group must be 0 or 1")
    t, e, g = np.ascontiguousarray(t), np.ascontiguousarray(e), np.ascontiguousarray(g)
    stats = np.empty((t.shape[0], 3))
    on_threads(
        lambda rows: _logrank_rows(t, e, g, rows.start, rows.stop, stats),
        [
            range(r, min(r + _ROWS_PER_TASK, t.shape[0]))
            for r in range(0, t.shape[0], _ROWS_PER_TASK)
        ],
    )
    observed, expected, variance = stats[:, 0], stats[:, 1], stats[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(variance > 0, (observed - expected) / np.sqrt(variance), np.nan)
    p = 2.0 * ndtr(-np.abs(z))
    return BatchLogRank(observed, expected, variance, z, z * z, p)
