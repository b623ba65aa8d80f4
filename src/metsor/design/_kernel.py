"""Compiled core of the trial simulator: draw, censor and test every trial in one pass.

Each trial is simulated start to finish by one thread, with a few arrays of scratch reused
across the trials of a task: its patients' times are drawn from the counter-based generator
(:mod:`metsor.design._philox`), cut off at each look, sorted and scanned by the log-rank. The
compiled function releases the GIL, so the tasks run on plain Python threads.
Patient ``i`` of trial ``r`` in a block keyed (k0, k1, word) draws entry and death from counter
(i, r, 0, word) and, when the scenario needs them, dropout and progression from counter
(i, r, 1, word): a trial's data depend on its key and position only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from metsor.design._philox import exponential, philox4x32, uniform
from metsor.stats.batch import GROUP_1, logrank_sorted, on_threads, sort_by_time

__all__ = [
    "ENDPOINT_CODES",
    "TRIALS_PER_TASK",
    "TrialDesign",
    "draw_trial",
    "run_blocks",
    "simulate_trials",
]

ENDPOINT_CODES = {"os": 0, "ttp": 1, "pfs": 2}
"""Endpoint of the kernel: death, progression (death censors), the first of the two."""
TRIALS_PER_TASK = 1024
"""Trials a thread simulates in one go, with one set of scratch arrays."""


@dataclass(frozen=True)
class TrialDesign:
    """What every trial of a scenario shares: arms, hazards, looks and bounds.

    Attributes
    ----------
    group
        0 control, 1 experimental, per patient.
    rates
        Monthly hazards: death (control, experimental), progression (control,
        experimental), dropout.
    accrual
        Months of uniform accrual.
    endpoint
        One of ``ENDPOINT_CODES``.
    targets
        Events that trigger each look; 0 means the look is at ``calendar_end``.
    calendar_end
        Calendar month of the final analysis when it is time-driven (0 if event-driven); an
        event-driven interim that would fall after it is skipped.
    critical
        Critical z-value of each look (benefit of the experimental arm is positive).
    two_sided
        Reject on |z| rather than on z.
    """

    group: NDArray[np.int8]
    rates: NDArray[np.float64]
    accrual: float
    endpoint: int
    targets: NDArray[np.int64]
    calendar_end: float
    critical: NDArray[np.float64]
    two_sided: bool


@njit(cache=True, nogil=True, error_model="numpy")
def draw_trial(
    key: NDArray[np.uint32],
    trial: int,
    group: NDArray[np.int8],
    rates: NDArray[np.float64],
    accrual: float,
    endpoint: int,
    entry: NDArray[np.float64],
    event_time: NDArray[np.float64],
    censor_time: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """Draw the patients of trial ``trial`` of the block keyed ``key`` into the three arrays.

    Parameters
    ----------
    key
        (k0, k1, word) of the block.
    trial
        Trial's index within its block.
    group
        0 control, 1 experimental, per patient.
    rates
        Monthly hazards: death (control, experimental), progression (control, experimental),
        dropout.
    accrual
        Months of uniform accrual.
    endpoint
        One of ``ENDPOINT_CODES``.
    entry, event_time, censor_time
        Filled: calendar entry, time from entry to the endpoint event, and to whatever would
        censor it first (dropout, or death for time to progression); ``inf`` when nothing does.
    """
    k0, k1, word = key[0], key[1], key[2]
    row = np.uint32(trial)
    # arm by select rather than by indexing rates with the group: the loops then vectorize
    death_0, death_1, progression_0, progression_1, dropout_rate = rates[:5]
    for i in range(group.shape[0]):
        x0, x1, x2, x3 = philox4x32(np.uint32(i), row, np.uint32(0), word, k0, k1)
        entry[i] = accrual * uniform(x0, x1)
        event_time[i] = exponential(x2, x3) / (death_1 if group[i] else death_0)
    if endpoint == 0 and dropout_rate == 0.0:
        censor_time[:] = np.inf
        return
    for i in range(group.shape[0]):
        y0, y1, y2, y3 = philox4x32(np.uint32(i), row, np.uint32(1), word, k0, k1)
        dropout = exponential(y0, y1) / dropout_rate if dropout_rate > 0.0 else np.inf
        if endpoint == 0:
            censor_time[i] = dropout
            continue
        death = event_time[i]
        progression = exponential(y2, y3) / (progression_1 if group[i] else progression_0)
        if endpoint == 1:
            event_time[i] = progression
            censor_time[i] = min(dropout, death)
        else:
            event_time[i] = min(progression, death)
            censor_time[i] = dropout


@njit(cache=True, nogil=True, error_model="numpy")
def _censor_at(
    cut: float,
    entry: NDArray[np.float64],
    event_time: NDArray[np.float64],
    censor_time: NDArray[np.float64],
    group: NDArray[np.int8],
    time: NDArray[np.float64],
    code: NDArray[np.uint8],
) -> int:  # pragma: no cover - compiled
    """Follow-up and event/group code of each patient at data cut-off ``cut``; events seen."""
    deaths = 0
    for i in range(entry.shape[0]):
        window = cut - entry[i]
        entered = window > 0.0
        # compare on the calendar scale, as the cut-off itself was computed
        happened = entered & (event_time[i] <= censor_time[i]) & (entry[i] + event_time[i] <= cut)
        followed = min(censor_time[i], window) if entered else 0.0
        time[i] = event_time[i] if happened else followed
        code[i] = happened + GROUP_1 * group[i]
        deaths += happened
    return deaths


@njit(cache=True, nogil=True, error_model="numpy")
def _event_calendar(
    entry: NDArray[np.float64],
    event_time: NDArray[np.float64],
    censor_time: NDArray[np.float64],
    calendar: NDArray[np.float64],
    code: NDArray[np.uint8],
    sorted_calendar: NDArray[np.float64],
    sorted_code: NDArray[np.uint8],
    scratch: NDArray[np.intp],
) -> tuple[int, float]:  # pragma: no cover - compiled
    """Sort the calendar times of the events that would happen; their count, end of follow-up."""
    events = 0
    end_of_follow_up = 0.0
    for i in range(entry.shape[0]):
        end_of_follow_up = max(end_of_follow_up, entry[i] + min(event_time[i], censor_time[i]))
        if event_time[i] <= censor_time[i]:
            calendar[events] = entry[i] + event_time[i]
            code[events] = 0
            events += 1
    sort_by_time(
        calendar, code, events, 0.0, end_of_follow_up, sorted_calendar, sorted_code, scratch
    )
    return events, end_of_follow_up


@njit(cache=True, nogil=True, error_model="numpy")
def _analyse_trial(
    entry: NDArray[np.float64],
    event_time: NDArray[np.float64],
    censor_time: NDArray[np.float64],
    group: NDArray[np.int8],
    targets: NDArray[np.int64],
    calendar_end: float,
    critical: NDArray[np.float64],
    two_sided: bool,
    work: NDArray[np.float64],
    codes: NDArray[np.uint8],
    scratch: NDArray[np.intp],
) -> tuple[int, float, float, float]:  # pragma: no cover - compiled
    """Looks of one trial up to the first rejection: look (−1 none), events, cut-off, z."""
    size = entry.shape[0]
    time, sorted_time, calendar = work[0], work[1], work[2]
    code, sorted_code = codes[0], codes[1]
    events = 0
    end_of_follow_up = 0.0
    if targets.max() > 0:
        events, end_of_follow_up = _event_calendar(
            entry, event_time, censor_time, time, code, calendar, sorted_code, scratch
        )
    looks = targets.shape[0]
    deaths = 0
    cut = calendar_end
    z = 0.0
    for k in range(looks):
        cut = calendar_end
        if targets[k] > 0:
            wanted = min(targets[k], size)
            cut = calendar[wanted - 1] if events >= wanted else end_of_follow_up
            if calendar_end > 0.0 and cut >= calendar_end:
                if k < looks - 1:
                    continue
                cut = calendar_end
        deaths = _censor_at(cut, entry, event_time, censor_time, group, time, code)
        # every follow-up time lies in [0, cut]
        sort_by_time(time, code, size, 0.0, cut, sorted_time, sorted_code, scratch)
        observed, expected, variance = logrank_sorted(sorted_time, sorted_code, size)
        z = (expected - observed) / np.sqrt(variance) if variance > 0.0 else 0.0
        if (abs(z) if two_sided else z) >= critical[k]:
            return k, float(deaths), cut, z
    return -1, float(deaths), cut, z


@njit(cache=True, nogil=True, error_model="numpy")
def simulate_trials(
    key: NDArray[np.uint32],
    start: int,
    stop: int,
    group: NDArray[np.int8],
    rates: NDArray[np.float64],
    accrual: float,
    endpoint: int,
    targets: NDArray[np.int64],
    calendar_end: float,
    critical: NDArray[np.float64],
    two_sided: bool,
    outcome: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """Simulate trials ``start`` to ``stop`` − 1 of the block keyed ``key``, into ``outcome``.

    ``outcome`` has a row per trial of the block: look of rejection (−1 for none), events at
    the last analysis done, its calendar time, and its log-rank z (positive for a benefit).
    """
    size = group.shape[0]
    patients = np.empty((3, size))
    entry, event_time, censor_time = patients[0], patients[1], patients[2]
    work = np.empty((3, size))
    codes = np.empty((2, size), dtype=np.uint8)
    scratch = np.empty(3 * size, dtype=np.intp)
    for r in range(start, stop):
        draw_trial(key, r, group, rates, accrual, endpoint, entry, event_time, censor_time)
        look, events, cutoff, z = _analyse_trial(
            entry,
            event_time,
            censor_time,
            group,
            targets,
            calendar_end,
            critical,
            two_sided,
            work,
            codes,
            scratch,
        )
        outcome[r, 0] = look
        outcome[r, 1] = events
        outcome[r, 2] = cutoff
        outcome[r, 3] = z


def run_blocks(
    keys: NDArray[np.uint32],
    trials: Sequence[int],
    design: TrialDesign,
    threads: int | None = None,
) -> list[NDArray[np.float64]]:
    """Simulate and analyse the trials of several blocks, stopping each at its first rejection.

    The blocks are cut into tasks of ``TRIALS_PER_TASK`` trials that ``threads`` threads
    (numba's thread count by default) run through the compiled kernel, which releases the GIL.

    Parameters
    ----------
    keys
        (k0, k1, word) of each block, one row per block.
    trials
        Trials in each block.
    design
        Arms, hazards, looks and bounds of the trial.
    threads
        Threads to run on.

    Returns
    -------
    list of ndarray
        Per block, one row per trial: look of rejection (−1 for none), events at the last
        analysis done, its calendar time, and its log-rank z (positive for a benefit).
    """
    outcomes = [np.empty((n, 4)) for n in trials]
    tasks = [
        (b, start, min(start + TRIALS_PER_TASK, n))
        for b, n in enumerate(trials)
        for start in range(0, n, TRIALS_PER_TASK)
    ]

    def run(task: tuple[int, int, int]) -> None:
        b, start, stop = task
        simulate_trials(
            keys[b],
            start,
            stop,
            design.group,
            design.rates,
            design.accrual,
            design.endpoint,
            design.targets,
            design.calendar_end,
            design.critical,
            design.two_sided,
            outcomes[b],
        )

    on_threads(run, tasks, threads)
    return outcomes
