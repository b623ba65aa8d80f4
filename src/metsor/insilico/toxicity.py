"""Adverse events of the study drugs, the dose changes the labels ask for, and stopping for them.

Sorafenib's events are drawn term by term at the rates of the preset
(:func:`metsor.insilico.presets.toxicity_profile`: the Nexavar label's table for HCC), any
grade and grade ≥ 3; below grade 3, grade 1 and 2 come 60:40 (assumption: the label gives no
split). An event starts within the term's usual onset window while the subject is on
treatment, so that the share of subjects with each term is the label's whatever the length of
treatment.

Dose changes follow the Nexavar label (HCC): a grade 3 event related to sorafenib interrupts
it, and it resumes one level lower 7–14 days later; a grade 2
hand-foot skin reaction or diarrhoea not improved within 7 days, or a symptomatic or persistent
grade 2 hypertension (the label's table of dosage modifications), reduces the dose one level with
the preset's chance (400 mg twice daily → 400 mg once daily → 200 mg once daily). A share of
subjects (SHARP: 38%, events of progressive disease included) stop sorafenib for an adverse
event before progression: their first grade ≥ 3 event, else their first grade 2 event, else a
grade 3 general physical health deterioration; the study treatment (metformin too) ends that
day.

In the metformin arm, metformin adds the Glucophage label's events in excess of placebo
(:data:`metsor.insilico.presets.METFORMIN_EXCESS`) as an independent cause within the first
month, mostly grade 1 (grade 1/2/3: 70/28/2%, assumption; a term whose CTCAE v5.0 grades
stop below 3, flatulence, takes its highest grade instead). Hypoglycaemia is uncommon on
metformin alone (label): 0.5% of the arm, grade 1, no dose change (assumption within
"uncommon"). Lactic acidosis is rare (boxed warning): drawn at 3 per 100,000 patient-years
(assumption within "rare"); it stops metformin at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

from metsor.clinical.ctcae import clinical_grades
from metsor.insilico.plan import PlannedEntry
from metsor.insilico.presets import EXCESS_EVENTS, ExcessEvent, ToxicityProfile
from metsor.protocol.treatment import StudyDrug

__all__ = ["ONSET_WINDOWS", "PlannedEvent", "Toxicity", "plan_toxicity"]

ONSET_WINDOWS: dict[str, tuple[int, int]] = {
    "hand-foot skin reaction": (7, 60),
    "diarrhoea": (7, 90),
    "hypertension": (7, 90),
    "fatigue": (14, 120),
    "abdominal pain": (14, 120),
    "weight loss": (28, 150),
    "anorexia": (14, 120),
    "nausea": (7, 90),
    "rash": (7, 60),
    "alopecia": (28, 120),
}
"""Days after the first dose within which a sorafenib event starts (Nexavar label: skin
reactions and diarrhoea mostly in the first 6 weeks; weight loss and alopecia later)."""

DETERIORATION = "general physical health deterioration"
"""The adverse event of progressive disease that stops treatment when no drug event does."""

_ACTS_ON_DOSE = ("hand-foot skin reaction", "diarrhoea", "hypertension")
"""Terms whose grade 2 reduces the dose: hand-foot skin reaction and diarrhoea not improved
within 7 days; symptomatic or persistent grade 2 hypertension, interrupted until it settles and
resumed one level lower (Nexavar prescribing information, 2.2, table of recommended dosage
modifications for adverse reactions: hypertension, grade 2 symptomatic/persistent)."""
_ADDED_DRUG_GRADES = (0.70, 0.28, 0.02)
_HYPOGLYCAEMIA = 0.005
_LACTIC_ACIDOSIS_PER_YEAR = 3e-5


@dataclass(frozen=True)
class PlannedEvent:
    """An adverse event as planned.

    Attributes
    ----------
    term, grade, onset, resolution
        Term, CTCAE grade, day of onset and of resolution (None: not recovered by the last
        visit).
    action
        What was done with the arm's first study drug (CDISC AEACN).
    cause
        ``primary`` (the arm's first study drug), ``added`` (a drug the arm adds to it),
        ``both`` (the drugs judged probably related), or ``disease``.
    """

    term: str
    grade: int
    onset: int
    resolution: int | None
    action: str = "dose_not_changed"
    cause: str = "primary"


@dataclass(frozen=True)
class Toxicity:
    """A subject's adverse events, their casebook entries, and any stop for toxicity.

    Attributes
    ----------
    events
        The events (for vital signs and the calibration).
    entries
        Adverse-event and dosing entries.
    stopped_on
        Day the study treatment was stopped for an adverse event, if it was.
    """

    events: tuple[PlannedEvent, ...]
    entries: tuple[PlannedEntry, ...]
    stopped_on: int | None


def plan_toxicity(
    *,
    randomized_on: date,
    drugs: tuple[StudyDrug, ...],
    profile: ToxicityProfile,
    treatment_visits: list[int],
    treatment_end: int,
    last_visit: int,
    rng: np.random.Generator,
) -> Toxicity:
    """Plan the adverse events of a subject on treatment and the dose changes they cause.

    Parameters
    ----------
    randomized_on
        Day 0.
    drugs
        Study drugs of the subject's arm (the protocol's): the first one's events are drawn
        from ``profile`` and its dose levels are stepped down; a drug added to it brings its
        label's excess events (:data:`metsor.insilico.presets.EXCESS_EVENTS`).
    profile
        Rates of the preset.
    treatment_visits
        Days of the treatment visits (hypertension is found at one of them).
    treatment_end
        First day off treatment (progression, death, withdrawal or after the cut-off); events
        start, and dose changes happen, before it.
    last_visit
        Day of the last visit: an event resolved after it is reported not recovered.
    rng
        Source of randomness.

    Returns
    -------
    Toxicity
        Events, entries, and the day treatment stopped for toxicity.
    """
    codes = tuple(drug.code for drug in drugs)
    events = _drug_events(profile, treatment_visits, treatment_end, rng)
    for added in codes[1:]:
        if added in EXCESS_EVENTS:
            events = _with_added_drug(events, EXCESS_EVENTS[added], treatment_end, rng)
    stopped_on = None
    acidosis = next((e for e in events if e.term == "lactic acidosis"), None)
    if treatment_end > 2 and rng.random() < profile.discontinuation:
        events, stopped_on = _stop_for_toxicity(events, treatment_end, rng)
    if acidosis is not None and (stopped_on is None or acidosis.onset < stopped_on):
        events = [replace(e, action="dose_not_changed") for e in events]
        acidosis = next(e for e in events if e.term == "lactic acidosis")  # the copy in events
        events, stopped_on = _stop_at(events, acidosis, acidosis.onset)
    events = [_resolved(e, last_visit, rng) for e in events]
    doses, final = _dose_changes(
        events, stopped_on or treatment_end, profile.grade_2_reduction, randomized_on, rng,
        drugs[0] if drugs else None,
    )  # fmt: skip
    entries = [*doses, *(_ae_entry(event, randomized_on, codes) for event in final)]
    if stopped_on is not None:
        stopper = next(e for e in final if e.action == "drug_withdrawn")
        reason = f"grade {stopper.grade} {stopper.term}"
        entries += [
            _dose(randomized_on, stopped_on, drug, "discontinue", None, reason) for drug in codes
        ]
    return Toxicity(tuple(final), tuple(entries), stopped_on)


def _onset(window: tuple[int, int], end: int, rng: np.random.Generator) -> int:
    """A day in ``window`` before ``end`` (in [1, end) when the window starts too late)."""
    first, last = window
    last = min(last, end - 1)
    if last < first:
        first = 1
    return int(rng.integers(first, last + 1))


def _grade(any_grade: float, severe: float, rng: np.random.Generator) -> int:
    if rng.random() < severe / any_grade:
        return 3
    return 1 if rng.random() < 0.6 else 2


def _drug_events(
    profile: ToxicityProfile, visits: list[int], end: int, rng: np.random.Generator
) -> list[PlannedEvent]:
    events = []
    for rate in profile.events:
        happens = rng.random() < rate.any_grade
        grade = _grade(rate.any_grade, rate.grade_3_or_more, rng)
        onset = _onset(ONSET_WINDOWS[rate.term], end, rng) if end > 1 else end
        if rate.term == "hypertension":
            early = [day for day in visits[:3] if day < end]
            onset = int(rng.choice(early)) if early else onset
        if happens and end > 1:
            events.append(PlannedEvent(rate.term, grade, onset, None))
    return events


def _with_added_drug(
    events: list[PlannedEvent],
    excess_events: tuple[ExcessEvent, ...],
    end: int,
    rng: np.random.Generator,
) -> list[PlannedEvent]:
    """An added drug's own events, merged into a first drug's event of the same term."""
    by_term = {e.term: e for e in events}
    for excess in excess_events:
        happens = rng.random() < excess.attributable
        grade = min(int(rng.choice(3, p=_ADDED_DRUG_GRADES)) + 1, max(clinical_grades(excess.term)))
        onset = _onset((1, 30), end, rng) if end > 1 else end
        if not happens or end <= 1:
            continue
        known = by_term.get(excess.term)
        if known is not None:
            by_term[excess.term] = replace(known, cause="both")
        else:
            by_term[excess.term] = PlannedEvent(excess.term, grade, onset, None, cause="added")
    for term, chance, grade in (
        ("Hypoglycemia", _HYPOGLYCAEMIA, 1),
        ("lactic acidosis", _LACTIC_ACIDOSIS_PER_YEAR * end / 365.25, 3),
    ):
        if rng.random() < chance and end > 1:
            by_term[term] = PlannedEvent(
                term, grade, int(rng.integers(1, end)), None, cause="added"
            )
    return list(by_term.values())


def _stop_for_toxicity(
    events: list[PlannedEvent], end: int, rng: np.random.Generator
) -> tuple[list[PlannedEvent], int]:
    """The event that stops treatment, and the day it does."""
    ordered = sorted(events, key=lambda e: e.onset)
    stopper = next((e for e in ordered if e.grade >= 3 and e.cause != "added"), None)
    if stopper is None:
        stopper = next((e for e in ordered if e.grade == 2 and e.cause != "added"), None)
    if stopper is None:
        stopper = PlannedEvent(
            DETERIORATION, 3, int(rng.integers(1, end - 1)), None, cause="disease"
        )
        events = [*events, stopper]
    return _stop_at(events, stopper, min(stopper.onset + int(rng.integers(0, 8)), end - 1))


def _stop_at(
    events: list[PlannedEvent], stopper: PlannedEvent, day: int
) -> tuple[list[PlannedEvent], int]:
    withdrawn = replace(stopper, action="drug_withdrawn")
    return [withdrawn if e is stopper else e for e in events], day


def _resolved(event: PlannedEvent, last_visit: int, rng: np.random.Generator) -> PlannedEvent:
    lasting = int(rng.integers(7, 22) if event.grade == 3 else rng.integers(14, 61))
    end = event.onset + lasting
    return replace(event, resolution=end if end <= last_visit else None)


def _dose_changes(
    events: list[PlannedEvent],
    drug_end: int,
    grade_2_reduction: float,
    day0: date,
    rng: np.random.Generator,
    drug: StudyDrug | None,
) -> tuple[list[PlannedEntry], list[PlannedEvent]]:
    """The first drug's interruptions and reductions, and each event with its action."""
    code = "" if drug is None else drug.code
    steps = () if drug is None else tuple(level.code for level in drug.reductions())
    entries: list[PlannedEntry] = []
    final: list[PlannedEvent] = []
    step, busy_until = 0, 0
    for event in sorted(events, key=lambda e: (e.onset, e.term)):
        severe = event.grade >= 3 and event.term != "Hypoglycemia"
        acts = event.cause in ("primary", "both") and (severe or event.term in _ACTS_ON_DOSE)
        acts = acts and bool(steps)
        if event.action != "drug_withdrawn" and acts and busy_until < event.onset < drug_end:
            reason = f"grade {event.grade} {event.term}"
            if event.grade >= 3:
                back = event.onset + int(rng.integers(7, 15))
                entries.append(_dose(day0, event.onset, code, "interrupt", None, reason))
                if back < drug_end:
                    step = min(step + 1, len(steps) - 1)
                    level = steps[step]
                    settled = f"{reason} settled"
                    entries.append(_dose(day0, back, code, "resume", level, settled))
                event = replace(event, action="drug_interrupted")
                busy_until = back
            elif (
                event.grade == 2
                and event.term in _ACTS_ON_DOSE
                and step < len(steps) - 1
                and event.onset + 7 < drug_end
                and rng.random() < grade_2_reduction
            ):
                step += 1
                settles = "persistent" if event.term == "hypertension" else "not improved"
                text = f"{reason} {settles} within 7 days"
                on = event.onset + 7
                entries.append(_dose(day0, on, code, "reduce", steps[step], text))
                event = replace(event, action="dose_reduced")
                busy_until = on
        final.append(event)
    return entries, final


def _dose(
    day0: date, day: int, drug: str, event: str, level: str | None, reason: str
) -> PlannedEntry:
    on = day0 + timedelta(days=day)
    fields = {"drug": drug, "event": event, "event_date": on, "level": level, "reason": reason}
    return PlannedEntry(on, "dose", fields)


def _relatedness(event: PlannedEvent, drug: str, primary: str) -> str:
    if event.cause == "disease":
        return "unlikely"
    mine = "primary" if drug == primary else "added"
    if event.cause in (mine, "both"):
        return "probable"
    return "unlikely"


def _ae_entry(event: PlannedEvent, day0: date, drugs: tuple[str, ...]) -> PlannedEntry:
    primary = drugs[0] if drugs else ""
    relatedness = {drug: _relatedness(event, drug, primary) for drug in drugs}
    action = {
        drug: event.action
        if drug == primary or event.action == "drug_withdrawn"
        else "dose_not_changed"
        for drug in drugs
    }
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
            "outcome": "recovered" if event.resolution is not None else "not_recovered",
            "resolution_date": (
                day0 + timedelta(days=event.resolution) if event.resolution is not None else None
            ),
        },
    )
