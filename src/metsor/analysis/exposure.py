"""Exposure to the study drugs and relative dose intensity, per subject and drug.

From the dosing events up to the data cut-off (any record with the attributes of
:class:`DosingEvent`, such as :class:`metsor.services.trial_data.DoseRecord`):

1. Treatment starts at the first ``start`` and ends at the last ``discontinue`` when the drug's
   last event is one; otherwise at the data cut-off, or the death or withdrawal before it.
2. Each event sets the daily dose in force until the next (its level's mean daily dose; 0 from
   an interruption until the drug resumes).
3. Duration of exposure is the days from start to end (at least 1); the cumulative dose the
   sum of daily dose × days; relative dose intensity the cumulative dose over the full daily
   dose × duration.

References
----------
Hryniuk WM, Goodyear M. The calculation of received dose intensity. J Clin Oncol
1990;8:1935–1937.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from metsor.endpoints import DAYS_PER_MONTH

__all__ = [
    "DosingEvent",
    "DrugExposure",
    "ExposureSummary",
    "drug_exposures",
    "summarise_exposure",
    "treatment_ends",
]


class DosingEvent(Protocol):
    """What the computation reads of one dosing event (``event``: start, reduce, interrupt,
    resume, discontinue; ``daily_mg``: the daily dose in force from ``on``)."""

    @property
    def subject_id(self) -> str: ...
    @property
    def arm(self) -> str: ...
    @property
    def drug(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def on(self) -> date: ...
    @property
    def daily_mg(self) -> float: ...


@dataclass(frozen=True)
class DrugExposure:
    """One subject's exposure to one drug."""

    subject_id: str
    arm: str
    drug: str
    days: int
    cumulative_mg: float
    relative_dose_intensity: float
    reduced: bool
    interrupted: bool
    discontinued: bool


@dataclass(frozen=True)
class ExposureSummary:
    """Exposure to one drug in one arm."""

    arm: str
    drug: str
    treated: int
    median_months: float
    median_rdi: float
    reduced: int
    interrupted: int
    discontinued: int


def treatment_ends(
    subjects: Iterable[str], as_of: date, stops: Iterable[tuple[str, date]]
) -> dict[str, date]:
    """The last day of treatment of each subject whose drug was not discontinued.

    Parameters
    ----------
    subjects
        The subjects.
    as_of
        The data cut-off (or the day the data were read).
    stops
        ``(subject, day)`` of each death and withdrawal.

    Returns
    -------
    dict of str to date
        Subject → the earliest of ``as_of`` and its deaths and withdrawals.
    """
    ends = dict.fromkeys(subjects, as_of)
    for subject_id, day in stops:
        if subject_id in ends:
            ends[subject_id] = min(ends[subject_id], day)
    return ends


def drug_exposures(
    dosing: Sequence[DosingEvent],
    full_daily_mg: Mapping[str, float],
    ends: Mapping[str, date],
) -> list[DrugExposure]:
    """Exposure per subject and drug.

    Parameters
    ----------
    dosing
        Dosing events, in date order per subject.
    full_daily_mg
        Drug → its full daily dose.
    ends
        Subject → the last day of treatment when the drug was not discontinued (the data
        cut-off, or an earlier death or withdrawal).

    Returns
    -------
    list of DrugExposure
        By subject, then drug.
    """
    by_key: dict[tuple[str, str], list[DosingEvent]] = defaultdict(list)
    for record in dosing:
        by_key[(record.subject_id, record.drug)].append(record)
    result = []
    for (subject_id, drug), events in sorted(by_key.items()):
        starts = [e for e in events if e.event == "start"]
        if not starts or drug not in full_daily_mg:
            continue
        start = starts[0].on
        events = [e for e in events if e.on >= start]
        last = events[-1]
        end = last.on if last.event == "discontinue" else max(ends.get(subject_id, last.on), start)
        days = max((end - start).days, 1)
        cumulative = 0.0
        for current, following in zip(events, [*events[1:], None], strict=True):
            until = end if following is None else min(following.on, end)
            cumulative += current.daily_mg * max((until - current.on).days, 0)
        result.append(
            DrugExposure(
                subject_id=subject_id,
                arm=last.arm,
                drug=drug,
                days=days,
                cumulative_mg=cumulative,
                relative_dose_intensity=cumulative / (full_daily_mg[drug] * days),
                reduced=any(e.event == "reduce" for e in events),
                interrupted=any(e.event == "interrupt" for e in events),
                discontinued=last.event == "discontinue",
            )
        )
    return result


def summarise_exposure(
    exposures: Sequence[DrugExposure], arms: Sequence[str], drugs: Sequence[str]
) -> list[ExposureSummary]:
    """Exposure per arm and drug: treated subjects, median duration (months) and relative
    dose intensity, subjects with a reduction, an interruption, a discontinuation."""
    summaries = []
    for arm in arms:
        for drug in drugs:
            rows = [x for x in exposures if x.arm == arm and x.drug == drug]
            if not rows:
                continue
            summaries.append(
                ExposureSummary(
                    arm=arm,
                    drug=drug,
                    treated=len(rows),
                    median_months=statistics.median(x.days for x in rows) / DAYS_PER_MONTH,
                    median_rdi=statistics.median(x.relative_dose_intensity for x in rows),
                    reduced=sum(x.reduced for x in rows),
                    interrupted=sum(x.interrupted for x in rows),
                    discontinued=sum(x.discontinued for x in rows),
                )
            )
    return summaries
