"""Compiled core of the trial simulator: draw, censor and test every trial in one pass.

Each trial is simulated start to finish by one thread, with a few arrays of scratch reused
across the trials of a task: its patients' times are drawn from the counter-based generator
(:mod:`metsor.design._philox`), cut off at each look, sorted and scanned by the log-rank. The
compiled function releases the GIL, so the tasks run on plain Python threads.
Patient ``i`` of trial ``r`` in a block keyed (k0, k1, word) draws entry and death from counter
(i, r, 0, word) and, when the scenario needs them, dropout and progression from counter
(i, r, 1, word): a trial's data depend on its key and position only.

With an assessment schedule (``scan_days`` > 0) progression is seen only at a tumour
assessment: latent times are taken to whole days (day ``ceil(t * 30.4375)``, at least 1), the
k-th assessment (k ≥ 1) is on day ``floor(k * scan_days + 0.5)``, progression is seen at the
first assessment on or after it, and follow-up without an event ends at the last assessment
as in :mod:`metsor.endpoints.time_to_event`. A death without progression censors time to
progression at the last assessment on or before it (``TTP_DEATH_CODES["last_adequate_assessment"]``,
the protocol's default) or at the death day (``TTP_DEATH_CODES["death"]``); in continuous time
there are no assessments and such a death always censors at death, as rpact simulates it.

A design with futility bounds stops a trial for futility at an interim look whose z is at or
below the bound, |z| below it when two-sided (:func:`metsor.design.boundaries.crosses_futility`,
the rule :func:`metsor.design.interim.interim_analysis` applies to an observed look). With binding
bounds the trial stops there; with non-binding ones it is followed on to the end as well, so
that one pass tells both what the trial does when the bounds are obeyed and whether it would
have rejected had they been ignored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from metsor.design._philox import exponential, philox4x32, uniform
from metsor.design.boundaries import crosses_futility
from metsor.errors import InputError
from metsor.stats._sort_kernels import GROUP_1, logrank_sorted_kernel, sort_pairs
from metsor.stats.batch import on_threads

__all__ = [
    "DAYS_PER_MONTH",
    "ENDPOINT_CODES",
    "OUTCOME_COLUMNS",
    "TRIALS_PER_TASK",
    "TTP_DEATH_CODES",
    "TrialDesign",
    "censor_at_scans",
    "draw_scheduled_trial",
    "draw_trial",
    "run_blocks",
    "simulate_trials",
]

ENDPOINT_CODES = {"os": 0, "ttp": 1, "pfs": 2}
"""Endpoint of the kernel: death, progression (death censors), the first of the two."""
DAYS_PER_MONTH = 30.4375
"""Days in a month (365.25 / 12), as in :mod:`metsor.endpoints.censoring`."""
TRIALS_PER_TASK = 1024
"""Trials a thread simulates in one go, with one set of scratch arrays."""
TTP_DEATH_CODES = {"last_adequate_assessment": 0, "death": 1}
"""Where time to progression, seen at assessments, censors a death without progression: the
options of :attr:`metsor.protocol.model.EndpointRules.ttp_death_censoring`."""
OUTCOME_COLUMNS = (
    "reject_look",
    "events",
    "cutoff",
    "z",
    "futility_look",
    "futility_events",
    "futility_cutoff",
    "early_final_look",
)
"""Columns of the kernel's outcome, one row per trial: the look that rejected H0 (−1 none;
with non-binding futility bounds, also after a futility crossing; the final look when the
final analysis came early), events, calendar cut-off and z of the last analysis done, then
the first interim look whose z crossed the futility bound (−1 none) with the events and
cut-off of that look (those of the last analysis when none), and the interim look whose
events the planned end of follow-up came before, so that the analysis then was the final one
(−1 none)."""


_crosses_futility = njit(cache=True, nogil=True)(crosses_futility)


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
        Calendar month of the final analysis when it is time-driven (0 if event-driven). An
        interim look whose events would come at or after it is not held: the analysis at
        ``calendar_end`` is then the final one, with the bound of ``final_critical``.
    critical
        Critical z-value of each look (benefit of the experimental arm is positive).
    final_critical
        The final look's critical value after the first j interim looks (entry j), for a
        final analysis that comes before interim look j's events; None: ``critical[-1]``
        whatever came before (see :func:`metsor.design.boundaries.early_final_bounds`).
    two_sided
        Reject on |z| rather than on z.
    scan_days
        Days between tumour assessments (0: progression is seen in continuous time).
    ttp_death
        One of ``TTP_DEATH_CODES``: where time to progression seen at assessments censors a
        death without progression (default the last assessment on or before it).
    futility
        Futility bound of each look (−inf: none; the last look's is not used), or None for
        none at all.
    binding_futility
        Whether a futility crossing ends the trial (binding bounds); otherwise the trial is
        also followed past it.
    """

    group: NDArray[np.int8]
    rates: NDArray[np.float64]
    accrual: float
    endpoint: int
    targets: NDArray[np.int64]
    calendar_end: float
    critical: NDArray[np.float64]
    two_sided: bool
    scan_days: float = 0.0
    ttp_death: int = TTP_DEATH_CODES["last_adequate_assessment"]
    futility: NDArray[np.float64] | None = None
    binding_futility: bool = False
    final_critical: NDArray[np.float64] | None = None

    def futility_bounds(self) -> NDArray[np.float64]:
        """The futility bound of each look as the kernel reads it: −inf where there is none."""
        if self.futility is None:
            return np.full(np.asarray(self.targets).size, -np.inf)
        return np.asarray(self.futility, dtype=np.float64)

    def final_bounds(self) -> NDArray[np.float64]:
        """The final look's bound after each number of interim looks, as the kernel reads it."""
        if self.final_critical is None:
            return np.full(np.asarray(self.targets).size, np.asarray(self.critical)[-1])
        return np.asarray(self.final_critical, dtype=np.float64)

    def check(self) -> None:
        """Raise InputError naming the first field the compiled kernel could not run safely on.

        The kernel indexes ``rates`` (5 entries), ``critical`` (one per look) and its own
        arrays of one entry per patient; it divides by the hazards and counts assessments.
        """
        group = np.asarray(self.group)
        if group.ndim != 1 or group.dtype != np.int8 or np.any((group != 0) & (group != 1)):
            raise InputError("group must be a 1-D int8 array of 0 and 1", field="group")
        if group.size == 0:
            raise InputError("a trial needs at least one patient", field="group")
        rates = np.asarray(self.rates)
        if rates.shape != (5,) or rates.dtype != np.float64 or not np.all(np.isfinite(rates)):
            raise InputError("rates must be 5 finite float64 hazards", field="rates")
        if np.any(rates[:4] <= 0) or rates[4] < 0:
            raise InputError("hazards must be positive (dropout may be 0)", field="rates")
        if not (math.isfinite(self.accrual) and self.accrual > 0):
            raise InputError("accrual must be a positive number of months", field="accrual")
        if self.endpoint not in ENDPOINT_CODES.values():
            raise InputError("endpoint must be a code of ENDPOINT_CODES", field="endpoint")
        self._check_looks()

    def _check_looks(self) -> None:
        targets, critical = np.asarray(self.targets), np.asarray(self.critical)
        if targets.ndim != 1 or targets.size == 0 or targets.dtype != np.int64:
            raise InputError("targets must be a non-empty 1-D int64 array", field="targets")
        if critical.shape != targets.shape or critical.dtype != np.float64:
            raise InputError("critical must have one float64 per look", field="critical")
        if np.any(targets < 0) or np.any(np.isnan(critical)):
            raise InputError("targets must be ≥ 0 and critical values numbers", field="targets")
        if not (math.isfinite(self.calendar_end) and self.calendar_end >= 0):
            raise InputError("calendar_end must be finite and ≥ 0", field="calendar_end")
        if np.any(targets == 0) and self.calendar_end <= 0:
            raise InputError("a time-driven look needs calendar_end > 0", field="calendar_end")
        if not (math.isfinite(self.scan_days) and (self.scan_days == 0 or self.scan_days >= 1)):
            raise InputError("scan_days must be 0 or at least 1 day", field="scan_days")
        if self.ttp_death not in TTP_DEATH_CODES.values():
            raise InputError("ttp_death must be a code of TTP_DEATH_CODES", field="ttp_death")
        futility = self.futility_bounds()
        if futility.shape != targets.shape or futility.dtype != np.float64:
            raise InputError("futility must have one float64 per look", field="futility")
        if np.any(np.isnan(futility)):
            raise InputError("futility bounds must be numbers (−inf: none)", field="futility")
        final = self.final_bounds()
        if final.shape != targets.shape or final.dtype != np.float64 or np.any(np.isnan(final)):
            raise InputError(
                "final_critical must have one float64 per look", field="final_critical"
            )


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
def _whole_days(months: float) -> float:  # pragma: no cover - compiled
    """A latent time in months moved to the end of its day: ``ceil(t * 30.4375)`` (≥ 1) days."""
    if not np.isfinite(months):
        return months
    return float(max(1.0, np.ceil(months * DAYS_PER_MONTH)) / DAYS_PER_MONTH)


@njit(cache=True, nogil=True, error_model="numpy")
def _scan_day(k: int, scan_days: float) -> float:  # pragma: no cover - compiled
    """Day of the ``k``-th scheduled assessment: ``k * scan_days`` to the nearest day."""
    return float(np.floor(k * scan_days + 0.5))


_MAX_SCANS = 2.0**40
"""More assessments than any trial has: an index beyond it means "never" (the time is inf)."""


@njit(cache=True, nogil=True, error_model="numpy")
def _first_scan_on_or_after(months: float, scan_days: float) -> float:  # pragma: no cover
    """Months to the first scheduled assessment on or after whole-day time ``months``."""
    day = np.round(months * DAYS_PER_MONTH)
    estimate = day / scan_days
    if not estimate < _MAX_SCANS:  # inf, nan or beyond any schedule: never seen
        return np.inf
    k = max(1, int(np.ceil(estimate)))
    while k > 1 and _scan_day(k - 1, scan_days) >= day:
        k -= 1
    while _scan_day(k, scan_days) < day:
        k += 1
    return _scan_day(k, scan_days) / DAYS_PER_MONTH


@njit(cache=True, nogil=True, error_model="numpy")
def draw_scheduled_trial(
    key: NDArray[np.uint32],
    trial: int,
    group: NDArray[np.int8],
    rates: NDArray[np.float64],
    accrual: float,
    endpoint: int,
    scan_days: float,
    entry: NDArray[np.float64],
    event_time: NDArray[np.float64],
    censor_time: NDArray[np.float64],
    death: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """Draw trial ``trial`` as :func:`draw_trial` does, its progression seen at assessments.

    The latent times are those of :func:`draw_trial`, taken to whole days. For time to
    progression ``event_time`` is the first assessment on or after progression and
    ``censor_time`` the first of dropout and death; for progression-free survival
    ``event_time`` is the first of that assessment and death, and ``censor_time`` dropout. An
    event is seen when it comes no later than ``censor_time`` (an assessment on the day of
    death or dropout still counts). ``death`` receives the day of death, in months.
    """
    draw_trial(key, trial, group, rates, accrual, 0, entry, death, censor_time)
    row = np.uint32(trial)
    k0, k1, word = key[0], key[1], key[2]
    progression_0, progression_1 = rates[2], rates[3]
    for i in range(group.shape[0]):
        death[i] = _whole_days(death[i])
        dropout = _whole_days(censor_time[i])
        if endpoint == 0:
            event_time[i] = death[i]
            censor_time[i] = dropout
            continue
        _, _, y2, y3 = philox4x32(np.uint32(i), row, np.uint32(1), word, k0, k1)
        latent = exponential(y2, y3) / (progression_1 if group[i] else progression_0)
        seen = _first_scan_on_or_after(_whole_days(latent), scan_days)
        if endpoint == 1:
            event_time[i] = seen
            censor_time[i] = min(dropout, death[i])
        else:
            event_time[i] = min(seen, death[i])
            censor_time[i] = dropout


@njit(cache=True, nogil=True, error_model="numpy")
def _scan_fits(
    k: int, limit: float, entry: float, cut: float, scan_days: float
) -> bool:  # pragma: no cover - compiled
    """Whether the ``k``-th assessment comes no later than ``limit`` and the cut-off."""
    at = _scan_day(k, scan_days) / DAYS_PER_MONTH
    return not (at > limit or entry + at > cut)


@njit(cache=True, nogil=True, error_model="numpy")
def _last_scan(
    limit: float, entry: float, cut: float, scan_days: float
) -> float:  # pragma: no cover - compiled
    """Months to the last assessment no later than ``limit`` and the cut-off (0 when none).

    The largest k ≥ 1 whose assessment fits (the test is monotone in k): a few steps from its
    estimate, else (where rounding at huge calendar times defeats the estimate) a bisection
    over every possible k — never one step per assessment of a long follow-up.
    """
    estimate = min(limit, cut - entry) * DAYS_PER_MONTH / scan_days
    k = int(min(max(estimate, 0.0), _MAX_SCANS)) if estimate == estimate else 0
    for _ in range(4):
        if k >= 1 and not _scan_fits(k, limit, entry, cut, scan_days):
            k -= 1
        elif k < _MAX_SCANS and _scan_fits(k + 1, limit, entry, cut, scan_days):
            k += 1
        else:
            return _scan_day(k, scan_days) / DAYS_PER_MONTH if k >= 1 else 0.0
    fits, beyond = 0, int(_MAX_SCANS) + 1  # k = 0 (no assessment) always "fits"
    while beyond - fits > 1:
        middle = (fits + beyond) // 2
        if _scan_fits(middle, limit, entry, cut, scan_days):
            fits = middle
        else:
            beyond = middle
    return _scan_day(fits, scan_days) / DAYS_PER_MONTH if fits >= 1 else 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def censor_at_scans(
    cut: float,
    entry: NDArray[np.float64],
    event_time: NDArray[np.float64],
    censor_time: NDArray[np.float64],
    death: NDArray[np.float64],
    endpoint: int,
    scan_days: float,
    ttp_death: int,
    group: NDArray[np.int8],
    time: NDArray[np.float64],
    code: NDArray[np.uint8],
) -> int:  # pragma: no cover - compiled
    """:func:`_censor_at` for draws of :func:`draw_scheduled_trial`; events seen.

    Follow-up without an event ends at the last assessment no later than ``censor_time`` and
    the cut-off: for time to progression ``censor_time`` is the first of dropout and death, so
    a death without progression censors at the last assessment on or before it; with
    ``ttp_death`` ``TTP_DEATH_CODES["death"]`` a death seen before the cut-off censors at the
    death day instead.
    """
    at_death = endpoint == 1 and ttp_death == 1
    events = 0
    for i in range(entry.shape[0]):
        window = cut - entry[i]
        entered = window > 0.0
        happened = entered & (event_time[i] <= censor_time[i]) & (entry[i] + event_time[i] <= cut)
        if happened:
            time[i] = event_time[i]
        elif not entered:
            time[i] = 0.0
        elif at_death and death[i] <= censor_time[i] and entry[i] + death[i] <= cut:
            time[i] = death[i]
        else:
            time[i] = _last_scan(censor_time[i], entry[i], cut, scan_days)
        code[i] = happened + GROUP_1 * group[i]
        events += happened
    return events


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
    sort_pairs(calendar, code, events, 0.0, end_of_follow_up, sorted_calendar, sorted_code, scratch)
    return events, end_of_follow_up


@njit(cache=True, nogil=True, error_model="numpy")
def _futility_row(out: NDArray[np.float64]) -> None:  # pragma: no cover - compiled
    """Without a futility crossing, its events and cut-off are those of the last analysis."""
    if out[4] < 0:
        out[5], out[6] = out[1], out[2]


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
    death: NDArray[np.float64],
    endpoint: int,
    scan_days: float,
    ttp_death: int,
    futility: NDArray[np.float64],
    binding: bool,
    final_critical: NDArray[np.float64],
    work: NDArray[np.float64],
    codes: NDArray[np.uint8],
    scratch: NDArray[np.intp],
    out: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """Looks of one trial up to the first rejection (or binding futility stop), into ``out``.

    ``out`` receives the row of :data:`OUTCOME_COLUMNS`.
    """
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
    out[4] = -1.0
    out[7] = -1.0
    for k in range(looks):
        cut = calendar_end
        bound = critical[k]
        final = k == looks - 1
        if targets[k] > 0:
            wanted = min(targets[k], size)
            # wanted ≥ 1 keeps the index inside the calendar (a trial without patients has none)
            cut = calendar[wanted - 1] if 1 <= wanted <= events else end_of_follow_up
            if calendar_end > 0.0 and cut >= calendar_end:
                # the planned end of follow-up comes first: the analysis then is the final one
                cut = calendar_end
                if not final:
                    bound = final_critical[k]
                    final = True
                    out[7] = k
        if scan_days > 0.0:
            deaths = censor_at_scans(
                cut,
                entry,
                event_time,
                censor_time,
                death,
                endpoint,
                scan_days,
                ttp_death,
                group,
                time,
                code,
            )
        else:
            deaths = _censor_at(cut, entry, event_time, censor_time, group, time, code)
        # every follow-up time lies in [0, cut]
        sort_pairs(time, code, size, 0.0, cut, sorted_time, sorted_code, scratch)
        observed, expected, variance = logrank_sorted_kernel(sorted_time, sorted_code, size)
        z = (expected - observed) / np.sqrt(variance) if variance > 0.0 else 0.0
        out[1], out[2], out[3] = float(deaths), cut, z
        if (abs(z) if two_sided else z) >= bound:
            out[0] = looks - 1 if final else k
            _futility_row(out)
            return
        if final:
            break
        if out[4] < 0 and _crosses_futility(z, futility[k], two_sided):
            out[4], out[5], out[6] = k, float(deaths), cut
            if binding:
                out[0] = -1.0
                return
    out[0] = -1.0
    _futility_row(out)


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
    scan_days: float,
    ttp_death: int,
    futility: NDArray[np.float64],
    binding: bool,
    final_critical: NDArray[np.float64],
    outcome: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """Simulate trials ``start`` to ``stop`` − 1 of the block keyed ``key``, into ``outcome``.

    ``outcome`` has a row per trial of the block, the columns of :data:`OUTCOME_COLUMNS`: look
    of rejection (−1 for none), events at the last analysis done, its calendar time, its
    log-rank z (positive for a benefit), the first futility crossing (−1 for none) with
    its events and calendar time, and the interim look a final analysis came before (−1 none).
    ``scan_days`` > 0 draws with :func:`draw_scheduled_trial` (progression seen at assessments,
    a death without progression censoring time to progression as ``ttp_death`` says).
    """
    size = group.shape[0]
    patients = np.empty((4, size))
    entry, event_time, censor_time, death = patients[0], patients[1], patients[2], patients[3]
    work = np.empty((3, size))
    codes = np.empty((2, size), dtype=np.uint8)
    scratch = np.empty(3 * size, dtype=np.intp)
    for r in range(start, stop):
        if scan_days > 0.0:
            draw_scheduled_trial(
                key,
                r,
                group,
                rates,
                accrual,
                endpoint,
                scan_days,
                entry,
                event_time,
                censor_time,
                death,
            )
        else:
            draw_trial(key, r, group, rates, accrual, endpoint, entry, event_time, censor_time)
        _analyse_trial(
            entry,
            event_time,
            censor_time,
            group,
            targets,
            calendar_end,
            critical,
            two_sided,
            death,
            endpoint,
            scan_days,
            ttp_death,
            futility,
            binding,
            final_critical,
            work,
            codes,
            scratch,
            outcome[r],
        )


def run_blocks(
    keys: NDArray[np.uint32],
    trials: Sequence[int],
    design: TrialDesign,
    threads: int | None = None,
) -> list[NDArray[np.float64]]:
    """Simulate and analyse the trials of several blocks, stopping each at its first rejection.

    With futility bounds a trial also stops at its first futility crossing when they bind;
    non-binding ones are followed past it (see :data:`OUTCOME_COLUMNS`).

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
        Per block, one row per trial, the columns of :data:`OUTCOME_COLUMNS`: look of
        rejection (−1 for none), events at the last analysis done, its calendar time, its
        log-rank z (positive for a benefit), the first futility crossing (−1 for none), the
        events and calendar time of that look, and the interim look whose events the planned
        end of follow-up came before (−1 for none).

    Raises
    ------
    InputError
        If the design, keys or trials are not what the compiled kernel can run on.
    """
    design.check()
    keys = np.asarray(keys)
    if keys.ndim != 2 or keys.shape[1] != 3 or keys.dtype != np.uint32:
        raise InputError("keys must be a (blocks, 3) uint32 array", field="keys")
    if len(trials) != keys.shape[0] or any(
        isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0 for n in trials
    ):
        raise InputError("trials must be one count ≥ 0 per block", field="trials")
    outcomes = [np.empty((n, len(OUTCOME_COLUMNS))) for n in trials]
    futility = design.futility_bounds()
    final_critical = design.final_bounds()
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
            design.scan_days,
            design.ttp_death,
            futility,
            design.binding_futility,
            final_critical,
            outcomes[b],
        )

    on_threads(run, tasks, threads)
    return outcomes
