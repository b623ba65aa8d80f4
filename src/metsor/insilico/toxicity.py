"""Adverse events of sorafenib and the dose changes the label asks for.

Each virtual subject on treatment may have hand-foot skin reaction, diarrhoea, hypertension and
fatigue, with the frequencies and grades reported for sorafenib in advanced HCC. The
sorafenib label's dose modifications follow (Nexavar prescribing information, HCC): a grade 3
skin reaction, diarrhoea or hypertension interrupts the drug, which resumes one level lower
7–14 days later; half of the grade 2 skin reactions and a third of the grade 2 diarrhoeas
that do not improve within 7 days reduce the dose one level (400 mg twice daily → 400 mg once
daily → 200 mg once daily). Metformin is judged possibly related to diarrhoea only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from metsor.insilico.plan import PlannedEntry

__all__ = ["AE_TERMS", "PlannedEvent", "plan_toxicity"]

# term: (probability of any grade, grade 1/2/3 probabilities, onset window in days)
AE_TERMS: dict[str, tuple[float, tuple[float, float, float], tuple[int, int]]] = {
    "hand-foot skin reaction": (0.45, (0.45, 0.35, 0.20), (7, 60)),
    "diarrhoea": (0.40, (0.60, 0.30, 0.10), (7, 90)),
    "hypertension": (0.15, (0.30, 0.50, 0.20), (1, 3)),  # onset at treatment visit 1–3
    "fatigue": (0.25, (0.60, 0.35, 0.05), (14, 120)),
}
"""Sorafenib adverse events. References: Llovet JM et al. NEJM 2008;359:378 (SHARP, table 3);
Cheng AL et al. Lancet Oncol 2009;10:25 (hand-foot skin reaction 45% in Asia-Pacific)."""

_SORAFENIB_STEPS = ("400mg_bid", "400mg_qd", "200mg_qd")
_ACTS_ON_DOSE = ("hand-foot skin reaction", "diarrhoea", "hypertension")
_REDUCE_GRADE_2 = {"hand-foot skin reaction": 0.5, "diarrhoea": 1 / 3}


@dataclass(frozen=True)
class PlannedEvent:
    """An adverse event as planned: term, grade, onset, resolution and sorafenib action."""

    term: str
    grade: int
    onset: int
    resolution: int | None
    action: str


def plan_toxicity(
    *,
    randomized_on: date,
    drugs: tuple[str, ...],
    treatment_visits: list[int],
    treatment_end: int,
    last_visit: int,
    rng: np.random.Generator,
) -> tuple[list[PlannedEvent], list[PlannedEntry]]:
    """Plan the adverse events of a subject on treatment and the dose changes they cause.

    Parameters
    ----------
    randomized_on
        Day 0.
    drugs
        Study drugs of the subject's arm.
    treatment_visits
        Days of the treatment visits (hypertension is found at one of the first three).
    treatment_end
        First day off treatment (progression, death, withdrawal or after the cut-off); events
        start, and dose changes happen, before it.
    last_visit
        Day of the last visit: an event resolved after it is reported not recovered.
    rng
        Source of randomness.

    Returns
    -------
    events, entries
        The events (for vital signs), and the adverse-event and dosing entries.
    """
    events = _draw_events(treatment_visits, treatment_end, last_visit, rng)
    entries: list[PlannedEntry] = []
    step, busy_until = 0, 0
    final: list[PlannedEvent] = []
    for event in sorted(events, key=lambda e: e.onset):
        action = "dose_not_changed"
        if event.term in _ACTS_ON_DOSE and event.onset > busy_until:
            action, step, busy_until, doses = _dose_change(
                event, step, busy_until, treatment_end, randomized_on, rng
            )
            entries.extend(doses)
        final.append(PlannedEvent(event.term, event.grade, event.onset, event.resolution, action))
    entries.extend(_ae_entry(event, randomized_on, drugs) for event in final)
    return final, entries


def _draw_events(
    treatment_visits: list[int], treatment_end: int, last_visit: int, rng: np.random.Generator
) -> list[PlannedEvent]:
    events = []
    for term, (probability, grades, (first, last)) in AE_TERMS.items():
        happens = rng.random() < probability
        grade = int(rng.choice(3, p=grades)) + 1
        if term == "hypertension":
            early = treatment_visits[first - 1 : last]
            onset = int(rng.choice(early)) if early else treatment_end
        else:
            onset = int(rng.integers(first, last + 1))
        lasting = int(rng.integers(7, 22) if grade == 3 else rng.integers(14, 61))
        if not happens or onset >= treatment_end:
            continue
        resolution = onset + lasting if onset + lasting <= last_visit else None
        events.append(PlannedEvent(term, grade, onset, resolution, "dose_not_changed"))
    return events


def _dose_change(
    event: PlannedEvent,
    step: int,
    busy_until: int,
    treatment_end: int,
    day0: date,
    rng: np.random.Generator,
) -> tuple[str, int, int, list[PlannedEntry]]:
    """The sorafenib action for one event: (action, new step, busy until, dosing entries)."""
    reason = f"grade {event.grade} {event.term}"
    if event.grade == 3:
        back = event.onset + int(rng.integers(7, 15))
        entries = [_dose(day0, event.onset, "interrupt", None, reason)]
        if back < treatment_end:
            step = min(step + 1, len(_SORAFENIB_STEPS) - 1)
            entries.append(_dose(day0, back, "resume", _SORAFENIB_STEPS[step], f"{reason} settled"))
        return "drug_interrupted", step, back, entries
    reduce_on = event.onset + 7
    chance = _REDUCE_GRADE_2.get(event.term, 0.0)
    if event.grade == 2 and step < 2 and reduce_on < treatment_end and rng.random() < chance:
        step += 1
        text = f"{reason} not improved within 7 days"
        return (
            "dose_reduced",
            step,
            reduce_on,
            [_dose(day0, reduce_on, "reduce", _SORAFENIB_STEPS[step], text)],
        )
    return "dose_not_changed", step, busy_until, []


def _dose(day0: date, day: int, event: str, level: str | None, reason: str) -> PlannedEntry:
    on = day0 + timedelta(days=day)
    fields = {
        "drug": "sorafenib",
        "event": event,
        "event_date": on,
        "level": level,
        "reason": reason,
    }
    return PlannedEntry(on, "dose", fields)


def _ae_entry(event: PlannedEvent, day0: date, drugs: tuple[str, ...]) -> PlannedEntry:
    relatedness = {
        drug: "probable"
        if drug == "sorafenib"
        else ("possible" if event.term == "diarrhoea" else "unlikely")
        for drug in drugs
    }
    action = {drug: event.action if drug == "sorafenib" else "dose_not_changed" for drug in drugs}
    resolved = event.resolution is not None
    # entered once known: on the day it resolved if it did, else on its onset day
    entered_on = event.onset if event.resolution is None else event.resolution
    return PlannedEntry(
        day0 + timedelta(days=entered_on),
        "adverse_event",
        {
            "term": event.term,
            "grade": event.grade,
            "onset_date": day0 + timedelta(days=event.onset),
            "relatedness": relatedness,
            "action_taken": action,
            "outcome": "recovered" if resolved else "not_recovered",
            "resolution_date": (
                day0 + timedelta(days=event.resolution) if event.resolution is not None else None
            ),
        },
    )
