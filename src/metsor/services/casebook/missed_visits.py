"""Recording a visit of the schedule as not done: it did not take place, and why.

A treatment visit, tumour assessment or follow-up visit that the schedule expects may not
happen — the subject too ill to come, the scanner down, the subject refusing. The site records
it as not done with its reason (:func:`record_missed_visit`); the schedule then counts it as
accounted for (:mod:`metsor.services.expected_visits`): neither due nor overdue, and the next
visit of its kind is the one after it. A tumour assessment not done stays a missed assessment
for the censoring of TTP and PFS (:class:`metsor.endpoints.censoring.AssessmentSchedule`),
which counts the scans that took place, not the marks.

The mark is a casebook record like any other: audited, under the monitoring guard, never
deleted. Its day and reason may be corrected, and a mark found wrong is retracted by
correcting ``retracted`` to true, with the reason. A real visit with the number of a mark that
stands is refused, not taken as replacing it: the two records contradict each other, and a
monitor expects the contradiction resolved on the record — the mark retracted with the reason
it was wrong — not settled silently by whichever was entered last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, Field
from sqlalchemy import func, select

from metsor.errors import ConflictError, InputError
from metsor.services.access import require
from metsor.services.casebook._boundary import (
    CasebookInput,
    Day,
    FrozenRecord,
    Whole,
    checked,
    one_of,
)
from metsor.services.casebook._timeline import Timeline, blank_as_none, load_timeline, words
from metsor.services.casebook.dosing import treatment_ended_on
from metsor.services.casebook.schedule import MAX_VISIT_NUMBER, VisitSchedule, trial_schedule
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import MissedVisit, Visit

__all__ = [
    "MISSABLE_VISIT_TYPES",
    "MissedVisitInput",
    "MissedVisitRecord",
    "record_missed_visit",
    "revalidate_missed_visit",
]

MISSABLE_VISIT_TYPES: tuple[str, ...] = ("treatment", "tumour_assessment", "follow_up")
"""The visits of the schedule that may be recorded as not done (the baseline is a condition
of randomization; an unscheduled visit is not expected)."""


class MissedVisitInput(CasebookInput):
    """A visit not done as given: which visit of the schedule, why, and the day it was missed
    (default: the schedule's planned day); the web's JSON body too."""

    visit_type: Annotated[str, one_of(MISSABLE_VISIT_TYPES)]
    number: Annotated[Whole, Field(ge=1, le=MAX_VISIT_NUMBER)]
    reason: Annotated[str, words()]
    missed_on: Annotated[Day | None, BeforeValidator(blank_as_none)] = None


@dataclass(frozen=True)
class MissedVisitRecord(FrozenRecord):
    """A stored visit not done.

    Attributes
    ----------
    id, subject_id
        The record and its subject.
    visit_type, number, missed_on, reason
        As :class:`MissedVisitInput` (the day given, or the planned day).
    planned_date
        The schedule's day for the visit.
    retracted
        Whether the mark was retracted (the visit found to have taken place).
    recorded_by, recorded_at
        Who entered it, and when.
    """

    id: int
    subject_id: str
    visit_type: str
    number: int
    planned_date: date | None
    missed_on: date
    reason: str
    retracted: bool
    recorded_by: str
    recorded_at: datetime


def record_missed_visit(
    ctx: ServiceContext,
    *,
    subject_id: str,
    visit_type: str,
    number: int,
    reason: str,
    missed_on: date | str | None = None,
) -> MissedVisitRecord:
    """Record that a visit of the schedule did not take place.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    visit_type
        One of :data:`MISSABLE_VISIT_TYPES`.
    number
        The visit's number within its type, from 1: the next one the schedule expects, or an
        earlier one neither recorded nor marked.
    reason
        Why it did not take place, in words.
    missed_on
        The day it was due and did not take place; default the schedule's planned day.

    Returns
    -------
    MissedVisitRecord
        The stored mark, with the schedule's planned day.

    Raises
    ------
    InputError
        An unknown visit type, a number out of range or planned more than one interval after
        ``missed_on``, a blank reason, a malformed day or one in the future.
    ConflictError
        A visit not in the subject's schedule (beyond the next expected; a follow-up visit
        while on treatment), one already recorded or already marked, or a day out of order
        with randomization, death or the end of follow-up.
    """
    require(ctx, "enter_casebook")
    given = checked(
        MissedVisitInput,
        {"visit_type": visit_type, "number": number, "reason": reason, "missed_on": missed_on},
    )
    timeline = load_timeline(ctx, subject_id)
    schedule = trial_schedule(ctx)
    planned = _planned(ctx, timeline, given.visit_type, given.number, schedule)
    on = given.missed_on or planned
    if on is None:
        raise InputError(
            f"{given.visit_type} visit {given.number} has no planned day; give the day it was "
            "missed",
            field="missed_on",
        )
    mark = MissedVisit(
        subject_id=subject_id,
        visit_type=given.visit_type,
        number=given.number,
        planned_date=planned,
        missed_on=on,
        reason=given.reason,
        retracted=False,
        recorded_by=ctx.username,
    )
    with ctx.session.no_autoflush:
        _check_in_schedule(ctx, mark)
        _check(ctx, timeline, mark, schedule)
    insert_records(ctx.session, [mark])
    return MissedVisitRecord.of(mark)


def revalidate_missed_visit(ctx: ServiceContext, mark: MissedVisit) -> None:
    """Check a corrected mark again, as if it were entered so: its day and reason, and, for a
    mark restored after a retraction, that the visit was not recorded meanwhile."""
    checked(
        MissedVisitInput,
        {name: getattr(mark, name) for name in ("visit_type", "number", "reason", "missed_on")},
    )
    with ctx.session.no_autoflush:
        _check(ctx, load_timeline(ctx, mark.subject_id), mark, trial_schedule(ctx))


def _planned(
    ctx: ServiceContext, timeline: Timeline, visit_type: str, number: int, schedule: VisitSchedule
) -> date | None:
    ended = (
        treatment_ended_on(ctx.session, timeline.subject_id, timeline.arm)
        if visit_type == "follow_up" and timeline.arm is not None
        else None
    )
    schedule.check_follow_up_started(timeline.subject_id, visit_type, ended)
    randomized_on = timeline.require_randomized("subject_id")
    return schedule.plan(
        visit_type, number, randomized_on=randomized_on, treatment_ended_on=ended
    ).planned


def _check(
    ctx: ServiceContext, timeline: Timeline, mark: MissedVisit, schedule: VisitSchedule
) -> None:
    timeline.check(mark.missed_on, field="missed_on", after_randomization=True)
    schedule.check_not_ahead(
        mark.visit_type, mark.number, mark.planned_date, mark.missed_on, happened="missed"
    )
    if mark.retracted:
        return
    done = ctx.session.scalar(
        select(Visit.actual_date).where(
            Visit.subject_id == mark.subject_id,
            Visit.visit_type == mark.visit_type,
            Visit.number == mark.number,
        )
    )
    if done is not None:
        raise ConflictError(
            f"subject {mark.subject_id} has {mark.visit_type} visit {mark.number} recorded on "
            f"{done}: it took place",
            field="number",
        )


def _check_in_schedule(ctx: ServiceContext, mark: MissedVisit) -> None:
    """A mark only on a visit the schedule expects: not one marked before (retracted or not),
    nor one beyond the next visit of its type."""
    earlier = ctx.session.scalars(
        select(MissedVisit).where(
            MissedVisit.subject_id == mark.subject_id,
            MissedVisit.visit_type == mark.visit_type,
            MissedVisit.number == mark.number,
        )
    ).first()
    if earlier is not None:
        state = (
            "retracted; correct its retracted to false to restore it"
            if earlier.retracted
            else f"missed on {earlier.missed_on}: {earlier.reason}"
        )
        raise ConflictError(
            f"subject {mark.subject_id}'s {mark.visit_type} visit {mark.number} is already "
            f"recorded as not done (missed visit {earlier.id}, {state})",
            field="number",
        )
    accounted = [
        ctx.session.scalar(
            select(func.max(model.number)).where(
                model.subject_id == mark.subject_id, model.visit_type == mark.visit_type
            )
        )
        for model in (Visit, MissedVisit)
    ]
    following = max((n for n in accounted if n is not None), default=0) + 1
    if mark.number > following:
        raise ConflictError(
            f"{mark.visit_type} visit {mark.number} is not yet in subject {mark.subject_id}'s "
            f"schedule: the next expected is {mark.visit_type} visit {following}",
            field="number",
        )
