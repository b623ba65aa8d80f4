"""Checks shared by the estimators: times, event indicators, group and stratum labels."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from metsor.errors import InputError

__all__ = [
    "TIME_TOLERANCE",
    "as_labels",
    "as_survival_data",
    "merge_near_ties",
    "stratum_time_order",
]

# R survival's aeqSurv tolerance: sqrt(machine epsilon).
TIME_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))


def as_survival_data(
    time: ArrayLike, event: ArrayLike, *, timefix: bool = True
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Validate follow-up times and event indicators.

    Parameters
    ----------
    time
        Follow-up times, finite and non-negative.
    event
        1 (or True) for an event, 0 (or False) for a censored time.
    timefix
        Treat times that differ by floating-point noise as tied (:func:`merge_near_ties`),
        as R's survfit, survdiff and coxph do by default.

    Returns
    -------
    tuple of ndarray
        Times as float64 and events as bool, one per patient.

    Raises
    ------
    InputError
        Empty input, lengths that differ, negative or non-finite times, events not 0/1.
    """
    t = np.asarray(time, dtype=np.float64).ravel()
    raw_event = np.asarray(event).ravel()
    if t.size == 0:
        raise InputError("no patients: 'time' is empty", field="time")
    if raw_event.size != t.size:
        raise InputError(
            f"'time' has {t.size} values but 'event' has {raw_event.size}", field="event"
        )
    if not np.all(np.isfinite(t)):
        bad = int(np.flatnonzero(~np.isfinite(t))[0])
        raise InputError(f"'time' must be finite; value {bad + 1} is {t[bad]}", field="time")
    if np.any(t < 0):
        bad = int(np.flatnonzero(t < 0)[0])
        raise InputError(f"'time' must be >= 0; value {bad + 1} is {t[bad]}", field="time")
    try:
        e = raw_event.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError("'event' must be 0 or 1", field="event") from exc
    bad_event = ~np.isin(e, (0.0, 1.0))
    if np.any(bad_event):
        bad = int(np.flatnonzero(bad_event)[0])
        raise InputError(
            f"'event' must be 0 or 1; value {bad + 1} is {raw_event[bad]!r}", field="event"
        )
    return (merge_near_ties(t) if timefix else t), e.astype(np.bool_)


def merge_near_ties(time: NDArray[np.float64]) -> NDArray[np.float64]:
    """Make times that differ only by rounding error exactly equal, as R's ``aeqSurv``.

    Distinct times closer than sqrt(eps), absolutely or relative to the mean absolute
    distinct time, are replaced by the smallest time of their run. Without this, times such
    as 0.1 + 0.2 and 0.3 would count as different.

    Parameters
    ----------
    time
        Finite follow-up times.

    Returns
    -------
    ndarray
        The times, near-ties merged (the input itself when there are none).

    References
    ----------
    R package survival, ``aeqSurv`` (Therneau), applied by ``survfit``, ``survdiff`` and
    ``coxph`` unless ``timefix = FALSE``.
    """
    distinct, inverse = np.unique(time, return_inverse=True)
    if distinct.size < 2:
        return time
    gaps = np.diff(distinct)
    scale = float(np.mean(np.abs(distinct)))
    tied = gaps <= TIME_TOLERANCE
    if scale > 0:
        tied |= gaps / scale <= TIME_TOLERANCE
    if not tied.any():
        return time
    starts_run = np.concatenate(([True], ~tied))
    cuts = distinct[starts_run]
    run_of_distinct = np.cumsum(starts_run) - 1
    return np.asarray(cuts[run_of_distinct][inverse.ravel()], dtype=np.float64)


def as_labels(values: ArrayLike, n: int, field: str) -> tuple[list[Any], NDArray[np.intp]]:
    """Code group or stratum labels as 0, 1, ... in sorted order of the labels.

    Parameters
    ----------
    values
        One label per patient (strings or numbers).
    n
        The number of patients the labels must match.
    field
        The argument name, for error messages.

    Returns
    -------
    levels, codes
        The distinct labels, sorted, and each patient's index into them.
    """
    arr = np.asarray(values).ravel()
    if arr.size != n:
        raise InputError(f"'{field}' has {arr.size} values for {n} patients", field=field)
    levels, codes = np.unique(arr, return_inverse=True)
    return [v.item() if isinstance(v, np.generic) else v for v in levels], codes.astype(np.intp)


def stratum_time_order(time: NDArray[np.float64], strata: NDArray[np.intp]) -> NDArray[np.intp]:
    """Permutation sorting patients by stratum, then time (two stable sorts: faster than
    ``numpy.lexsort`` on large arrays)."""
    order = np.argsort(time, kind="stable")
    if strata.size and strata.min() != strata.max():
        order = order[np.argsort(strata[order], kind="stable")]
    return order.astype(np.intp)
