"""Read-only view of the visit schedule: which visits are done, due, upcoming or overdue.

:func:`visit_schedule` lists a randomized subject's recorded visits (done, with their planned
date and whether they fell in their window), the visits recorded as not done (with their
reason; :mod:`metsor.services.casebook.missed_visits`) and the next visit of each kind still
expected —
planned by the schedule of the protocol stored with the trial
(:func:`metsor.services.casebook.schedule.trial_schedule`).
The visits expected next and when each is overdue are one rule,
:func:`metsor.services.expected_visits.expected_visits`, that the ``visit_overdue`` edit check
(:mod:`metsor.services.monitoring.edit_checks`) reads too: a next visit is ``overdue`` exactly
when that check finds it so (the end of its window has passed and it is neither recorded nor
recorded as not done), ``due``
once its window has opened, ``upcoming`` before. :func:`overdue_visits` gathers the overdue
visits of every subject the user may see, for the dashboard, reading their visits and dosing
histories with one statement each (:func:`metsor.services.expected_visits.expected_visits_of`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from metsor.services.access import require, subject_for, visible
from metsor.services.casebook.dosing import treatment_ended_on
from metsor.services.casebook.schedule import trial_schedule
from metsor.services.context import ServiceContext
from metsor.services.expected_visits import FOLLOW_UP_ENDED, expected_visits, expected_visits_of
from metsor.store.models.casebook import MissedVisit, Visit
from metsor.store.models.core import Allocation, Site, Subject

__all__ = ["OverdueVisit", "ScheduledVisit", "overdue_visits", "visit_schedule"]


@dataclass(frozen=True)
class ScheduledVisit:
    """One visit of a subject's schedule.

    Attributes
    ----------
    visit_type, number
        The visit (baseline 0; treatment, tumour assessment and follow-up from 1).
    planned, window_start, window_end
        When it is due by the schedule (None where its anchor is not known).
    actual
        The day it took place, for a recorded visit; the day it was missed, for a visit not
        done.
    status
        ``done``; ``not done`` (recorded so, with its reason); ``overdue`` (as the
        ``visit_overdue`` edit check finds it); ``due`` (its window is open); ``upcoming``; or
        ``not recorded`` (a baseline visit, whose window closed at randomization).
    in_window
        For a recorded visit, whether it fell in its window.
    visit_id
        The recorded visit's id.
    reason, missed_visit_id
        For a visit not done: why, and the mark's id.
    """

    visit_type: str
    number: int
    planned: date | None
    window_start: date | None
    window_end: date | None
    actual: date | None
    status: str
    in_window: bool | None = None
    visit_id: int | None = None
    reason: str | None = None
    missed_visit_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class OverdueVisit:
    """A visit overdue for one subject (the ``visit_overdue`` edit check's finding)."""

    subject_id: str
    site: str
    visit_type: str
    number: int
    planned: date | None
    window_end: date | None
    days_overdue: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items()}


def visit_schedule(ctx: ServiceContext, subject_id: str) -> tuple[ScheduledVisit, ...]:
    """The schedule of ``subject_id``: recorded visits and visits not done, by day, then the
    next of each kind expected.

    Parameters
    ----------
    ctx
        The service context (any role that may view subjects).
    subject_id
        The subject.

    Returns
    -------
    tuple of ScheduledVisit
        Empty before randomization (the schedule counts from it).

    Raises
    ------
    NotFoundError
        No such subject at the user's site.
    """
    require(ctx, "view_subjects")
    subject = subject_for(ctx, subject_id)
    allocation = ctx.session.scalars(
        select(Allocation).where(Allocation.subject_id == subject_id)
    ).first()
    if allocation is None:
        return ()
    randomized_on = allocation.randomized_at.date()
    ended = treatment_ended_on(ctx.session, subject_id, allocation.arm)
    visits = list(
        ctx.session.scalars(
            select(Visit).where(Visit.subject_id == subject_id).order_by(Visit.actual_date)
        )
    )

    schedule = trial_schedule(ctx)

    def stored(
        visit_type: str, number: int, planned_date: date | None, on: date, status: str, **more: Any
    ) -> ScheduledVisit:
        """A visit recorded (done or not), its window from the schedule."""
        planned = schedule.plan(
            visit_type, number, randomized_on=randomized_on, treatment_ended_on=ended
        )
        return ScheduledVisit(
            visit_type, number, planned_date or planned.planned, planned.window_start,
            planned.window_end, on, status, **more,
        )  # fmt: skip

    rows = [
        stored(
            visit.visit_type,
            visit.number,
            visit.planned_date,
            visit.actual_date,
            "done",
            in_window=visit.in_window,
            visit_id=visit.id,
        )
        for visit in visits
    ]
    marks = ctx.session.scalars(
        select(MissedVisit)
        .where(MissedVisit.subject_id == subject_id, MissedVisit.retracted.is_(False))
        .order_by(MissedVisit.id)
    )
    rows.extend(
        stored(
            mark.visit_type,
            mark.number,
            mark.planned_date,
            mark.missed_on,
            "not done",
            reason=mark.reason,
            missed_visit_id=mark.id,
        )
        for mark in marks
    )
    rows.sort(key=lambda row: row.actual or date.min)
    today = ctx.today()
    for expected in expected_visits(ctx.session, subject, allocation, visits):
        planned = expected.planned
        if expected.visit_type == "baseline":
            status = "not recorded"
        elif expected.days_overdue(today) is not None:
            status = "overdue"
        elif planned.window_start is not None and today >= planned.window_start:
            status = "due"
        else:
            status = "upcoming"
        rows.append(
            ScheduledVisit(
                expected.visit_type,
                expected.number,
                planned.planned,
                planned.window_start,
                planned.window_end,
                None,
                status,
            )
        )
    return tuple(rows)


def overdue_visits(ctx: ServiceContext) -> tuple[OverdueVisit, ...]:
    """The overdue visits of every randomized subject the user may see, most overdue first.

    Parameters
    ----------
    ctx
        The service context (any role that may view subjects).

    Returns
    -------
    tuple of OverdueVisit
        One per visit the ``visit_overdue`` edit check finds overdue today.
    """
    require(ctx, "view_subjects")
    statement = visible(
        ctx,
        select(Subject, Site.code, Allocation)
        .join(Allocation, Allocation.subject_id == Subject.subject_id)
        .join(Site, Site.id == Subject.site_id)
        .where(Subject.status.not_in(FOLLOW_UP_ENDED))
        .order_by(Subject.subject_id),
    )
    rows = ctx.session.execute(statement).all()
    courses = expected_visits_of(
        ctx.session,
        [(subject, allocation) for subject, _, allocation in rows],
        statement.with_only_columns(Subject.subject_id),
    )
    today = ctx.today()
    found = []
    for subject, site, _ in rows:
        for expected in courses[subject.subject_id].expected:
            late = expected.days_overdue(today)
            if late is None:
                continue
            found.append(
                OverdueVisit(
                    subject.subject_id,
                    site,
                    expected.visit_type,
                    expected.number,
                    expected.planned.planned,
                    expected.planned.window_end,
                    late,
                )
            )
    return tuple(sorted(found, key=lambda v: (-v.days_overdue, v.subject_id, v.visit_type)))
