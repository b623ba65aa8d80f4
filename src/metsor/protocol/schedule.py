"""The visit schedule: when each visit of a subject's course is due.

A protocol's schedule (:func:`visit_schedule`), counted in days from randomization (day 0):

- baseline (number 0): within the protocol's baseline window up to randomization
  (:attr:`metsor.protocol.model.EntryWindows.baseline_window_days`); clinical and imaging
  work-up;
- treatment visits (1, 2, …): every ``treatment_interval_days``, ± ``treatment_window_days``
  (:class:`metsor.protocol.model.VisitIntervals`);
- tumour assessments (1, 2, …): the protocol's assessment schedule
  (:class:`metsor.protocol.model.EndpointRules`, the one definition the endpoints' missed-
  assessment rule and the simulator read too); the baseline assessment is number 0, in the
  baseline window. A drug held around iodinated contrast
  (:class:`metsor.protocol.treatment.ContrastHold`) carries the hold as an interruption. They
  stop at the first radiological progression by the criteria the protocol names
  (:attr:`metsor.protocol.model.EndpointRules.imaging_ends_at_progression`): once it is
  recorded no assessment is expected (one done is recorded all the same), unless the protocol
  images beyond progression (:meth:`VisitSchedule.expects`);
- follow-up (1, 2, …): the safety visit ``safety_follow_up_days`` after the end of treatment,
  then every ``survival_interval_days`` for survival;
- unscheduled: any day, no plan.

A visit outside its window is recorded all the same and flagged: a protocol deviation is a fact
to report, not an input to refuse. A visit number whose planned date lies more than one
interval after the visit's actual date is refused, though: that visit cannot have been due
yet, so the number is wrong (visit 100000 would be planned some 7,700 years on). Numbers are at
most :data:`MAX_VISIT_NUMBER`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from metsor.errors import ConflictError, InputError
from metsor.protocol.model import Protocol

__all__ = ["MAX_VISIT_NUMBER", "VISIT_TYPES", "PlannedVisit", "VisitSchedule", "visit_schedule"]

MAX_VISIT_NUMBER = 1000
"""The highest visit number of any type: 1,000 four-weekly visits are some 77 years."""

VISIT_TYPES: tuple[str, ...] = (
    "baseline",
    "treatment",
    "tumour_assessment",
    "follow_up",
    "unscheduled",
)
"""The kinds of visit of a subject's course."""


@dataclass(frozen=True)
class PlannedVisit:
    """When one visit is due.

    Attributes
    ----------
    visit_type
        One of :data:`VISIT_TYPES`.
    number
        0 for baseline, then 1, 2, … within its type.
    planned
        The target date (``None`` when the anchor date is not known yet, or unscheduled).
    window_start, window_end
        The first and last acceptable dates (``None`` with ``planned``).
    """

    visit_type: str
    number: int
    planned: date | None
    window_start: date | None
    window_end: date | None

    def in_window(self, actual: date) -> bool | None:
        """Whether ``actual`` lies in the window; ``None`` when there is no window."""
        if self.window_start is None or self.window_end is None:
            return None
        return self.window_start <= actual <= self.window_end


@dataclass(frozen=True)
class VisitSchedule:
    """A trial's visit schedule, in days.

    Attributes
    ----------
    baseline_window_days
        How many days before randomization the baseline work-up may be done.
    treatment_interval_days, treatment_window_days
        Interval between treatment visits and the half-width of their window.
    tumour_interval_days, tumour_window_days
        Interval between tumour assessments and the half-width of their window.
    safety_follow_up_days
        Days from the end of treatment to the safety follow-up (follow-up 1).
    survival_interval_days, follow_up_window_days
        Interval between later follow-up visits and the half-width of their window.
    imaging_ends_at_progression
        The response criteria (``"mrecist"``, ``"recist"``) whose first progression ends the
        tumour assessments; None when imaging goes on beyond progression.
    """

    baseline_window_days: int
    treatment_interval_days: int
    treatment_window_days: int
    tumour_interval_days: int
    tumour_window_days: int
    safety_follow_up_days: int
    survival_interval_days: int
    follow_up_window_days: int
    imaging_ends_at_progression: Literal["mrecist", "recist"] | None

    def expects(self, visit_type: str, progressed_on: date | None) -> bool:
        """Whether a visit of ``visit_type`` is still expected of a subject whose first
        progression (by :attr:`imaging_ends_at_progression`) was on ``progressed_on``.

        Every visit is, but a tumour assessment once that progression is recorded, when the
        protocol ends imaging there: from then on the subject is followed for survival (a scan
        planned before it and not done is not sought either; a scan done is recorded all the
        same).

        Parameters
        ----------
        visit_type
            One of :data:`VISIT_TYPES`.
        progressed_on
            The day of the subject's first progression by the protocol's criteria; None when
            none is recorded.

        Returns
        -------
        bool
            False only for a tumour assessment the protocol no longer asks for.
        """
        return (
            visit_type != "tumour_assessment"
            or progressed_on is None
            or self.imaging_ends_at_progression is None
        )

    def plan(
        self,
        visit_type: str,
        number: int,
        *,
        randomized_on: date | None,
        treatment_ended_on: date | None = None,
    ) -> PlannedVisit:
        """Return when a visit is due.

        Parameters
        ----------
        visit_type
            One of :data:`VISIT_TYPES`.
        number
            0 for a baseline visit or the baseline tumour assessment; 1, 2, … otherwise.
        randomized_on
            The subject's randomization date, if randomized.
        treatment_ended_on
            The date the last study drug was stopped, if it was.

        Returns
        -------
        PlannedVisit
            The target date and window, or ``None`` dates where the anchor is unknown.

        Raises
        ------
        InputError
            If the type is unknown or the number does not fit the type.
        """
        _check_number(visit_type, number)
        if visit_type == "unscheduled":
            return PlannedVisit(visit_type, number, None, None, None)
        if visit_type == "follow_up":
            return self._follow_up(number, treatment_ended_on)
        if randomized_on is None:
            return PlannedVisit(visit_type, number, None, None, None)
        if number == 0:
            start = randomized_on - timedelta(days=self.baseline_window_days)
            return PlannedVisit(visit_type, 0, randomized_on, start, randomized_on)
        if visit_type == "treatment":
            interval, half = self.treatment_interval_days, self.treatment_window_days
        else:
            interval, half = self.tumour_interval_days, self.tumour_window_days
        return _around(visit_type, number, randomized_on + timedelta(days=interval * number), half)

    def interval_days(self, visit_type: str) -> int | None:
        """Days between two visits of ``visit_type`` (None for baseline and unscheduled)."""
        return {
            "treatment": self.treatment_interval_days,
            "tumour_assessment": self.tumour_interval_days,
            "follow_up": self.survival_interval_days,
        }.get(visit_type)

    def check_follow_up_started(
        self, subject_id: str, visit_type: str, treatment_ended_on: date | None
    ) -> None:
        """Refuse a follow-up visit (taken place or missed) while the subject is on study
        treatment: follow-up visits are planned from the day the last study drug was
        discontinued.

        Raises
        ------
        ConflictError
            Naming ``visit_type``.
        """
        if visit_type == "follow_up" and treatment_ended_on is None:
            raise ConflictError(
                f"subject {subject_id} is still on study treatment; follow-up visits start "
                "after the last study drug is discontinued",
                field="visit_type",
            )

    def check_not_ahead(
        self, visit_type: str, number: int, planned: date | None, on: date, *, happened: str
    ) -> None:
        """Refuse a visit dated more than one interval before its planned day: it cannot have
        ``happened`` (been due, been missed) yet — most likely a wrong visit number.

        Parameters
        ----------
        visit_type, number
            The visit, as numbered in the schedule.
        planned
            Its planned day (None: not planned yet, nothing to check).
        on
            The day it is recorded for.
        happened
            What the record says of it, for the message (``"due"``, ``"missed"``).

        Raises
        ------
        InputError
            Naming ``number``.
        """
        interval = self.interval_days(visit_type)
        if planned is not None and interval is not None and planned > on + timedelta(interval):
            raise InputError(
                f"{visit_type} visit {number} is planned for {planned}, more than {interval} "
                f"days after {on}: it cannot have been {happened} yet; check the visit number",
                field="number",
            )

    def _follow_up(self, number: int, ended: date | None) -> PlannedVisit:
        if ended is None:
            return PlannedVisit("follow_up", number, None, None, None)
        days = self.safety_follow_up_days + self.survival_interval_days * (number - 1)
        planned = ended + timedelta(days=days)
        return _around("follow_up", number, planned, self.follow_up_window_days)


def _around(visit_type: str, number: int, planned: date, half: int) -> PlannedVisit:
    delta = timedelta(days=half)
    return PlannedVisit(visit_type, number, planned, planned - delta, planned + delta)


def _check_number(visit_type: str, number: int) -> None:
    if visit_type not in VISIT_TYPES:
        raise InputError(
            f"unknown visit type {visit_type!r}; expected one of {list(VISIT_TYPES)}",
            field="visit_type",
        )
    whole = isinstance(number, int) and not isinstance(number, bool)
    if not whole or not 0 <= number <= MAX_VISIT_NUMBER:
        raise InputError(
            f"visit number must be a whole number from 0 to {MAX_VISIT_NUMBER}, got {number!r}",
            field="number",
        )
    if visit_type == "baseline" and number != 0:
        raise InputError("the baseline visit is number 0", field="number")
    if visit_type in ("treatment", "follow_up") and number == 0:
        raise InputError(f"{visit_type} visits are numbered from 1", field="number")


def visit_schedule(protocol: Protocol) -> VisitSchedule:
    """The visit schedule of a protocol: its baseline window (:class:`~metsor.protocol.model.
    EntryWindows`), tumour assessments and where they end (:class:`~metsor.protocol.model.
    EndpointRules`) and
    treatment and follow-up visits (:class:`~metsor.protocol.model.VisitIntervals`)."""
    visits, rules = protocol.visits, protocol.endpoint_rules
    return VisitSchedule(
        baseline_window_days=protocol.windows.baseline_window_days,
        treatment_interval_days=visits.treatment_interval_days,
        treatment_window_days=visits.treatment_window_days,
        tumour_interval_days=rules.tumour_interval_days,
        tumour_window_days=rules.tumour_window_days,
        safety_follow_up_days=visits.safety_follow_up_days,
        survival_interval_days=visits.survival_interval_days,
        follow_up_window_days=visits.follow_up_window_days,
        imaging_ends_at_progression=rules.imaging_ends_at_progression,
    )
