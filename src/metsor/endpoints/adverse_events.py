"""ADAE, the adverse-event analysis dataset, as rows: one per adverse event.

Pure: it takes the recorded events (:class:`RecordedAdverseEvent`), the subjects' courses and
the first dose of study treatment per subject, and returns rows; reading them from the casebook
is a service's job, writing them an export's.

Derivations (ADaM OCCDS v1.1):

1. ``AESEQ`` numbers each subject's events by onset (then as recorded), from 1.
2. ``ASTDT``/``AENDT`` are the onset and resolution dates; ``ASTDY`` the study day of onset
   from randomization (day 1 = randomization, day -1 the day before; no day 0).
3. ``TRTEMFL`` is ``Y`` for an onset on or after the subject's first dose of study treatment,
   ``N`` otherwise (and for a subject never dosed).
4. ``AREL`` is ``Y`` when the event is possibly, probably or definitely related to any study
   drug; per drug, ``AREL_<DRUG>`` and ``AACN_<DRUG>`` hold the relatedness and action taken.
5. ``AEDECOD`` is the term as stored (CTCAE's spelling where CTCAE grades it); ``AEBODSYS``
   its CTCAE v5.0 system organ class (:func:`organ_class`), ``"UNCODED"`` for a term without
   one here.
6. At a data cut-off, events with onset after it are left out.

References
----------
CDISC ADaM Structure for Occurrence Data (OCCDS) v1.1; ADaM Implementation Guide v1.3.
Common Terminology Criteria for Adverse Events (CTCAE) v5.0, NCI 2017 (system organ classes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from metsor.endpoints.course import SubjectCourse
from metsor.endpoints.datasets import trial_identity

__all__ = [
    "RELATED",
    "SYSTEM_ORGAN_CLASSES",
    "UNCODED",
    "RecordedAdverseEvent",
    "adae",
    "adae_columns",
    "organ_class",
    "study_day",
]

#: Relatedness values that make an event related to a study drug.
RELATED: tuple[str, ...] = ("possible", "probable", "definite")

#: AEBODSYS of a term that has no system organ class here.
UNCODED = "UNCODED"

SYSTEM_ORGAN_CLASSES: Mapping[str, str] = MappingProxyType(
    {
        "Palmar-plantar erythrodysesthesia syndrome": "Skin and subcutaneous tissue disorders",
        "Diarrhea": "Gastrointestinal disorders",
        "Hypertension": "Vascular disorders",
        "Fatigue": "General disorders and administration site conditions",
        "Acidosis": "Metabolism and nutrition disorders",
        "Infection": "Infections and infestations",
        "Anemia": "Blood and lymphatic system disorders",
        "Hypoglycemia": "Metabolism and nutrition disorders",
        "Hypoalbuminemia": "Metabolism and nutrition disorders",
        "Neutrophil count decreased": "Investigations",
        "Platelet count decreased": "Investigations",
        "Blood bilirubin increased": "Investigations",
        "Aspartate aminotransferase increased": "Investigations",
        "Alanine aminotransferase increased": "Investigations",
        "Creatinine increased": "Investigations",
        "Alkaline phosphatase increased": "Investigations",
        "INR increased": "Investigations",
        "Abdominal pain": "Gastrointestinal disorders",
        "Nausea": "Gastrointestinal disorders",
        "Vomiting": "Gastrointestinal disorders",
        "Anorexia": "Metabolism and nutrition disorders",
        "Weight loss": "Investigations",
        "Alopecia": "Skin and subcutaneous tissue disorders",
        "Rash": "Skin and subcutaneous tissue disorders",
        "Rash maculo-papular": "Skin and subcutaneous tissue disorders",
        "Rash acneiform": "Skin and subcutaneous tissue disorders",
        "Flatulence": "Gastrointestinal disorders",
        "Dyspepsia": "Gastrointestinal disorders",
        "Headache": "Nervous system disorders",
        "Upper gastrointestinal hemorrhage": "Gastrointestinal disorders",
        "General physical health deterioration": (
            "General disorders and administration site conditions"
        ),
    }
)
"""CTCAE v5.0 system organ class of the terms metsor grades and of the common adverse events
of the study drugs (CTCAE v5.0, NCI 2017; "Rash" is CTCAE's "Rash maculo-papular" when not
specified). A term is looked up without regard to case (:func:`organ_class`)."""

_BY_FOLDED: Mapping[str, str] = MappingProxyType(
    {term.casefold(): organ for term, organ in SYSTEM_ORGAN_CLASSES.items()}
)


def organ_class(term: str) -> str:
    """The CTCAE v5.0 system organ class of a term (case ignored), :data:`UNCODED` if unknown."""
    return _BY_FOLDED.get(term.casefold(), UNCODED)


_BASE_COLUMNS: tuple[str, ...] = (
    "STUDYID", "USUBJID", "SITEID", "ARMCD", "ARM", "TRTA", "AESEQ", "AETERM", "AEDECOD",
    "AEBODSYS", "AETOXGR", "ATOXGRV", "AESER", "ASTDT", "AENDT", "ASTDY", "AEOUT", "TRTEMFL",
    "AREL",
)  # fmt: skip


@dataclass(frozen=True)
class RecordedAdverseEvent:
    """One recorded adverse event.

    ``drugs`` maps each assessed study drug to ``(relatedness, action_taken)``.
    """

    subject_id: str
    term: str
    grade: int
    ctcae_version: str
    serious: bool
    onset_date: date
    resolution_date: date | None
    outcome: str
    drugs: Mapping[str, tuple[str, str]] = field(default_factory=lambda: MappingProxyType({}))


def adae_columns(drugs: Sequence[str]) -> tuple[str, ...]:
    """The columns of ADAE for the given study drugs (``AREL_<DRUG>``, ``AACN_<DRUG>`` each)."""
    per_drug = tuple(f"{prefix}_{drug.upper()}" for drug in drugs for prefix in ("AREL", "AACN"))
    return _BASE_COLUMNS + per_drug


def study_day(day: date, start: date) -> int:
    """ADaM study day of ``day`` from ``start``: 1 on the start date, -1 the day before."""
    offset = (day - start).days
    return offset + 1 if offset >= 0 else offset


def adae(
    events: Sequence[RecordedAdverseEvent],
    courses: Sequence[SubjectCourse],
    *,
    first_dose: Mapping[str, date],
    drugs: Sequence[str],
    cutoff: date | None = None,
    study_id: str | None = None,
    arm_labels: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Adverse-event analysis dataset: one row per event of the given subjects.

    Parameters
    ----------
    events
        The recorded events (of any subjects: those without a course are left out).
    courses
        The randomized subjects.
    first_dose
        Subject → date of the first dose of any study drug.
    drugs
        The study drugs, in column order.
    cutoff
        Leave out events with onset after this date.
    study_id, arm_labels
        As for :func:`metsor.endpoints.adsl`.

    Returns
    -------
    list of dict
        Rows with the columns of :func:`adae_columns`, by subject then onset.
    """
    study_id, arm_labels = trial_identity(study_id, arm_labels)
    by_subject = {course.subject_id: course for course in courses}
    columns = adae_columns(drugs)
    chosen = sorted(
        (
            (index, event)
            for index, event in enumerate(events)
            if event.subject_id in by_subject and (cutoff is None or event.onset_date <= cutoff)
        ),
        key=lambda item: (item[1].subject_id, item[1].onset_date, item[0]),
    )
    sequence: dict[str, int] = defaultdict(int)
    rows: list[dict[str, Any]] = []
    for _, event in chosen:
        course = by_subject[event.subject_id]
        sequence[event.subject_id] += 1
        dosed = first_dose.get(event.subject_id)
        arm = arm_labels.get(course.arm, course.arm)
        row: dict[str, Any] = {
            "STUDYID": study_id,
            "USUBJID": f"{study_id}-{event.subject_id}",
            "SITEID": course.site,
            "ARMCD": course.arm,
            "ARM": arm,
            "TRTA": arm if dosed is not None else None,
            "AESEQ": sequence[event.subject_id],
            "AETERM": event.term,
            "AEDECOD": event.term,
            "AEBODSYS": organ_class(event.term),
            "AETOXGR": event.grade,
            "ATOXGRV": event.ctcae_version,
            "AESER": "Y" if event.serious else "N",
            "ASTDT": event.onset_date,
            "AENDT": event.resolution_date,
            "ASTDY": study_day(event.onset_date, course.randomized_on),
            "AEOUT": event.outcome,
            "TRTEMFL": "Y" if dosed is not None and event.onset_date >= dosed else "N",
            "AREL": "Y" if any(rel in RELATED for rel, _ in event.drugs.values()) else "N",
        }
        for drug in drugs:
            found = event.drugs.get(drug)
            row[f"AREL_{drug.upper()}"] = None if found is None else found[0]
            row[f"AACN_{drug.upper()}"] = None if found is None else found[1]
        rows.append({column: row[column] for column in columns})
    return rows
