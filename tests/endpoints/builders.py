"""Builders of hand-made subject courses; dates are given as days after randomization."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from metsor.endpoints import SubjectCourse, TumourAssessmentResult

RANDOMIZED_ON = date(2016, 3, 1)


def day(n: int) -> date:
    """The date ``n`` days after randomization."""
    return RANDOMIZED_ON + timedelta(days=n)


def scan(n: int, mrecist: str, recist: str | None = None, *, adequate: bool = True) -> Any:
    """A tumour assessment on day ``n`` (RECIST 1.1 response defaults to the mRECIST one)."""
    return TumourAssessmentResult(day(n), mrecist, recist or mrecist, adequate)  # type: ignore[arg-type]


def course(
    *,
    alive: int | None = None,
    death: int | None = None,
    scans: tuple[Any, ...] = (),
    therapy: int | None = None,
    withdrawn: int | None = None,
    lost: int | None = None,
    subject_id: str = "001",
    arm: str = "sorafenib",
    baseline: dict[str, Any] | None = None,
) -> SubjectCourse:
    """A subject course with the named events on the given study days."""

    def opt(n: int | None) -> date | None:
        return None if n is None else day(n)

    return SubjectCourse(
        subject_id=subject_id,
        arm=arm,
        site="tianjin",
        stratum="ecog0-mvi_ehs_yes",
        randomized_on=RANDOMIZED_ON,
        last_known_alive_on=opt(alive),
        death_on=opt(death),
        tumour_assessments=scans,
        new_anticancer_therapy_on=opt(therapy),
        withdrawn_on=opt(withdrawn),
        lost_to_follow_up_on=opt(lost),
        baseline=baseline or {},
    )
