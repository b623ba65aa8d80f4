"""Recording adverse events: term, CTCAE grade, seriousness, dates, outcome, and for each
study drug of the subject's arm its relatedness and the action taken.

A term CTCAE grades here (:data:`metsor.clinical.ctcae.CLINICAL_TERMS`: hand-foot skin
reaction, diarrhoea, hypertension, fatigue, acidosis, infection, and the symptoms the study
drugs' labels list, from abdominal pain to alopecia; and the laboratory terms) is stored in its
CTCAE spelling. A clinical term's grade is checked against the grades the term has, so that an
impossible one (alopecia grade 3) is refused naming the field ``grade``; any other term is
stored as given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BeforeValidator, Field
from sqlalchemy import select

from metsor.clinical import ctcae
from metsor.errors import ConflictError, InputError
from metsor.protocol import Protocol
from metsor.services.access import require
from metsor.services.casebook._boundary import (
    CasebookInput,
    Day,
    FrozenRecord,
    Whole,
    checked,
    one_of,
    set_changed,
)
from metsor.services.casebook._timeline import Timeline, blank_as_none, load_timeline, words
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import AdverseEvent, AdverseEventDrug

__all__ = [
    "ACTIONS_TAKEN",
    "OUTCOMES",
    "RELATEDNESS",
    "AdverseEventDrugRecord",
    "AdverseEventInput",
    "AdverseEventRecord",
    "enter_adverse_event",
    "insert_drug_rows",
    "record_adverse_event",
    "revalidate_adverse_event",
    "revalidate_adverse_event_drug",
]

RELATEDNESS: tuple[str, ...] = ("not_related", "unlikely", "possible", "probable", "definite")
"""Causality categories, from none to certain (WHO-UMC style)."""

ACTIONS_TAKEN: tuple[str, ...] = (
    "dose_not_changed",
    "dose_reduced",
    "drug_interrupted",
    "drug_withdrawn",
    "not_applicable",
)
"""Action taken with a study drug because of the event (CDISC AEACN terms)."""

OUTCOMES: tuple[str, ...] = (
    "recovered",
    "recovering",
    "not_recovered",
    "recovered_with_sequelae",
    "fatal",
    "unknown",
)
"""Outcome of the event (CDISC AEOUT terms)."""

_RESOLVED = ("recovered", "recovered_with_sequelae")


class AdverseEventInput(CasebookInput):
    """An adverse event as given, with the relatedness and the action taken for each study
    drug (by its protocol code); the web's JSON body too."""

    term: Annotated[str, words(128)]
    grade: Annotated[Whole, Field(ge=1, le=5)]
    onset_date: Day
    relatedness: dict[str, Annotated[str, one_of(RELATEDNESS)]]
    action_taken: dict[str, Annotated[str, one_of(ACTIONS_TAKEN)]]
    serious: bool = False
    outcome: Annotated[str, one_of(OUTCOMES)] = "not_recovered"
    resolution_date: Annotated[Day | None, BeforeValidator(blank_as_none)] = None
    ctcae_version: Annotated[str, one_of(ctcae.CTCAE_VERSIONS)] = "5.0"


@dataclass(frozen=True)
class AdverseEventDrugRecord(FrozenRecord):
    """An adverse event's stored relatedness to one study drug and the action taken with it."""

    id: int
    adverse_event_id: int
    drug: str
    relatedness: str
    action_taken: str


@dataclass(frozen=True)
class AdverseEventRecord(FrozenRecord):
    """A stored adverse event.

    Attributes
    ----------
    id, subject_id
        The record and its subject.
    term
        The term, in its CTCAE spelling where CTCAE grades it here.
    grade, ctcae_version, serious, onset_date, resolution_date, outcome
        As :class:`AdverseEventInput`.
    recorded_by, recorded_at
        Who entered it, and when.
    drugs
        Its rows per study drug, in the arm's order.
    """

    id: int
    subject_id: str
    term: str
    grade: int
    ctcae_version: str
    serious: bool
    onset_date: date
    resolution_date: date | None
    outcome: str
    recorded_by: str
    recorded_at: datetime
    drugs: tuple[AdverseEventDrugRecord, ...]

    @classmethod
    def of_event(cls, event: AdverseEvent, drugs: Sequence[AdverseEventDrug]) -> Self:
        """The record of a stored event and its stored per-drug rows."""
        stored = {item.name: getattr(event, item.name) for item in fields(cls)[:-1]}
        return cls(**stored, drugs=tuple(AdverseEventDrugRecord.of(row) for row in drugs))


def record_adverse_event(
    ctx: ServiceContext,
    *,
    subject_id: str,
    term: str,
    grade: int,
    onset_date: date | str,
    relatedness: Mapping[str, str],
    action_taken: Mapping[str, str],
    serious: bool = False,
    outcome: str = "not_recovered",
    resolution_date: date | str | None = None,
    ctcae_version: str = "5.0",
) -> AdverseEventRecord:
    """Record an adverse event.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    term
        The event's term; CTCAE spelling where CTCAE has it.
    grade
        CTCAE grade 1–5; grade 5 (death) only with outcome ``fatal``.
    onset_date
        First day of the event.
    relatedness
        For every study drug of the subject's arm, one of :data:`RELATEDNESS`.
    action_taken
        For every study drug of the subject's arm, one of :data:`ACTIONS_TAKEN`.
    serious
        Whether the event is serious (ICH E2A).
    outcome
        One of :data:`OUTCOMES`; ``recovered`` and ``recovered_with_sequelae`` need a
        resolution date, the others take none except ``fatal`` (the day of death).
    resolution_date
        Last day of the event.
    ctcae_version
        ``"5.0"`` or ``"3.0"``.

    Returns
    -------
    AdverseEventRecord
        The stored event, with its per-drug rows.

    Raises
    ------
    InputError
        An unknown code, a grade the term does not have, a drug missing or not in the arm,
        a resolution date where the outcome takes none (or none where it needs one).
    ConflictError
        The same term with the same onset already recorded, or dates breaking the date-order
        rules (resolution before onset, before consent, after death or end of follow-up).
    """
    require(ctx, "enter_casebook")
    given = checked(
        AdverseEventInput,
        {
            "term": term,
            "grade": grade,
            "onset_date": onset_date,
            "relatedness": relatedness,
            "action_taken": action_taken,
            "serious": serious,
            "outcome": outcome,
            "resolution_date": resolution_date,
            "ctcae_version": ctcae_version,
        },
    )
    event, drugs = enter_adverse_event(ctx, subject_id, given)
    insert_records(ctx.session, [event])
    insert_drug_rows(ctx, [(event, drugs)])
    return AdverseEventRecord.of_event(event, drugs)


def enter_adverse_event(
    ctx: ServiceContext, subject_id: str, given: AdverseEventInput
) -> tuple[AdverseEvent, list[AdverseEventDrug]]:
    """Check an adverse event given as :func:`record_adverse_event` checks it; the new event
    and its per-drug rows, not yet written.

    For a service that writes several records of a page at once; the caller has checked the
    user's role and the input, inserts the event
    (:func:`metsor.store.audit.hooks.insert_records`), then its rows with
    :func:`insert_drug_rows` (they need the event's identifier).
    """
    timeline = load_timeline(ctx, subject_id)
    event = AdverseEvent(
        subject_id=subject_id,
        recorded_by=ctx.username,
        **{name: getattr(given, name) for name in _STORED},
    )
    with ctx.session.no_autoflush:
        _check(ctx, timeline, event)
        drugs = _drug_rows(ctx.protocol, timeline, given.relatedness, given.action_taken)
    return event, drugs


#: The given fields stored on the event itself (the others make its per-drug rows).
_STORED = tuple(
    name for name in AdverseEventInput.model_fields if name not in ("relatedness", "action_taken")
)


def insert_drug_rows(
    ctx: ServiceContext, entered: Sequence[tuple[AdverseEvent, list[AdverseEventDrug]]]
) -> None:
    """Insert the per-drug rows of events just inserted, in one statement."""
    rows = []
    for event, drugs in entered:
        for row in drugs:
            row.adverse_event_id = event.id
            rows.append(row)
    insert_records(ctx.session, rows)


def revalidate_adverse_event(ctx: ServiceContext, event: AdverseEvent) -> None:
    """Check a corrected adverse event again, as if it were entered so."""
    stored = {name: getattr(event, name) for name in _STORED}
    given = checked(AdverseEventInput, {**stored, "relatedness": {}, "action_taken": {}})
    set_changed(event, given, _STORED)
    with ctx.session.no_autoflush:
        _check(ctx, load_timeline(ctx, event.subject_id), event)


def revalidate_adverse_event_drug(ctx: ServiceContext, row: AdverseEventDrug) -> None:
    """Check a corrected relatedness or action again, as the event's input checks it."""
    checked(_DrugInput, {"relatedness": row.relatedness, "action_taken": row.action_taken})


class _DrugInput(CasebookInput):
    """The relatedness and action of one drug, as :class:`AdverseEventInput` checks them."""

    relatedness: Annotated[str, one_of(RELATEDNESS)]
    action_taken: Annotated[str, one_of(ACTIONS_TAKEN)]


def _check(ctx: ServiceContext, timeline: Timeline, event: AdverseEvent) -> None:
    event.term = _ctcae_term(event.term, event.grade)
    if (event.grade == 5) != (event.outcome == "fatal"):
        raise InputError(
            f"grade {event.grade} with outcome {event.outcome}: grade 5 is death, and only a "
            "fatal outcome has it",
            field="grade",
        )
    _check_dates(timeline, event)
    clash = ctx.session.scalars(
        select(AdverseEvent.id).where(
            AdverseEvent.subject_id == event.subject_id,
            AdverseEvent.term == event.term,
            AdverseEvent.onset_date == event.onset_date,
        )
    ).first()
    if clash is not None and clash != event.id:
        raise ConflictError(
            f"subject {event.subject_id} already has {event.term!r} with onset "
            f"{event.onset_date} (record {clash})",
            field="onset_date",
        )


def _check_dates(timeline: Timeline, event: AdverseEvent) -> None:
    timeline.check(event.onset_date, field="onset_date")
    resolved = event.resolution_date
    if event.outcome in _RESOLVED and resolved is None:
        raise InputError(
            f"outcome {event.outcome} needs a resolution_date", field="resolution_date"
        )
    if event.outcome not in (*_RESOLVED, "fatal") and resolved is not None:
        raise InputError(
            f"outcome {event.outcome} takes no resolution_date", field="resolution_date"
        )
    if resolved is not None:
        if resolved < event.onset_date:
            raise ConflictError(
                f"resolution_date {resolved} is before onset_date {event.onset_date}",
                field="resolution_date",
            )
        timeline.check(resolved, field="resolution_date", is_death=event.outcome == "fatal")


def _ctcae_term(term: str, grade: int) -> str:
    """The CTCAE spelling of a term CTCAE grades here, its grade checked; else the term."""
    try:
        return ctcae.grade_clinical(term, grade=grade).term
    except InputError as exc:
        if exc.field != "term":
            raise
    folded = term.casefold()
    for known in ctcae.LAB_TERMS:
        if known.casefold() == folded:
            return known
    return term


def _drug_rows(
    protocol: Protocol,
    timeline: Timeline,
    relatedness: Mapping[str, str],
    action_taken: Mapping[str, str],
) -> list[AdverseEventDrug]:
    drugs = tuple(drug.code for drug in protocol.drugs_of(timeline.arm))
    if not drugs:
        raise ConflictError(
            f"subject {timeline.subject_id} is not randomized: relatedness to study drugs "
            "cannot be assessed",
            field="subject_id",
        )
    for name, given in (("relatedness", relatedness), ("action_taken", action_taken)):
        unknown = sorted(set(given) - set(drugs))
        if unknown:
            raise InputError(
                f"{name} names {', '.join(unknown)}, not given in arm {timeline.arm!r}",
                field=name,
            )
    rows = []
    for drug in drugs:
        if drug not in relatedness:
            raise InputError(f"relatedness to {drug} is missing", field=f"relatedness.{drug}")
        if drug not in action_taken:
            raise InputError(f"action taken with {drug} is missing", field=f"action_taken.{drug}")
        rows.append(
            AdverseEventDrug(
                drug=drug, relatedness=relatedness[drug], action_taken=action_taken[drug]
            )
        )
    return rows
