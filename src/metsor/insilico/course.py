"""Planning a virtual subject's course from their drawn outcome, in the trial's schedule.

Days count from randomization (day 0). The schedule is the casebook's
(:data:`metsor.services.casebook.schedule.METSOR_SCHEDULE`): treatment visits every 4 weeks
with liver panel and vital signs, tumour assessments every 7 weeks, both a few days either side
of the planned day and within their windows; after progression the study drugs stop and
follow-up visits come 30 days later, then every 12 weeks.

From the outcome drawn for the subject's arm (:func:`metsor.design.outcomes.draw_outcomes`):
progression is seen at the first scan on or after its latent time; death is recorded on its
day; a subject who leaves follow-up first withdraws consent or is lost. Nothing is planned
after the data cut-off, death or withdrawal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from metsor.endpoints import DAYS_PER_MONTH
from metsor.insilico.baseline import Baseline
from metsor.insilico.lesions import TumourState, clear_of_threshold
from metsor.insilico.plan import CoursePlan, PlannedEntry, PlannedScan
from metsor.insilico.toxicity import PlannedEvent, plan_toxicity
from metsor.services.casebook.schedule import METSOR_SCHEDULE

__all__ = ["Outcome", "plan_course"]

_NEVER = 1 << 30


@dataclass(frozen=True)
class Outcome:
    """One subject's drawn outcome, months from randomization.

    Attributes
    ----------
    death_months
        Time of death.
    progression_months
        Time of radiological progression; None when death comes first.
    dropout_months
        Time of leaving follow-up; None when never.
    best_response
        ``CR``, ``PR``, ``SD`` or ``PD`` (mRECIST).
    """

    death_months: float
    progression_months: float | None
    dropout_months: float | None
    best_response: str


@dataclass(frozen=True)
class _Days:
    death: int
    progression: int
    left: int
    cut: int

    @property
    def end(self) -> int:
        """First day on which nothing but a death or withdrawal is recorded."""
        return min(self.death, self.left, self.cut + 1)


def _day(months: float | None) -> int:
    if months is None or not math.isfinite(months):
        return _NEVER
    return max(1, math.ceil(months * DAYS_PER_MONTH))


def plan_course(
    *,
    subject_id: str,
    arm: str,
    stratum: str,
    site: str,
    randomized_on: date,
    cutoff: date,
    baseline: Baseline,
    outcome: Outcome,
    lost_share: float,
    rng: np.random.Generator,
) -> CoursePlan:
    """Plan every casebook entry of a randomized virtual subject up to the cut-off.

    Parameters
    ----------
    subject_id, arm, stratum, site
        As allocated.
    randomized_on
        Day 0.
    cutoff
        Data cut-off: nothing is planned after it.
    baseline
        The subject's baseline (:func:`metsor.insilico.baseline.plan_baseline`).
    outcome
        The outcome drawn for the subject's arm.
    lost_share
        Probability that a subject leaving follow-up is lost rather than withdrawing consent.
    rng
        Source of randomness.

    Returns
    -------
    CoursePlan
        Baseline and post-randomization entries, scans with their responses, death.
    """
    days = _Days(
        death=_day(outcome.death_months),
        progression=_day(outcome.progression_months),
        left=_day(outcome.dropout_months),
        cut=(cutoff - randomized_on).days,
    )
    if days.left >= days.death:
        days = _Days(days.death, days.progression, _NEVER, days.cut)
    drugs = tuple(d for d in ("sorafenib", "metformin") if d in arm.split("_"))
    scans = _scans(days, outcome.best_response, baseline, rng)
    progression_day = next((day for day, state in scans if state.progression), None)
    treatment_end = days.end if progression_day is None else progression_day
    treatment = _visit_days(28, 2, treatment_end, rng)
    follow_up = _follow_up_days(progression_day, days.end, rng)
    visit_days = [*treatment, *follow_up, *(day for day, _ in scans)]
    events, toxicity = plan_toxicity(
        randomized_on=randomized_on,
        drugs=drugs,
        treatment_visits=treatment,
        treatment_end=treatment_end,
        last_visit=max(visit_days, default=0),
        rng=rng,
    )
    at = _Calendar(randomized_on)
    entries = [*baseline.entries, *toxicity]
    entries += [at.dose(0, drug, "start", level=True) for drug in drugs]
    entries += _scan_entries(at, scans, baseline, drugs, treatment_end)
    entries += _treatment_visit_entries(at, treatment, baseline, events, rng)
    entries += _follow_up_entries(at, follow_up, baseline, rng)
    if progression_day is not None:
        entries += [
            at.dose(progression_day, drug, "discontinue", reason="radiological progression")
            for drug in drugs
        ]
    withdrawal = _end_of_follow_up(at, days, entries, drugs, progression_day, lost_share, rng)
    entries += withdrawal
    death_on = None
    if days.death <= days.cut and days.death < days.left:
        death_on = at(days.death)
        cause = "disease_progression" if progression_day is not None else "other"
        entries.append(PlannedEntry(death_on, "death", {"death_date": death_on, "cause": cause}))
    return CoursePlan(
        subject_id=subject_id,
        arm=arm,
        stratum=stratum,
        site=site,
        randomized_on=randomized_on,
        entries=tuple(sorted(entries, key=lambda e: (e.on, e.order))),
        scans=tuple(PlannedScan(at(day), s.mrecist, s.recist) for day, s in scans),
        death_on=death_on,
        withdrawal_kind=str(withdrawal[-1].fields["kind"]) if withdrawal else None,
    )


class _Calendar:
    """Dates from day numbers, and the entries that need nothing but a date."""

    def __init__(self, day0: date) -> None:
        self.day0 = day0

    def __call__(self, day: int) -> date:
        return self.day0 + timedelta(days=day)

    def dose(
        self,
        day: int,
        drug: str,
        event: str,
        *,
        reason: str | None = None,
        level: bool = False,
    ) -> PlannedEntry:
        """A dosing entry; ``level``: at the drug's full dose."""
        code = {"sorafenib": "400mg_bid", "metformin": "500mg_bid"}[drug] if level else None
        fields = {
            "drug": drug,
            "event": event,
            "event_date": self(day),
            "level": code,
            "reason": reason,
        }
        return PlannedEntry(self(day), "dose", fields)

    def visit(self, day: int, visit_type: str, number: int) -> PlannedEntry:
        fields = {"visit_type": visit_type, "number": number, "actual_date": self(day)}
        return PlannedEntry(self(day), "visit", fields)


def _visit_days(interval: int, jitter: int, before: int, rng: np.random.Generator) -> list[int]:
    days: list[int] = []
    k = 1
    while True:
        day = interval * k + int(rng.integers(-jitter, jitter + 1))
        if day >= before:
            return days
        days.append(day)
        k += 1


def _follow_up_days(progression: int | None, end: int, rng: np.random.Generator) -> list[int]:
    if progression is None:
        return []
    schedule = METSOR_SCHEDULE
    days: list[int] = []
    for j in range(1, 1000):
        planned = (
            progression + schedule.safety_follow_up_days + schedule.survival_interval_days * (j - 1)
        )
        day = planned + int(rng.integers(-3, 4))
        if day >= end:
            break
        days.append(day)
    return days


def _scans(
    days: _Days, best: str, baseline: Baseline, rng: np.random.Generator
) -> list[tuple[int, TumourState]]:
    """The post-baseline scans until progression, death, withdrawal or the cut-off."""
    onset = 1 if rng.random() < 0.7 else 2
    diameter = float(rng.uniform(0.88, 1.0))
    scans: list[tuple[int, TumourState]] = []
    state = TumourState(1.0, 1.0)
    interval = METSOR_SCHEDULE.tumour_interval_days
    for k in range(1, 1000):
        day = interval * k + int(rng.integers(-3, 4))
        if day >= days.end:
            break
        if day >= days.progression:
            scans.append((day, baseline.burden.progression_after(state, rng)))
            break
        if k > 1:
            diameter *= float(rng.uniform(0.95, 1.0))
        state = _next_state(state, diameter, best, responding=k >= onset, rng=rng)
        scans.append((day, state))
    return scans


def _next_state(
    previous: TumourState,
    diameter: float,
    best: str,
    *,
    responding: bool,
    rng: np.random.Generator,
) -> TumourState:
    """The next non-progressing scan: factors never rise, so the nadir is the latest scan."""
    if not responding or best not in ("PR", "CR"):
        factor = min(previous.diameter_factor, max(0.78, diameter))
        return TumourState(factor, factor)
    factor = min(previous.diameter_factor, clear_of_threshold(max(0.5, diameter * 0.85)))
    viable = min(previous.viable_factor, float(rng.uniform(0.35, 0.62)), factor)
    return TumourState(factor, viable, enhancement_gone=best == "CR" or previous.enhancement_gone)


def _scan_entries(
    at: _Calendar,
    scans: list[tuple[int, TumourState]],
    baseline: Baseline,
    drugs: tuple[str, ...],
    treatment_end: int,
) -> list[PlannedEntry]:
    entries = []
    for number, (day, state) in enumerate(scans, start=1):
        entries.append(at.visit(day, "tumour_assessment", number))
        fields = {
            "assessed_on": at(day),
            "lesions": baseline.burden.lesions(state),
            "method": baseline.imaging,
            "non_target_status": baseline.burden.non_target_status(state),
            "new_lesion": state.new_lesion_mm is not None,
        }
        entries.append(PlannedEntry(at(day), "tumour_assessment", fields))
        if "metformin" in drugs and baseline.imaging == "CT" and day + 2 < treatment_end:
            # metformin is held for iodinated contrast and restarted 48 h later (label)
            hold = "held for iodinated contrast"
            entries.append(at.dose(day, "metformin", "interrupt", reason=hold))
            entries.append(
                at.dose(day + 2, "metformin", "resume", reason="48 h after contrast", level=True)
            )
    return entries


def _treatment_visit_entries(
    at: _Calendar,
    visit_days: list[int],
    baseline: Baseline,
    events: list[PlannedEvent],
    rng: np.random.Generator,
) -> list[PlannedEntry]:
    entries = []
    for number, day in enumerate(visit_days, start=1):
        entries.append(at.visit(day, "treatment", number))
        entries += baseline.liver_panel(at(day), rng)
        grade = max(
            (e.grade for e in events if e.term == "hypertension" and _active(e, day)), default=0
        )
        entries.append(baseline.vital_signs(at(day), hypertension_grade=grade, rng=rng))
    return entries


def _active(event: PlannedEvent, day: int) -> bool:
    return event.onset <= day and (event.resolution is None or day < event.resolution)


def _follow_up_entries(
    at: _Calendar, visit_days: list[int], baseline: Baseline, rng: np.random.Generator
) -> list[PlannedEntry]:
    entries = []
    for number, day in enumerate(visit_days, start=1):
        entries.append(at.visit(day, "follow_up", number))
        entries.append(baseline.vital_signs(at(day), hypertension_grade=0, rng=rng, worse=True))
    return entries


def _end_of_follow_up(
    at: _Calendar,
    days: _Days,
    entries: list[PlannedEntry],
    drugs: tuple[str, ...],
    progression_day: int | None,
    lost_share: float,
    rng: np.random.Generator,
) -> list[PlannedEntry]:
    """Withdrawal of consent (drugs stopped that day) or loss to follow-up, if either."""
    if days.left > days.cut or days.left >= days.death:
        return []
    last_contact = max(e.on for e in entries if e.kind != "death")
    left_on = at(days.left)
    if rng.random() < lost_share:
        fields = {
            "kind": "lost_to_follow_up",
            "withdrawn_on": left_on,
            "reason": "no contact after repeated calls and letters",
            "last_contact_date": last_contact,
        }
        return [PlannedEntry(left_on, "withdrawal", fields)]
    stops = []
    if progression_day is None:
        stops = [
            at.dose(days.left, drug, "discontinue", reason="consent withdrawn") for drug in drugs
        ]
    fields = {
        "kind": "consent_withdrawn",
        "withdrawn_on": left_on,
        "reason": "no longer wishes to take part",
        "last_contact_date": left_on,
    }
    return [*stops, PlannedEntry(left_on, "withdrawal", fields)]
