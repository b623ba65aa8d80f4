"""Recording visits: the planned date from the schedule, the actual date, in or out of window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import CompoundSelect, Row, bindparam, literal, null, select, union_all

from metsor.errors import ConflictError
from metsor.services.access import require
from metsor.services.casebook._boundary import (
    CasebookInput,
    Day,
    FrozenRecord,
    Whole,
    checked,
    one_of,
)
from metsor.services.casebook._timeline import Timeline, load_timeline, read_rows
from metsor.services.casebook.dosing import treatment_ended_on
from metsor.services.casebook.schedule import (
    MAX_VISIT_NUMBER,
    VISIT_TYPES,
    VisitSchedule,
    trial_schedule,
)
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import MissedVisit, Visit

__all__ = ["VisitInput", "VisitRecord", "enter_visit", "record_visit", "revalidate_visit"]


class VisitInput(CasebookInput):
    """A visit as given: its type, its day and its number within the type (default: the
    next); the web's JSON body too."""

    visit_type: Annotated[str, one_of(VISIT_TYPES)]
    actual_date: Day
    number: Annotated[Whole, Field(ge=0, le=MAX_VISIT_NUMBER)] | None = None


@dataclass(frozen=True)
class VisitRecord(FrozenRecord):
    """A stored visit.

    Attributes
    ----------
    id, subject_id
        The record and its subject.
    visit_type, number, actual_date
        As :class:`VisitInput` (the number given or the next).
    planned_date, in_window
        The schedule's day for it (None: none planned) and whether it took place in its
        window (None: no window).
    recorded_by, recorded_at
        Who entered it, and when.
    """

    id: int
    subject_id: str
    visit_type: str
    number: int
    planned_date: date | None
    actual_date: date
    in_window: bool | None
    recorded_by: str
    recorded_at: datetime


def record_visit(
    ctx: ServiceContext,
    *,
    subject_id: str,
    visit_type: str,
    actual_date: date | str,
    number: int | None = None,
    schedule: VisitSchedule | None = None,
) -> VisitRecord:
    """Record that a visit took place.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    visit_type
        ``baseline``, ``treatment``, ``tumour_assessment``, ``follow_up`` or ``unscheduled``.
    actual_date
        The day the visit took place.
    number
        The visit's number within its type (baseline 0); default: the next one after those
        recorded and those recorded as not done.
    schedule
        The visit schedule that gives the planned date and window (default the schedule of
        the protocol stored with the trial).

    Returns
    -------
    VisitRecord
        The stored visit, with its planned date and whether it was in window.

    Raises
    ------
    InputError
        An unknown visit type, a number that does not fit it (above
        :data:`~metsor.services.casebook.schedule.MAX_VISIT_NUMBER`, or planned more than one
        interval after the visit's date), or a malformed date.
    ConflictError
        A visit already recorded with that number or of that type on that day, one recorded
        as not done (:mod:`~.missed_visits`; retract the mark first), or a date
        breaking the date-order rules (before consent; a baseline after randomization; a
        scheduled visit before it; after death or the end of follow-up; out of order with the
        type's other visits).
    """
    require(ctx, "enter_casebook")
    given = checked(
        VisitInput, {"visit_type": visit_type, "actual_date": actual_date, "number": number}
    )
    visit = enter_visit(ctx, subject_id, given, schedule=schedule)
    insert_records(ctx.session, [visit])
    return VisitRecord.of(visit)


def enter_visit(
    ctx: ServiceContext,
    subject_id: str,
    given: VisitInput,
    *,
    schedule: VisitSchedule | None = None,
) -> Visit:
    """Check a visit given as :func:`record_visit` checks it; the new visit, not yet written.

    For a service that writes several records of a page at once; the caller has checked the
    user's role and the input, and inserts it
    (:func:`metsor.store.audit.hooks.insert_records`).
    """
    timeline = load_timeline(ctx, subject_id)
    visit_type, number = given.visit_type, given.number
    with ctx.session.no_autoflush:
        known = _of_type(ctx, subject_id, visit_type)
    if number is None:
        last = max((row.number for row in known), default=0)
        number = 0 if visit_type == "baseline" else last + 1
    visit = Visit(
        subject_id=subject_id,
        visit_type=visit_type,
        number=number,
        actual_date=given.actual_date,
        recorded_by=ctx.username,
    )
    with ctx.session.no_autoflush:
        _check(ctx, timeline, visit, schedule or trial_schedule(ctx), known)
    return visit


def revalidate_visit(ctx: ServiceContext, visit: Visit) -> None:
    """Check a corrected visit again, as if it were entered so, and recompute its planned
    date and window."""
    checked(VisitInput, {name: getattr(visit, name) for name in _GIVEN})
    with ctx.session.no_autoflush:
        known = _of_type(ctx, visit.subject_id, visit.visit_type)
        _check(ctx, load_timeline(ctx, visit.subject_id), visit, trial_schedule(ctx), known)


#: The fields a visit is given by (and may be corrected in).
_GIVEN = tuple(VisitInput.model_fields)


def _check(
    ctx: ServiceContext,
    timeline: Timeline,
    visit: Visit,
    schedule: VisitSchedule,
    known: Sequence[Row[Any]],
) -> None:
    """Check a visit against the schedule, the subject's dates and ``known``, the visits of its
    type and the marks standing on them (:func:`_of_type`)."""
    scheduled = visit.visit_type in ("treatment", "follow_up") or (
        visit.visit_type == "tumour_assessment" and visit.number > 0
    )
    pre = visit.visit_type == "baseline" or (
        visit.visit_type == "tumour_assessment" and visit.number == 0
    )
    ended = (
        treatment_ended_on(ctx.session, visit.subject_id, timeline.arm)
        if visit.visit_type == "follow_up"
        else None
    )
    plan = schedule.plan(
        visit.visit_type,
        visit.number,
        randomized_on=timeline.randomized_on,
        treatment_ended_on=ended,
    )
    timeline.check(
        visit.actual_date,
        field="actual_date",
        after_randomization=scheduled,
        until_randomization=pre and timeline.randomized_on is not None,
    )
    schedule.check_follow_up_started(visit.subject_id, visit.visit_type, ended)
    schedule.check_not_ahead(
        visit.visit_type, visit.number, plan.planned, visit.actual_date, happened="due"
    )
    _check_order(visit, [row for row in known if row.kind == "visit"])
    mark = next((row for row in known if row.kind == "missed" and row.number == visit.number), None)
    if mark is not None:
        raise ConflictError(
            f"subject {visit.subject_id}'s {visit.visit_type} visit {visit.number} is recorded "
            f"as not done (missed visit {mark.id}, on {mark.day}: {mark.reason}); if it "
            "took place, retract that mark first by correcting its retracted to true, with the "
            "reason",
            field="number",
        )
    visit.planned_date = plan.planned
    visit.in_window = plan.in_window(visit.actual_date)


#: A subject's stored visits of one type and the marks of that type standing (not retracted),
#: in one statement: ``kind`` (``visit`` or ``missed``), ``id``, ``number``, ``day`` (the
#: visit's date, the day a mark says it was missed) and the mark's ``reason``.
_OF_TYPE: CompoundSelect[Any] = union_all(
    select(
        literal("visit").label("kind"),
        Visit.id,
        Visit.number,
        Visit.actual_date.label("day"),
        null().label("reason"),
    ).where(
        Visit.subject_id == bindparam("subject_id"), Visit.visit_type == bindparam("visit_type")
    ),
    select(
        literal("missed"),
        MissedVisit.id,
        MissedVisit.number,
        MissedVisit.missed_on,
        MissedVisit.reason,
    ).where(
        MissedVisit.subject_id == bindparam("subject_id"),
        MissedVisit.visit_type == bindparam("visit_type"),
        MissedVisit.retracted.is_(False),
    ),
)


def _of_type(ctx: ServiceContext, subject_id: str, visit_type: str) -> list[Row[Any]]:
    """The subject's visits of a type and the marks standing on visits of that type."""
    return list(read_rows(ctx, _OF_TYPE, {"subject_id": subject_id, "visit_type": visit_type}))


def _check_order(visit: Visit, others: Sequence[Row[Any]]) -> None:
    """A visit's number and date against the other visits of its type (``kind``
    ``visit`` rows of :func:`_of_type`)."""
    for other in others:
        if visit.id is not None and other.id == visit.id:
            continue
        if other.number == visit.number:
            raise ConflictError(
                f"subject {visit.subject_id} already has {visit.visit_type} visit "
                f"{visit.number} (on {other.day})",
                field="number",
            )
        if visit.visit_type == "unscheduled":
            continue
        if other.day == visit.actual_date:
            raise ConflictError(
                f"subject {visit.subject_id} already has {visit.visit_type} visit "
                f"{other.number} on {visit.actual_date}; one {visit.visit_type} visit a day",
                field="actual_date",
            )
        earlier = other.number < visit.number
        if (earlier and other.day > visit.actual_date) or (
            not earlier and other.day < visit.actual_date
        ):
            raise ConflictError(
                f"{visit.visit_type} visit {visit.number} on {visit.actual_date} is out of order "
                f"with visit {other.number} on {other.day}",
                field="actual_date",
            )
