"""Best overall response and objective response of one subject, within 12 months.

The time-point responses recorded at each assessment are combined by
:func:`metsor.clinical.best_overall_response` (RECIST 1.1 §4.4; the same rule serves mRECIST).
What this module decides is which assessments enter:

- only those on or before the data cut-off;
- only those on or before the start of a new anticancer therapy (a response after other
  treatment is not a response to the trial's);
- an assessment flagged inadequate enters as NE unless it showed PD (one new lesion is
  enough for PD);
- the window is ``floor(window_months * 30.4375)`` days from randomization (365 days for the
  registered 12 months), counted inclusively, as the time-to-event horizon.

Confirmation of CR and PR is off by default: RECIST 1.1 asks for it only when response is the
primary endpoint; METSOR's primary endpoint is overall survival.

References
----------
Eisenhauer EA et al. Eur J Cancer 2009;45:228–247, §4.4 (best overall response).
Lencioni R, Llovet JM. Semin Liver Dis 2010;30:52–60 (mRECIST).
U.S. Food and Drug Administration. Clinical Trial Endpoints for the Approval of Cancer Drugs and
Biologics: Guidance for Industry. December 2018 (objective response rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from metsor.clinical import best_overall_response
from metsor.clinical.tumour import Response
from metsor.endpoints.censoring import horizon_days
from metsor.endpoints.course import SubjectCourse
from metsor.endpoints.time_to_event import Criterion
from metsor.errors import InputError

__all__ = ["BestResponse", "best_response"]


@dataclass(frozen=True)
class BestResponse:
    """A subject's best overall response by one criterion.

    Attributes
    ----------
    criterion
        ``"mrecist"`` or ``"recist"``.
    response
        CR, PR, SD, PD or NE.
    objective_response
        True when the best response is CR or PR.
    assessments_counted
        How many assessments entered (after cut-off, therapy and window).
    """

    criterion: Criterion
    response: Response
    objective_response: bool
    assessments_counted: int


def best_response(
    course: SubjectCourse,
    *,
    criterion: Criterion = "mrecist",
    window_months: float | None = 12.0,
    cutoff: date | None = None,
    confirmation_required: bool = False,
    sd_min_days: int = 0,
) -> BestResponse:
    """Best overall response of a subject within the window.

    Parameters
    ----------
    course
        The subject's course.
    criterion
        ``"mrecist"`` (primary) or ``"recist"`` (RECIST 1.1, secondary).
    window_months
        Window from randomization (12 for the registered ORR); None for no limit.
    cutoff
        Data cut-off; assessments after it are ignored.
    confirmation_required
        Whether CR and PR need a confirming assessment at least 28 days later.
    sd_min_days
        Least time from randomization for SD to count (protocol setting; default 0).

    Returns
    -------
    BestResponse
        The best response and the objective-response flag.

    Raises
    ------
    InputError
        If the criterion or window is not usable.

    References
    ----------
    Eisenhauer EA et al. Eur J Cancer 2009;45:228–247, §4.4.
    """
    if criterion not in ("mrecist", "recist"):
        raise InputError(
            f"criterion must be 'mrecist' or 'recist', got {criterion!r}", field="criterion"
        )
    window = None if window_months is None else _window_days(window_months)
    last_usable = course.new_anticancer_therapy_on
    if cutoff is not None and (last_usable is None or cutoff < last_usable):
        last_usable = cutoff
    responses: list[tuple[date, Response]] = []
    for item in course.tumour_assessments:
        if last_usable is not None and item.date > last_usable:
            break
        if window is not None and item.date > course.randomized_on + timedelta(days=window):
            break
        value = item.response(criterion)
        responses.append((item.date, value if item.adequate or value == "PD" else "NE"))
    best = best_overall_response(
        responses,
        randomized_on=course.randomized_on,
        window_days=window,
        confirmation_required=confirmation_required,
        sd_min_days=sd_min_days,
    )
    return BestResponse(
        criterion=criterion,
        response=best,
        objective_response=best in ("CR", "PR"),
        assessments_counted=len(responses),
    )


def _window_days(window_months: float) -> int:
    try:
        return horizon_days(window_months)
    except InputError as exc:
        raise InputError(
            f"window_months must be a positive number, got {window_months!r}",
            field="window_months",
        ) from exc
