"""Compiled core of the trial simulator: data cut-offs, censoring and log-rank looks per trial."""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from metsor.stats.batch import argsort_times, logrank_sorted_trial

__all__ = ["run_looks"]


@njit(cache=True, nogil=True)
def _cutoff(
    calendar: NDArray[np.float64], order: NDArray[np.intp], target: int, end_of_follow_up: float
) -> float:  # pragma: no cover - compiled
    m = min(target, calendar.shape[0])
    cut = calendar[order[m - 1]]
    if not np.isfinite(cut):
        return end_of_follow_up
    return float(cut)


@njit(cache=True, nogil=True)
def _one_trial(
    entry: NDArray[np.float64],
    event_time: NDArray[np.float64],
    censor_time: NDArray[np.float64],
    group: NDArray[np.int8],
    targets: NDArray[np.int64],
    calendar_end: float,
    critical: NDArray[np.float64],
    two_sided: bool,
) -> tuple[int, float, float]:  # pragma: no cover - compiled
    size = entry.shape[0]
    calendar = np.empty(size)
    end_of_follow_up = 0.0
    for i in range(size):
        seen = min(event_time[i], censor_time[i])
        end_of_follow_up = max(end_of_follow_up, entry[i] + seen)
        calendar[i] = entry[i] + event_time[i] if event_time[i] <= censor_time[i] else np.inf
    calendar_order = np.arange(size)
    for k in range(targets.shape[0]):
        if targets[k] > 0:
            calendar_order = argsort_times(np.minimum(calendar, end_of_follow_up + 1.0))
            break
    time = np.empty(size)
    event = np.empty(size, dtype=np.bool_)
    looks = targets.shape[0]
    events_at_stop = 0.0
    cut = calendar_end
    for k in range(looks):
        if targets[k] > 0:
            cut = _cutoff(calendar, calendar_order, targets[k], end_of_follow_up)
            if calendar_end > 0.0 and cut >= calendar_end:
                if k < looks - 1:
                    continue
                cut = calendar_end
        else:
            cut = calendar_end
        deaths = 0.0
        for i in range(size):
            window = cut - entry[i]
            if window <= 0.0:
                time[i] = 0.0
                event[i] = False
                continue
            # compare on the calendar scale, as the cut-off itself was computed
            happened = event_time[i] <= censor_time[i] and entry[i] + event_time[i] <= cut
            time[i] = event_time[i] if happened else min(censor_time[i], window)
            event[i] = happened
            deaths += event[i]
        order = argsort_times(time)
        observed, expected, variance = logrank_sorted_trial(time, event, group, order)
        benefit = (expected - observed) / np.sqrt(variance) if variance > 0.0 else 0.0
        events_at_stop = deaths
        rejected = abs(benefit) >= critical[k] if two_sided else benefit >= critical[k]
        if rejected:
            return k, events_at_stop, cut
    return -1, events_at_stop, cut


@njit(parallel=True, cache=True)
def run_looks(
    entry: NDArray[np.float64],
    event_time: NDArray[np.float64],
    censor_time: NDArray[np.float64],
    group: NDArray[np.int8],
    targets: NDArray[np.int64],
    calendar_end: float,
    critical: NDArray[np.float64],
    two_sided: bool,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:  # pragma: no cover
    """Analyse every trial (row) at its looks and stop at the first rejection.

    Parameters
    ----------
    entry, event_time, censor_time
        Per trial × patient: calendar entry, time from entry to the endpoint event, time from
        entry to whatever would censor it first (dropout, competing death).
    group
        0 control, 1 experimental, per patient.
    targets
        Events that trigger each look; 0 means the look is at ``calendar_end``.
    calendar_end
        Calendar month of the final analysis when it is time-driven (0 if event-driven); an
        event-driven interim that would fall after it is skipped.
    critical
        Critical z-value of each look (benefit of the experimental arm is positive).
    two_sided
        Reject on |z| rather than on z.

    Returns
    -------
    tuple of ndarray
        Look of rejection (−1 for none), events at the last analysis done, its calendar time.
    """
    trials = entry.shape[0]
    look = np.empty(trials, dtype=np.int64)
    events = np.empty(trials)
    duration = np.empty(trials)
    for r in prange(trials):
        k, d, c = _one_trial(
            entry[r],
            event_time[r],
            censor_time[r],
            group,
            targets,
            calendar_end,
            critical,
            two_sided,
        )
        look[r] = k
        events[r] = d
        duration[r] = c
    return look, events, duration
