"""Compiled sorting and log-rank kernels shared by the batch log-rank and the trial simulator.

Numba checks no bounds, so every index these kernels compute is clamped into the array it
indexes, whatever the values: a bucket index comes from a float that may be nan, ±inf or
huge (a subnormal range makes the scale infinite), and is taken to the first or last bucket
rather than converted to an integer out of range. Sizes and lengths are the callers' to
check: :mod:`metsor.stats.batch` checks them at the Python boundary, and the simulator
(:mod:`metsor.design._kernel`) allocates its own arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["EVENT", "GROUP_1", "argsort_kernel", "bucket", "logrank_sorted_kernel", "sort_pairs"]

EVENT = 1
"""Bit of a patient's code: the time is an event."""
GROUP_1 = 2
"""Bit of a patient's code: the patient is in group 1."""


@njit(cache=True, nogil=True, error_model="numpy")
def bucket(offset: float, scale: float, buckets: int) -> int:  # pragma: no cover - compiled
    """Bucket of a value ``offset`` above the low bound: ``int(offset * scale)`` in [0, buckets).

    Monotone in ``offset``, so that equal values share a bucket and a larger value never goes
    to an earlier one; nan and anything below 0 go to the first bucket, +inf and anything
    beyond the last to the last (``int`` of those would be INT64_MIN in compiled code).
    """
    position = offset * scale
    if position >= buckets - 1.0:
        return buckets - 1
    if position > 0.0:
        return int(position)
    return 0


@njit(cache=True, nogil=True, error_model="numpy")
def argsort_kernel(time: NDArray[np.float64]) -> NDArray[np.intp]:  # pragma: no cover
    """Stable ascending argsort of ``time``: a bucket pass, then an insertion pass."""
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
        b = bucket(time[i] - low, scale, buckets)
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
def sort_pairs(
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

    A counting pass into ``2 * size`` buckets spread evenly over [``low``, ``high``], then an
    insertion pass. The caller guarantees ``size`` ≤ every array's length and ``scratch`` of
    at least ``3 * size`` entries; the bounds only steer the buckets (a time outside them goes
    to an end bucket and the insertion pass still places it).
    """
    buckets = 2 * size
    scale = buckets / (high - low) if high > low else 0.0
    count = scratch[:buckets]
    key = scratch[buckets : buckets + size]
    count[:] = 0
    for i in range(size):
        b = bucket(time[i] - low, scale, buckets)
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
def logrank_sorted_kernel(
    time: NDArray[np.float64], code: NDArray[np.uint8], size: int
) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """Observed, expected and variance of group 1 for ``size`` pairs sorted by time.

    See :func:`metsor.stats.batch.logrank_sorted`; the caller guarantees ``size`` ≤ the
    arrays' lengths.
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
