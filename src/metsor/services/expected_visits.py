"""The visits a randomized subject is still expected to have, and which of them are overdue.

One rule, read by the ``visit_overdue`` edit check
(:mod:`metsor.services.monitoring.edit_checks`), the casebook's schedule and the dashboard's
overdue list (:mod:`metsor.services.visit_status`): the next visit of each kind still expected,
planned on the schedule of the protocol stored with the trial
(:func:`metsor.services.protocol_in_force.protocol_of`):

- the baseline visit while none is recorded (its window closed at randomization: it is never
  overdue, only not recorded);
- the next tumour assessment, and the next treatment visit while the subject is on treatment;
  no tumour assessment once the subject's first radiological progression is recorded, when
  the protocol ends imaging there (:meth:`metsor.protocol.schedule.VisitSchedule.expects`): the
  progression is PD, by the protocol's criteria, at a follow-up assessment, as the casebook
  computed it (:mod:`metsor.services.casebook.tumour_responses`) and as the endpoints count it
  (:mod:`metsor.endpoints.time_to_event`);
- the next follow-up visit once every study drug of the arm was discontinued (planned from the
  day the last one was stopped);
- nothing once the subject died or withdrew.

A visit is overdue once the end of its window has passed and it is neither recorded nor
recorded as not done (:mod:`metsor.services.casebook.missed_visits`; a retracted mark counts
for nothing): the next visit of a kind is the one after the highest number recorded or marked.

:func:`expected_visits` reads one subject's dosing history; :func:`expected_visits_of` reads
the recorded visits, marks and dosing histories of many subjects (a page of the dashboard, a run of
the edit checks) with one statement each, whatever their number, and gives each subject what
:func:`expected_visits` would. The treatment ends when every study drug of the arm has been
discontinued, on the day the last one was: one rule,
:func:`metsor.protocol.dose_rules.treatment_ended_on`, which
:func:`metsor.services.casebook.dosing.treatment_ended_on` asks too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from metsor.protocol.dose_rules import DoseStep, treatment_ended_on
from metsor.protocol.schedule import PlannedVisit, VisitSchedule, visit_schedule
from metsor.services.protocol_in_force import protocol_of
from metsor.store.models.casebook import DoseEvent, MissedVisit, TumourAssessment, Visit
from metsor.store.models.core import Allocation, Subject

__all__ = [
    "FOLLOW_UP_ENDED",
    "ExpectedVisit",
    "SubjectVisits",
    "expected_visits",
    "expected_visits_of",
]

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


@dataclass(frozen=True)
class SubjectVisits:
    """A subject's recorded visits (by id), the visits recorded as not done (standing marks,
    by id) and the visits still expected of them."""

    subject_id: str
    recorded: tuple[Visit, ...]
    expected: tuple[ExpectedVisit, ...]
    missed: tuple[MissedVisit, ...] = ()


def _standing_marks(session: Session, which: ColumnElement[bool]) -> dict[str, list[MissedVisit]]:
    """The marks not retracted of the subjects ``which`` chooses, in one statement."""
    statement = (
        select(MissedVisit)
        .where(which, MissedVisit.retracted.is_(False))
        .order_by(MissedVisit.subject_id, MissedVisit.id)
    )
    found: dict[str, list[MissedVisit]] = {}
    for mark in session.scalars(statement):
        found.setdefault(mark.subject_id, []).append(mark)
    return found


def _dose_histories(
    session: Session, which: ColumnElement[bool]
) -> dict[str, dict[str, list[DoseStep]]]:
    """The dosing events of the subjects ``which`` chooses, in one statement."""
    statement = (
        select(DoseEvent.subject_id, DoseEvent.drug, DoseEvent.event, DoseEvent.event_date,
               DoseEvent.level)
        .where(which)
        .order_by(DoseEvent.subject_id, DoseEvent.drug, DoseEvent.event_date, DoseEvent.id)
    )  # fmt: skip
    found: dict[str, dict[str, list[DoseStep]]] = {}
    for subject_id, drug, event, on, level in session.execute(statement):
        found.setdefault(subject_id, {}).setdefault(drug, []).append(DoseStep(event, on, level))
    return found


def _progressions(
    session: Session, schedule: VisitSchedule, which: ColumnElement[bool]
) -> dict[str, date]:
    """The day of the first progression (PD by the criteria that end the schedule's imaging)
    of the subjects ``which`` chooses, in one statement; none read when imaging goes on."""
    criteria = schedule.imaging_ends_at_progression
    if criteria is None:
        return {}
    response = (
        TumourAssessment.mrecist_response
        if criteria == "mrecist"
        else TumourAssessment.recist_response
    )
    statement = (
        select(TumourAssessment.subject_id, func.min(TumourAssessment.assessed_on))
        .where(which, TumourAssessment.is_baseline.is_(False), response == "PD")
        .group_by(TumourAssessment.subject_id)
    )
    return {subject_id: on for subject_id, on in session.execute(statement)}


def _expected(
    schedule: VisitSchedule,
    subject: Subject,
    allocation: Allocation,
    visits: Sequence[Visit],
    ended: date | None,
    missed: Sequence[MissedVisit] = (),
    progressed_on: date | None = None,
) -> tuple[ExpectedVisit, ...]:
    if subject.status in FOLLOW_UP_ENDED:
        return ()
    randomized_on = allocation.randomized_at.date()
    kinds = ["baseline", "tumour_assessment"]
    if subject.status == "on_treatment":
        kinds.insert(1, "treatment")
    if ended is not None:
        kinds.append("follow_up")
    expected = []
    for visit_type in kinds:
        if not schedule.expects(visit_type, progressed_on):
            continue
        numbers = [v.number for v in visits if v.visit_type == visit_type]
        numbers += [m.number for m in missed if m.visit_type == visit_type]
        if visit_type == "baseline" and numbers:
            continue
        number = 0 if visit_type == "baseline" else max(numbers, default=0) + 1
        planned = schedule.plan(
            visit_type, number, randomized_on=randomized_on, treatment_ended_on=ended
        )
        expected.append(ExpectedVisit(visit_type, number, planned))
    return tuple(expected)


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
        The subject's recorded visits (their marks of visits not done are read here).

    Returns
    -------
    tuple of ExpectedVisit
        In the order baseline, treatment, tumour assessment, follow-up (those expected);
        empty once the subject died or withdrew.
    """
    if subject.status in FOLLOW_UP_ENDED:
        return ()
    protocol = protocol_of(session)
    doses = _dose_histories(session, DoseEvent.subject_id == subject.subject_id)
    ended = treatment_ended_on(protocol.drugs_of(allocation.arm), doses.get(subject.subject_id, {}))
    missed = _standing_marks(session, MissedVisit.subject_id == subject.subject_id)
    schedule = visit_schedule(protocol)
    progressions = _progressions(
        session, schedule, TumourAssessment.subject_id == subject.subject_id
    )
    return _expected(
        schedule,
        subject,
        allocation,
        visits,
        ended,
        missed.get(subject.subject_id, ()),
        progressions.get(subject.subject_id),
    )


def expected_visits_of(
    session: Session,
    courses: Sequence[tuple[Subject, Allocation]],
    subjects: Select[str],
) -> dict[str, SubjectVisits]:
    """The recorded, missed and expected visits of many randomized subjects, in four
    statements (three when the protocol images beyond progression).

    Parameters
    ----------
    session
        The transaction.
    courses
        Each subject with their allocation.
    subjects
        A statement selecting the ids of (at least) those subjects: their visits, marks of
        visits not done, dosing histories and first progressions are read for all of them at
        once.

    Returns
    -------
    dict
        Subject → their recorded visits (by id), their standing marks of visits not done, and
        what :func:`expected_visits` gives them.
    """
    chosen = subjects.order_by(None)
    recorded: dict[str, list[Visit]] = {}
    statement = (
        select(Visit).where(Visit.subject_id.in_(chosen)).order_by(Visit.subject_id, Visit.id)
    )
    for visit in session.scalars(statement):
        recorded.setdefault(visit.subject_id, []).append(visit)
    protocol = protocol_of(session)
    schedule = visit_schedule(protocol)
    doses = _dose_histories(session, DoseEvent.subject_id.in_(chosen))
    marks = _standing_marks(session, MissedVisit.subject_id.in_(chosen))
    progressions = _progressions(session, schedule, TumourAssessment.subject_id.in_(chosen))
    found = {}
    for subject, allocation in courses:
        visits = recorded.get(subject.subject_id, [])
        ended = (
            None
            if subject.status in FOLLOW_UP_ENDED
            else treatment_ended_on(
                protocol.drugs_of(allocation.arm), doses.get(subject.subject_id, {})
            )
        )
        missed = marks.get(subject.subject_id, [])
        found[subject.subject_id] = SubjectVisits(
            subject.subject_id,
            tuple(visits),
            _expected(
                schedule,
                subject,
                allocation,
                visits,
                ended,
                missed,
                progressions.get(subject.subject_id),
            ),
            tuple(missed),
        )
    return found
