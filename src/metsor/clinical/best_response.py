"""Best overall response over a series of time-point responses (RECIST 1.1, section 4.4;
the same rule serves mRECIST)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from metsor.clinical.tumour import RESPONSES, Response
from metsor.errors import InputError

__all__ = ["best_overall_response"]

_RANK: dict[str, int] = {"CR": 0, "PR": 1, "SD": 2, "PD": 3, "NE": 4}


def _on_study(
    responses: Sequence[tuple[datetime.date, Response]], randomized_on: datetime.date
) -> list[tuple[datetime.date, Response]]:
    """Responses from randomisation on, by date, up to and including the first PD."""
    seen: set[datetime.date] = set()
    for when, response in responses:
        if not isinstance(when, datetime.date) or response not in RESPONSES:
            raise InputError(
                f"each response must be (date, one of {', '.join(RESPONSES)}), "
                f"got ({when!r}, {response!r})",
                field="responses",
            )
        if when in seen:
            raise InputError(f"two responses dated {when}", field="responses")
        seen.add(when)
    ordered = sorted((item for item in responses if item[0] >= randomized_on), key=lambda x: x[0])
    for index, (_, response) in enumerate(ordered):
        if response == "PD":
            return ordered[: index + 1]
    return ordered


def _confirmed(
    ordered: list[tuple[datetime.date, Response]], index: int, confirm_days: int
) -> Response:
    """CR or PR at ``index`` as confirmed by a later CR/PR at least ``confirm_days`` on."""
    when, response = ordered[index]
    later = [
        r
        for later_when, r in ordered[index + 1 :]
        if r in ("CR", "PR") and (later_when - when).days >= confirm_days
    ]
    if not later:
        return "SD"
    if response == "CR" and "CR" in later:
        return "CR"
    return "PR"


def best_overall_response(
    responses: Sequence[tuple[datetime.date, Response]],
    *,
    randomized_on: datetime.date,
    window_days: int | None = 365,
    confirmation_required: bool = False,
    confirm_days: int = 28,
    sd_min_days: int = 0,
) -> Response:
    """Best overall response of one subject.

    Parameters
    ----------
    responses
        (scan date, time-point response) pairs, in any order; at most one per date.
    randomized_on
        Date of randomisation; earlier responses are ignored.
    window_days
        Only responses at most this many days after randomisation count; None for no limit.
        Responses after the first PD never count.
    confirmation_required
        Whether CR and PR need confirmation by a later assessment at least ``confirm_days``
        on (CR by a CR; PR by a PR or CR; a CR followed only by a PR counts as PR). An
        unconfirmed CR or PR counts as SD. RECIST 1.1 asks for confirmation only in trials
        whose primary endpoint is response; METSOR's is survival.
    confirm_days
        Least interval between a response and its confirmation (4 weeks in RECIST 1.1).
    sd_min_days
        Least time from randomisation for an SD (or unconfirmed response) to count; the
        protocol sets it (6–8 weeks is usual). An SD too early is NE unless PD follows.

    Returns
    -------
    {"CR", "PR", "SD", "PD", "NE"}
        The best of the qualifying responses in the order CR, PR, SD, PD; NE when none
        qualifies.

    Raises
    ------
    InputError
        For a malformed response, two on one date, or a negative day count.

    References
    ----------
    Eisenhauer EA et al. Eur J Cancer 2009;45:228–247, section 4.4 and table 3.
    """
    for name, days in (
        ("window_days", window_days),
        ("confirm_days", confirm_days),
        ("sd_min_days", sd_min_days),
    ):
        if days is not None and days < 0:
            raise InputError(f"{name} must not be negative, got {days}", field=name)
    ordered = _on_study(responses, randomized_on)
    best: Response = "NE"
    for index, (when, response) in enumerate(ordered):
        days_on_study = (when - randomized_on).days
        if window_days is not None and days_on_study > window_days:
            break
        counted: Response = response
        if confirmation_required and response in ("CR", "PR"):
            counted = _confirmed(ordered, index, confirm_days)
        if counted == "SD" and days_on_study < sd_min_days:
            continue
        if _RANK[counted] < _RANK[best]:
            best = counted
    return best
