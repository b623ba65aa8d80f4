"""Planning a virtual subject's course from their drawn outcome, in the trial's schedule.

Days count from randomization (day 0). The schedule and the study drugs are the protocol's
(:func:`metsor.protocol.schedule.visit_schedule`, :meth:`metsor.protocol.Protocol.drugs_of`):
treatment visits with liver panel and vital signs and tumour assessments at their intervals, a
few days either side of the planned day and within their windows; after progression the study
drugs stop and follow-up visits come at the safety and survival intervals. A drug that its
label holds around iodinated contrast is interrupted on the day of a contrast CT and resumed at
its full dose the days after that the label states.

Tumour assessments are sometimes missed: each scheduled one with a chance of 5% (assumption:
no trial of the clinical reference reports a per-scan figure), and a progression then shows at
the next one. The site records a missed scan as not done, with its reason, on the day it would
have been (:mod:`metsor.services.casebook.missed_visits`), and every scan keeps its number in the
schedule, so that the casebook's schedule shows no scan overdue that was in fact missed.
After progression, half of the subjects still followed start a new anticancer
therapy 2 to 8 weeks later — transarterial chemoembolisation, regorafenib or radiotherapy —
so that about four in ten of the arm receive one, as REFLECT's sorafenib arm did (39%
received post-study anticancer therapy; Kudo M et al. Lancet 2018;391:1163); the split between
therapies is an assumption. A share of subjects stop the study drugs for an adverse event
before progression (:mod:`metsor.insilico.toxicity`); their scans go on until progression.

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
from metsor.insilico.presets import DEFAULT_PRESET, ToxicityProfile, toxicity_profile
from metsor.insilico.toxicity import PlannedEvent, plan_toxicity
from metsor.protocol import Protocol, builtin
from metsor.protocol.schedule import VisitSchedule, visit_schedule
from metsor.protocol.treatment import StudyDrug

__all__ = [
    "MISSED_ASSESSMENT_SHARE",
    "MISSED_SCAN_REASON",
    "NEW_THERAPIES",
    "NEW_THERAPY_SHARE",
    "Outcome",
    "plan_course",
]

_NEVER = 1 << 30

MISSED_ASSESSMENT_SHARE = 0.05
"""Chance that a scheduled tumour assessment is missed (assumption)."""

MISSED_SCAN_REASON = "scan not performed: subject did not attend"
"""The reason a missed scan is recorded as not done with."""

NEW_THERAPY_SHARE = 0.5
"""Chance that a subject followed after progression starts a new anticancer therapy: about
39% of all randomized (REFLECT's sorafenib arm, Kudo 2018) with three in four progressing."""

NEW_THERAPIES: tuple[tuple[str, str, float], ...] = (
    ("TACE", "locoregional", 0.45),
    ("regorafenib", "systemic", 0.40),
    ("radiotherapy", "locoregional", 0.15),
)
"""The new anticancer therapy after progression: name, casebook category, share
(assumption; regorafenib is the second-line drug after sorafenib, RESORCE)."""


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
    recist_response
        ``PR``, ``SD`` or ``PD`` (RECIST 1.1); PR only when ``best_response`` is CR or PR.
    """

    death_months: float
    progression_months: float | None
    dropout_months: float | None
    best_response: str
    recist_response: str = "SD"


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
    profile: ToxicityProfile | None = None,
    scan_interval_days: int | None = None,
    protocol: Protocol | None = None,
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
    profile
        Adverse events and dose changes (default: those of the default preset).
    scan_interval_days
        Days between tumour assessments (default: the protocol's schedule's; a published
        trial's own when calibrating against it).
    protocol
        The trial's protocol: arm drugs, dose levels, label holds and visit schedule (default
        the built-in protocol).

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
    trial = protocol or builtin()
    schedule = visit_schedule(trial)
    study = trial.drugs_of(arm)
    drugs = tuple(drug.code for drug in study)
    interval = schedule.tumour_interval_days if scan_interval_days is None else scan_interval_days
    scans, missed = _scans(days, outcome, baseline, interval, rng)
    progression_day = next((day for day, state in scans if state.progression), None)
    treatment_end = days.end if progression_day is None else progression_day
    treatment = _visit_days(schedule.treatment_interval_days, 2, treatment_end, rng)
    follow_up = _follow_up_days(schedule, progression_day, days.end, rng)
    visit_days = [*treatment, *follow_up, *(day for day, _ in scans)]
    toxicity = plan_toxicity(
        randomized_on=randomized_on,
        drugs=study,
        profile=profile or toxicity_profile(DEFAULT_PRESET),
        treatment_visits=treatment,
        treatment_end=treatment_end,
        last_visit=max(visit_days, default=0),
        rng=rng,
    )
    on_drugs_until = treatment_end if toxicity.stopped_on is None else toxicity.stopped_on
    at = _Calendar(randomized_on)
    entries = [*baseline.entries, *toxicity.entries]
    entries += [at.dose(0, drug.code, "start", level=drug.full_dose.code) for drug in study]
    entries += _scan_entries(at, scans, missed, baseline, study, on_drugs_until)
    entries += _treatment_visit_entries(at, treatment, baseline, list(toxicity.events), rng)
    entries += _follow_up_entries(at, follow_up, baseline, rng)
    if progression_day is not None and toxicity.stopped_on is None:
        entries += [
            at.dose(progression_day, drug, "discontinue", reason="radiological progression")
            for drug in drugs
        ]
    therapy = _new_therapy(at, progression_day, days.end, rng)
    entries += therapy
    stopped = toxicity.stopped_on is not None
    withdrawal = _end_of_follow_up(
        at, days, entries, drugs, progression_day is not None or stopped, lost_share, rng
    )
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


_CONTRAST_HOLD = "held for iodinated contrast"


def _after(days: int) -> str:
    return f"{24 * days} h after contrast"


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
        level: str | None = None,
    ) -> PlannedEntry:
        """A dosing entry; ``level``: the dose level code from then on."""
        fields = {
            "drug": drug,
            "event": event,
            "event_date": self(day),
            "level": level,
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


def _follow_up_days(
    schedule: VisitSchedule, progression: int | None, end: int, rng: np.random.Generator
) -> list[int]:
    if progression is None:
        return []
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
    days: _Days,
    outcome: Outcome,
    baseline: Baseline,
    interval: int,
    rng: np.random.Generator,
) -> tuple[list[tuple[int, TumourState]], list[tuple[int, int]]]:
    """The post-baseline scans until progression, death, withdrawal or the cut-off, and the
    scans missed before them (their number in the schedule and the day each would have been)."""
    early = min(days.progression, days.end) <= 2 * interval + 3
    onset = 1 if rng.random() < 0.7 or early else 2
    diameter = float(rng.uniform(0.88, 1.0))
    scans: list[tuple[int, TumourState]] = []
    missed_scans: list[tuple[int, int]] = []
    state = TumourState(1.0, 1.0)
    for k in range(1, 1000):
        day = interval * k + int(rng.integers(-3, 4))
        missed = rng.random() < MISSED_ASSESSMENT_SHARE
        if day >= days.end:
            break
        if missed:
            missed_scans.append((k, day))
            continue
        if day >= days.progression:
            scans.append((day, baseline.burden.progression_after(state, rng)))
            break
        if k > 1:
            diameter *= float(rng.uniform(0.95, 1.0))
        responding = k >= onset and outcome.best_response in ("PR", "CR")
        state = _next_state(state, diameter, outcome, responding=responding, rng=rng)
        scans.append((day, state))
    return scans, missed_scans


def _next_state(
    previous: TumourState,
    diameter: float,
    outcome: Outcome,
    *,
    responding: bool,
    rng: np.random.Generator,
) -> TumourState:
    """The next non-progressing scan: factors never rise, so the nadir is the latest scan.

    A responder by mRECIST loses most of the enhancing (viable) tumour — the viable diameters
    fall to 35–62% of baseline — while the whole diameters, necrotic tumour included, shrink
    less: below RECIST 1.1's 30% only for a responder by both criteria (to 45–66%), and to no
    less than 74% otherwise.
    """
    if not responding:
        factor = min(previous.diameter_factor, max(0.78, diameter))
        return TumourState(factor, min(previous.viable_factor, factor))
    if outcome.recist_response == "PR":
        target = float(rng.uniform(0.45, 0.66))
    else:
        target = max(0.74, diameter * 0.9)
    factor = min(previous.diameter_factor, clear_of_threshold(target))
    viable = min(previous.viable_factor, float(rng.uniform(0.35, 0.62)), factor)
    gone = outcome.best_response == "CR" or previous.enhancement_gone
    return TumourState(factor, viable, enhancement_gone=gone)


def _scan_entries(
    at: _Calendar,
    scans: list[tuple[int, TumourState]],
    missed: list[tuple[int, int]],
    baseline: Baseline,
    drugs: tuple[StudyDrug, ...],
    treatment_end: int,
) -> list[PlannedEntry]:
    entries = [
        PlannedEntry(
            at(day),
            "missed_visit",
            {
                "visit_type": "tumour_assessment",
                "number": number,
                "missed_on": at(day),
                "reason": MISSED_SCAN_REASON,
            },
        )
        for number, day in missed
    ]
    skipped = {number for number, _ in missed}
    numbers = (k for k in range(1, len(scans) + len(missed) + 1) if k not in skipped)
    for number, (day, state) in zip(numbers, scans, strict=False):
        entries.append(at.visit(day, "tumour_assessment", number))
        fields = {
            "assessed_on": at(day),
            "lesions": baseline.burden.lesions(state),
            "method": baseline.imaging,
            "non_target_status": baseline.burden.non_target_status(state),
            "new_lesion": state.new_lesion_mm is not None,
        }
        entries.append(PlannedEntry(at(day), "tumour_assessment", fields))
        if baseline.imaging != "CT":
            continue
        for drug in drugs:
            hold = drug.contrast_hold
            if hold is None or day + hold.resume_after_days >= treatment_end:
                continue
            # held for iodinated contrast and restarted when the label says (eGFR re-checked)
            back = day + hold.resume_after_days
            entries.append(at.dose(day, drug.code, "interrupt", reason=_CONTRAST_HOLD))
            entries.append(
                at.dose(back, drug.code, "resume", reason=_after(hold.resume_after_days),
                        level=drug.full_dose.code)
            )  # fmt: skip
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


def _new_therapy(
    at: _Calendar, progression_day: int | None, end: int, rng: np.random.Generator
) -> list[PlannedEntry]:
    """A new anticancer therapy 2–8 weeks after progression, for some of those followed."""
    starts = rng.random() < NEW_THERAPY_SHARE
    delay = int(rng.integers(14, 57))
    pick = int(rng.choice(len(NEW_THERAPIES), p=[share for *_, share in NEW_THERAPIES]))
    if progression_day is None or not starts or progression_day + delay >= end:
        return []
    name, category, _ = NEW_THERAPIES[pick]
    on = at(progression_day + delay)
    fields = {"name": name, "category": category, "started_on": on}
    return [PlannedEntry(on, "therapy", fields)]


def _end_of_follow_up(
    at: _Calendar,
    days: _Days,
    entries: list[PlannedEntry],
    drugs: tuple[str, ...],
    off_drugs: bool,
    lost_share: float,
    rng: np.random.Generator,
) -> list[PlannedEntry]:
    """Withdrawal of consent (drugs stopped that day) or loss to follow-up, if either."""
    if days.left > days.cut or days.left >= days.death:
        return []
    last_contact = max(e.on for e in entries if e.kind not in ("death", "missed_visit"))
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
    if not off_drugs:
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
