"""Log-rank tests of many trials at once: arrays of trials × patients, compiled over trials.

Each row is one trial. The statistic is R's ``survdiff`` (rho = 0) for two groups: observed
minus expected events of group 1 and the hypergeometric variance summed over distinct event
times, ties grouped. Rows are independent, so the compiled kernel, which releases the GIL, runs
them on several threads.

The compiled kernels (:mod:`metsor.stats._sort_kernels`) check no bounds; every public function
here checks shapes, dtypes, sizes and finiteness first and raises InputError naming the argument,
so that nothing it is passed can make a kernel read or write outside an array.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numba
import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from metsor.errors import InputError
from metsor.stats._sort_kernels import (
    EVENT,
    GROUP_1,
    argsort_kernel,
    logrank_sorted_kernel,
    sort_pairs,
)

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


def _vector(value: ArrayLike, dtype: type, name: str) -> NDArray[Any]:
    """``value`` as a 1-D array of ``dtype`` (copied only if needed), or InputError naming it."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a 1-D array of numbers", field=name) from exc
    if array.ndim != 1:
        raise InputError(f"{name} must be 1-D, not of shape {array.shape}", field=name)
    if array.dtype != dtype:
        raise InputError(f"{name} must have dtype {np.dtype(dtype).name}", field=name)
    return array


def _finite_times(time: NDArray[np.float64], name: str) -> None:
    if not np.all(np.isfinite(time)):
        raise InputError(f"{name} must be finite (no nan or inf)", field=name)


def argsort_times(time: ArrayLike) -> NDArray[np.intp]:
    """Stable ascending argsort of one trial's finite times, in near-linear time.

    A bucket pass by value followed by an insertion pass: exact for any input, and close to
    linear for the few dozen spread-out times of a trial (a general sort costs several times
    more at this size).

    Parameters
    ----------
    time
        Finite times of one trial (1-D).

    Returns
    -------
    ndarray
        Indices that sort ``time`` ascending, ties in input order: numpy's
        ``argsort(time, kind="stable")``.

    Raises
    ------
    InputError
        If ``time`` is not a 1-D array of finite numbers.
    """
    try:
        t = np.ascontiguousarray(time, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError("time must be a 1-D array of numbers", field="time") from exc
    if t.ndim != 1:
        raise InputError(f"time must be 1-D, not of shape {t.shape}", field="time")
    _finite_times(t, "time")
    return np.asarray(argsort_kernel(t), dtype=np.intp)


def sort_by_time(
    time: NDArray[np.float64],
    code: NDArray[np.uint8],
    size: int,
    low: float,
    high: float,
    sorted_time: NDArray[np.float64],
    sorted_code: NDArray[np.uint8],
    scratch: NDArray[np.intp],
) -> None:
    """Sort the first ``size`` (time, code) pairs by time, stably, into ``sorted_*``.

    A counting pass into ``2 * size`` buckets spread evenly over [``low``, ``high``], which
    must bound the times, then an insertion pass: near-linear for the spread-out times of a
    trial, and moving the values themselves so that the caller needs no index array. The
    simulator calls the compiled kernel itself; this entry point checks what it is given.

    Parameters
    ----------
    time, code
        Times (float64) and their codes (uint8); the first ``size`` entries are sorted.
    size
        Number of pairs: at most the length of every array.
    low, high
        Finite bounds of the times, ``low`` ≤ every time ≤ ``high``.
    sorted_time, sorted_code
        Receive the sorted pairs.
    scratch
        At least ``3 * size`` entries (intp) of working space.

    Raises
    ------
    InputError
        Naming the argument that is not as described.
    """
    arrays = {
        "time": _vector(time, np.float64, "time"),
        "code": _vector(code, np.uint8, "code"),
        "sorted_time": _vector(sorted_time, np.float64, "sorted_time"),
        "sorted_code": _vector(sorted_code, np.uint8, "sorted_code"),
    }
    work = _vector(scratch, np.intp, "scratch")
    count = _count(size, "size")
    for name, array in arrays.items():
        if count > array.shape[0]:
            raise InputError(f"size {count} exceeds the length of {name}", field="size")
    if work.shape[0] < 3 * count:
        raise InputError(f"scratch needs at least {3 * count} entries", field="scratch")
    head = arrays["time"][:count]
    _finite_times(head, "time")
    bounds = {"low": low, "high": high}
    for name, value in bounds.items():
        if not (isinstance(value, int | float) and math.isfinite(value)):
            raise InputError(f"{name} must be a finite number, not {value!r}", field=name)
    if count and not (low <= head.min() and head.max() <= high):
        raise InputError("low and high must bound the times", field="low")
    sort_pairs(
        arrays["time"],
        arrays["code"],
        count,
        float(low),
        float(high),
        arrays["sorted_time"],
        arrays["sorted_code"],
        work,
    )


def logrank_sorted(
    time: NDArray[np.float64], code: NDArray[np.uint8], size: int
) -> tuple[float, float, float]:
    """Observed, expected and variance of group 1 for one trial sorted by time.

    Parameters
    ----------
    time
        Follow-up times, finite and ascending (first ``size`` entries used).
    code
        Per time, ``EVENT`` (1) if it is an event plus ``GROUP_1`` (2) if in group 1.
    size
        Number of patients: at most the length of both arrays.

    Returns
    -------
    tuple of float
        Observed events, expected events and variance, for group 1.

    Raises
    ------
    InputError
        Naming the argument that is not as described.

    References
    ----------
    Mantel N. Evaluation of survival data and two new rank order statistics arising in its
    consideration. Cancer Chemother Rep 1966;50:163–170. R package survival, ``survdiff``.
    """
    t = _vector(time, np.float64, "time")
    c = _vector(code, np.uint8, "code")
    count = _count(size, "size")
    if count > min(t.shape[0], c.shape[0]):
        raise InputError(f"size {count} exceeds the length of time or code", field="size")
    _finite_times(t[:count], "time")
    if np.any(np.diff(t[:count]) < 0):
        raise InputError("time must be sorted ascending", field="time")
    if np.any(c[:count] > EVENT + GROUP_1):
        raise InputError("code must be 0 to 3 (EVENT + GROUP_1 bits)", field="code")
    observed, expected, variance = logrank_sorted_kernel(t, c, count)
    return float(observed), float(expected), float(variance)


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise InputError(f"{name} must be a non-negative integer, not {value!r}", field=name)
    return int(value)


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
        sort_pairs(time[r], code, size, low, high, sorted_time, sorted_code, scratch)
        observed, expected, variance = logrank_sorted_kernel(sorted_time, sorted_code, size)
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

    Raises
    ------
    InputError
        Naming ``time``, ``event`` or ``group`` when it is not as described.

    References
    ----------
    Mantel N. Cancer Chemother Rep 1966;50:163–170. Peto R, Peto J. Asymptotically efficient
    rank invariant test procedures. J R Stat Soc A 1972;135:185–207.
    """
    t, e, g = _trial_arrays(time, event, group)
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


def _numbers(value: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be an array of numbers", field=name) from exc


def _trial_arrays(
    time: ArrayLike, event: ArrayLike, group: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.int8]]:
    """Contiguous (trials, patients) arrays of times, events and groups, checked."""
    t = np.atleast_2d(_numbers(time, "time"))
    if t.ndim != 2:
        raise InputError(f"time must have shape (trials, patients), not {t.shape}", field="time")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise InputError("times must be finite and non-negative", field="time")
    arrays = {}
    for name, value in (("event", event), ("group", group)):
        raw = _numbers(value, name)
        if not np.all((raw == 0) | (raw == 1)):
            raise InputError(f"{name} must be 0 or 1 (or False/True)", field=name)
        try:
            arrays[name] = np.broadcast_to(raw, t.shape)
        except ValueError:
            raise InputError(
                f"{name} of shape {raw.shape} does not fit time of shape {t.shape}", field=name
            ) from None
    return (
        np.ascontiguousarray(t),
        np.ascontiguousarray(arrays["event"], dtype=np.bool_),
        np.ascontiguousarray(arrays["group"], dtype=np.int8),
    )
