"""The visits a randomized subject is still expected to have, and which of them are overdue.

One rule, read by the ``visit_overdue`` edit check
(:mod:`metsor.services.monitoring.edit_checks`), the casebook's schedule and the dashboard's
overdue list (:mod:`metsor.services.visit_status`): the next visit of each kind still expected,
planned on the schedule of the protocol stored with the trial
(:func:`metsor.services.protocol_in_force.protocol_of`):

- the baseline visit while none is recorded (its window closed at randomization: it is never
  overdue, only not recorded);
- the next tumour assessment, and the next treatment visit while the subject is on treatment;
- the next follow-up visit once every study drug of the arm was discontinued (planned from the
  day the last one was stopped);
- nothing once the subject died or withdrew.

A visit is overdue once the end of its window has passed and it is not recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from metsor.protocol.schedule import PlannedVisit, visit_schedule
from metsor.services.casebook.dosing import treatment_ended_on
from metsor.services.protocol_in_force import protocol_of
from metsor.store.models.casebook import Visit
from metsor.store.models.core import Allocation, Subject

__all__ = ["FOLLOW_UP_ENDED", "ExpectedVisit", "expected_visits"]

#: Statuses after which no visit is expected any more.
FOLLOW_UP_ENDED = ("dead", "withdrawn")


@dataclass(frozen=True)
class ExpectedVisit:
    """The next visit of one kind a subject is expected to have.

    Attributes
    ----------
    visit_type, number
        The visit (baseline 0; treatment, tumour assessment and follow-up from 1).
    planned
        When it is due and its window, by the trial's schedule.
    """

    visit_type: str
    number: int
    planned: PlannedVisit

    def days_overdue(self, today: date) -> int | None:
        """Days since the end of its window, when that has passed (else None).

        Parameters
        ----------
        today
            The trial's day.

        Returns
        -------
        int or None
            At least 1 for an overdue visit; None when it is not overdue (a baseline visit,
            whose window closed at randomization, never is).
        """
        end = self.planned.window_end
        if self.visit_type == "baseline" or end is None or today <= end:
            return None
        return (today - end).days


def expected_visits(
    session: Session, subject: Subject, allocation: Allocation, visits: Sequence[Visit]
) -> tuple[ExpectedVisit, ...]:
    """The next visit of each kind still expected of a randomized subject.

    Parameters
    ----------
    session
        The transaction.
    subject
        The subject.
    allocation
        Their allocation (the schedule counts from its day).
    visits
        The subject's recorded visits.

    Returns
    -------
    tuple of ExpectedVisit
        In the order baseline, treatment, tumour assessment, follow-up (those expected);
        empty once the subject died or withdrew.
    """
    if subject.status in FOLLOW_UP_ENDED:
        return ()
    ended = treatment_ended_on(session, subject.subject_id, allocation.arm)
    schedule = visit_schedule(protocol_of(session))
    randomized_on = allocation.randomized_at.date()
    kinds = ["baseline", "tumour_assessment"]
    if subject.status == "on_treatment":
        kinds.insert(1, "treatment")
    if ended is not None:
        kinds.append("follow_up")
    expected = []
    for visit_type in kinds:
        numbers = [visit.number for visit in visits if visit.visit_type == visit_type]
        if visit_type == "baseline" and numbers:
            continue
        number = 0 if visit_type == "baseline" else max(numbers, default=0) + 1
        planned = schedule.plan(
            visit_type, number, randomized_on=randomized_on, treatment_ended_on=ended
        )
        expected.append(ExpectedVisit(visit_type, number, planned))
    return tuple(expected)
