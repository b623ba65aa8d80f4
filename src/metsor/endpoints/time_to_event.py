"""Overall survival, time to progression and progression-free survival of one subject.

Time zero is the date of randomization. ``days`` is the number of days elapsed from
randomization to the event or censoring date (randomization day itself is day 0, so a subject
censored at randomization has 0 days); ``months = days / 30.4375``.

Two views of the same data:

- ``cutoff`` (data cut-off): nothing recorded after that date is used; a subject whose record
  goes on beyond it is censored at the cut-off (OS) or at the last adequate assessment on or
  before it (TTP, PFS), with reason "data cut-off".
- ``horizon_months`` (administrative censoring, the registered 12-month analysis): an outcome
  decided after randomization + ``floor(horizon_months * 30.4375)`` days (365 for 12 months) is
  censored with reason "administrative (12 months)": OS at that day, TTP and PFS at the last
  adequate assessment on or before it (randomization when there was none), so that no
  unassessed progression-free time is credited. For TTP and PFS the deciding date is that of the
  progression or death, or of the start of new anticancer therapy, not the censoring date a
  rule below would give: a death without progression after the horizon is administrative
  censoring under either death-censoring rule. It is applied to the outcome of full follow-up
  (after any cut-off).

Progression is PD at a tumour assessment by the chosen criterion (``"mrecist"``, primary, or
``"recist"``). A PD result counts even when the assessment was otherwise incomplete, since one
new lesion or the growth of the assessed targets is enough for PD (RECIST 1.1 §4.3).
An adequate assessment is one flagged adequate with a response other than NE.

Censoring of TTP and PFS follows the FDA 2018 guidance, in this order:

1. New anticancer therapy started before the event: censored at the last adequate
   assessment on or before the start of therapy ("new anticancer therapy before progression").
2. Event after two or more missed assessments (see :class:`AssessmentSchedule`): censored at
   the last adequate assessment before it ("two or more missed assessments before event").
3. TTP only: death without prior progression is censored ("death without progression") at the
   last adequate assessment on or before the death (the protocol's default,
   :attr:`metsor.protocol.model.EndpointRules.ttp_death_censoring`) or, as an option, at death.
4. No event: censored at the last adequate assessment; at randomization (day 0) when there was
   none ("no adequate post-baseline assessment"); otherwise the reason is "data cut-off" when the
   record goes on past the cut-off, then "lost to follow-up", "withdrawal", or "progression-free
   at last adequate assessment".

References
----------
U.S. Food and Drug Administration. Clinical Trial Endpoints for the Approval of Cancer Drugs and
Biologics: Guidance for Industry. December 2018.
Eisenhauer EA et al. New response evaluation criteria in solid tumours: revised RECIST guideline
(version 1.1). Eur J Cancer 2009;45:228–247.
Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma.
Semin Liver Dis 2010;30:52–60.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from metsor.endpoints.censoring import (
    ALIVE_AT_LAST_CONTACT,
    DATA_CUTOFF,
    DAYS_PER_MONTH,
    DEATH_WITHOUT_PROGRESSION,
    LOST_TO_FOLLOW_UP,
    MISSED_ASSESSMENTS,
    NEW_ANTICANCER_THERAPY,
    NO_ADEQUATE_ASSESSMENT,
    PROGRESSION_FREE_AT_LAST_ASSESSMENT,
    PROTOCOL_RULES,
    WITHDRAWAL,
    AssessmentSchedule,
    administrative_reason,
    horizon_days,
)
from metsor.endpoints.course import SubjectCourse, TumourAssessmentResult, check_cutoff
from metsor.errors import InputError

__all__ = [
    "Criterion",
    "DeathCensoring",
    "TimeToEvent",
    "overall_survival",
    "progression_free_survival",
    "time_to_progression",
]

Criterion = Literal["mrecist", "recist"]
DeathCensoring = Literal["last_adequate_assessment", "death"]
"""Where TTP censors a death without progression."""

_CRITERION_NAMES: dict[str, str] = {"mrecist": "mRECIST", "recist": "RECIST 1.1"}
_DEFAULT_SCHEDULE = AssessmentSchedule()


@dataclass(frozen=True)
class TimeToEvent:
    """A subject's time to an event, or to censoring.

    Attributes
    ----------
    days
        Days from randomization to ``event_or_censor_date`` (randomization day = 0).
    months
        ``days / 30.4375``.
    event
        True for an event, False for censoring.
    censor_reason
        Why the time is censored (one of :data:`CENSOR_REASONS` or the administrative reason);
        None for an event.
    event_or_censor_date
        The date of the event or of censoring.
    event_description
        What the event was (``"death"``, ``"progression (mRECIST)"``); None when censored.
    censor_date_description
        What the censoring date is (``"last contact"``, ``"data cut-off"``, ``"last adequate
        tumour assessment"``, ``"randomization"``, ``"death"``, ``"12-month horizon"``); None
        for an event.
    """

    days: int
    months: float
    event: bool
    censor_reason: str | None
    event_or_censor_date: date
    event_description: str | None = None
    censor_date_description: str | None = None


def overall_survival(
    course: SubjectCourse,
    *,
    cutoff: date | None = None,
    horizon_months: float | None = None,
) -> TimeToEvent:
    """Overall survival: randomization to death from any cause.

    Parameters
    ----------
    course
        The subject's course.
    cutoff
        Data cut-off date; None uses everything recorded.
    horizon_months
        Administrative censoring horizon (12 for the registered analysis); None for full
        follow-up.

    Returns
    -------
    TimeToEvent
        An event at death, or censoring at the last contact ("alive at last contact",
        "withdrawal", "lost to follow-up") or at the cut-off ("data cut-off").

    Raises
    ------
    InputError
        If the cut-off is before randomization or the horizon is not positive.

    References
    ----------
    FDA 2018 guidance (see module docstring), section on overall survival.
    """
    check_cutoff(course, cutoff)
    start = course.randomized_on
    death = _seen(course.death_on, cutoff)
    reason = _follow_up_end_reason(course, cutoff, otherwise=ALIVE_AT_LAST_CONTACT)
    if death is not None:
        outcome = _event(start, death, "death")
    elif cutoff is not None and reason == DATA_CUTOFF:
        outcome = _censored(start, cutoff, DATA_CUTOFF, "data cut-off")
    else:
        outcome = _censored(start, course.last_contact_on, reason, "last contact")
    return _truncate(start, outcome, horizon_months)


def time_to_progression(
    course: SubjectCourse,
    *,
    cutoff: date | None = None,
    horizon_months: float | None = None,
    criterion: Criterion = "mrecist",
    schedule: AssessmentSchedule = _DEFAULT_SCHEDULE,
    death_censoring: DeathCensoring = PROTOCOL_RULES.ttp_death_censoring,
) -> TimeToEvent:
    """Time to progression: randomization to radiological progression; death is censoring.

    Parameters
    ----------
    course
        The subject's course.
    cutoff
        Data cut-off date; None uses everything recorded.
    horizon_months
        Administrative censoring horizon; None for full follow-up.
    criterion
        ``"mrecist"`` (primary) or ``"recist"``.
    schedule
        Assessment schedule for the missed-assessment rule.
    death_censoring
        Where a death without prior progression is censored: ``"last_adequate_assessment"``
        (the protocol's default) or ``"death"`` (the death date).

    Returns
    -------
    TimeToEvent
        Progression, or censoring as described in the module docstring.

    Raises
    ------
    InputError
        If the criterion or ``death_censoring`` is not one of the known values.

    References
    ----------
    FDA 2018 guidance (see module docstring). Llovet JM et al. NEJM 2008;359:378–390 (SHARP:
    time to radiological progression, deaths censored).
    """
    if death_censoring not in ("last_adequate_assessment", "death"):
        raise InputError(
            "death_censoring must be 'last_adequate_assessment' or 'death', "
            f"got {death_censoring!r}",
            field="death_censoring",
        )
    return _progression_endpoint(
        course,
        cutoff,
        horizon_months,
        criterion,
        schedule,
        death_is_event=False,
        censor_death_at_death=death_censoring == "death",
    )


def progression_free_survival(
    course: SubjectCourse,
    *,
    cutoff: date | None = None,
    horizon_months: float | None = None,
    criterion: Criterion = "mrecist",
    schedule: AssessmentSchedule = _DEFAULT_SCHEDULE,
) -> TimeToEvent:
    """Progression-free survival: randomization to progression or death, whichever first.

    Parameters
    ----------
    course
        The subject's course.
    cutoff
        Data cut-off date; None uses everything recorded.
    horizon_months
        Administrative censoring horizon; None for full follow-up.
    criterion
        ``"mrecist"`` (primary) or ``"recist"``.
    schedule
        Assessment schedule for the missed-assessment rule.

    Returns
    -------
    TimeToEvent
        Progression or death, or censoring at the last adequate assessment as described in the
        module docstring.

    References
    ----------
    FDA 2018 guidance (see module docstring), appendix table of PFS censoring conventions.
    """
    return _progression_endpoint(
        course, cutoff, horizon_months, criterion, schedule, death_is_event=True
    )


def _progression_endpoint(
    course: SubjectCourse,
    cutoff: date | None,
    horizon_months: float | None,
    criterion: Criterion,
    schedule: AssessmentSchedule,
    *,
    death_is_event: bool,
    censor_death_at_death: bool = False,
) -> TimeToEvent:
    check_cutoff(course, cutoff)
    if criterion not in _CRITERION_NAMES:
        raise InputError(
            f"criterion must be 'mrecist' or 'recist', got {criterion!r}", field="criterion"
        )
    start = course.randomized_on
    visible = [a for a in course.tumour_assessments if cutoff is None or a.date <= cutoff]
    progression = next((a.date for a in visible if a.response(criterion) == "PD"), None)
    death = _seen(course.death_on, cutoff)
    therapy = _seen(course.new_anticancer_therapy_on, cutoff)
    progression_text = f"progression ({_CRITERION_NAMES[criterion]})"

    first, kind = _first_event(progression, death, progression_text)
    # The date that decides the outcome (the therapy start, the event, or the anchor when
    # there is none): when it lies after the horizon the outcome is administrative censoring,
    # whatever the censoring date within the horizon would otherwise be labelled.
    decided_on = first
    if therapy is not None and (first is None or therapy < first):
        decided_on = therapy
        anchor = _last_adequate(visible, criterion, start, on_or_before=therapy)
        outcome = _censored(start, anchor, NEW_ANTICANCER_THERAPY, _anchor_text(anchor, start))
    elif first is not None and (death_is_event or kind != "death"):
        anchor = _last_adequate(
            visible, criterion, start, on_or_before=first, strictly=kind != "death"
        )
        if (first - anchor).days > schedule.max_gap_days:
            outcome = _censored(start, anchor, MISSED_ASSESSMENTS, _anchor_text(anchor, start))
        else:
            outcome = _event(start, first, kind)
    elif first is not None and censor_death_at_death:
        outcome = _censored(start, first, DEATH_WITHOUT_PROGRESSION, "death")
    elif first is not None:
        anchor = _last_adequate(visible, criterion, start, on_or_before=first)
        outcome = _censored(
            start, anchor, DEATH_WITHOUT_PROGRESSION, _anchor_text(anchor, start, " before death")
        )
    else:
        anchor = _last_adequate(visible, criterion, start, on_or_before=None)
        reason = _no_event_reason(course, cutoff, anchor)
        outcome = _censored(start, anchor, reason, _anchor_text(anchor, start))
        decided_on = anchor
    if horizon_months is None:
        return outcome
    limit = start + timedelta(days=horizon_days(horizon_months))
    if decided_on is None or decided_on <= limit:
        return outcome
    anchor = _last_adequate(visible, criterion, start, on_or_before=limit)
    return _censored(
        start,
        anchor,
        administrative_reason(horizon_months),
        _anchor_text(anchor, start, f" on or before the {horizon_months:g}-month horizon"),
    )


def _first_event(
    progression: date | None, death: date | None, progression_text: str
) -> tuple[date | None, str]:
    if progression is not None and (death is None or progression <= death):
        return progression, progression_text
    if death is not None:
        return death, "death"
    return None, ""


def _no_event_reason(course: SubjectCourse, cutoff: date | None, anchor: date) -> str:
    if anchor == course.randomized_on:
        return NO_ADEQUATE_ASSESSMENT
    return _follow_up_end_reason(course, cutoff, otherwise=PROGRESSION_FREE_AT_LAST_ASSESSMENT)


def _follow_up_end_reason(course: SubjectCourse, cutoff: date | None, *, otherwise: str) -> str:
    """Why follow-up without an event ends (OS, TTP and PFS alike): the data cut-off when the
    record goes on past it, then loss to follow-up, withdrawal, or ``otherwise``."""
    if cutoff is not None and (course.last_contact_on >= cutoff or course.death_on is not None):
        return DATA_CUTOFF
    if _seen(course.lost_to_follow_up_on, cutoff) is not None:
        return LOST_TO_FOLLOW_UP
    if _seen(course.withdrawn_on, cutoff) is not None:
        return WITHDRAWAL
    return otherwise


def _last_adequate(
    assessments: list[TumourAssessmentResult],
    criterion: Criterion,
    start: date,
    *,
    on_or_before: date | None,
    strictly: bool = False,
) -> date:
    """Date of the last adequate assessment up to a date (randomization when none)."""
    last = start
    for item in assessments:
        if on_or_before is not None and (
            item.date > on_or_before or (strictly and item.date == on_or_before)
        ):
            break
        if item.adequate and item.response(criterion) != "NE":
            last = item.date
    return last


def _anchor_text(anchor: date, start: date, qualifier: str = "") -> str:
    return "randomization" if anchor == start else f"last adequate tumour assessment{qualifier}"


def _seen(value: date | None, cutoff: date | None) -> date | None:
    if value is None or (cutoff is not None and value > cutoff):
        return None
    return value


def _event(start: date, on: date, description: str) -> TimeToEvent:
    days = (on - start).days
    return TimeToEvent(days, days / DAYS_PER_MONTH, True, None, on, description, None)


def _censored(start: date, on: date, reason: str, date_description: str) -> TimeToEvent:
    days = (on - start).days
    return TimeToEvent(days, days / DAYS_PER_MONTH, False, reason, on, None, date_description)


def _truncate(start: date, outcome: TimeToEvent, horizon_months: float | None) -> TimeToEvent:
    if horizon_months is None:
        return outcome
    limit = horizon_days(horizon_months)
    if outcome.days <= limit:
        return outcome
    return _censored(
        start,
        start + timedelta(days=limit),
        administrative_reason(horizon_months),
        f"{horizon_months:g}-month horizon",
    )
