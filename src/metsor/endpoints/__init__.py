"""Endpoints of the trial from each subject's course: OS, TTP, PFS with their censoring
rules, best overall response, and the analysis datasets built from them. Pure: values in,
values out."""

from metsor.endpoints.censoring import (
    CENSOR_REASONS,
    DAYS_PER_MONTH,
    AssessmentSchedule,
    administrative_reason,
)
from metsor.endpoints.course import Response, SubjectCourse, TumourAssessmentResult
from metsor.endpoints.time_to_event import (
    Criterion,
    TimeToEvent,
    overall_survival,
    progression_free_survival,
    time_to_progression,
)

__all__ = [
    "CENSOR_REASONS",
    "DAYS_PER_MONTH",
    "AssessmentSchedule",
    "Criterion",
    "Response",
    "SubjectCourse",
    "TimeToEvent",
    "TumourAssessmentResult",
    "administrative_reason",
    "overall_survival",
    "progression_free_survival",
    "time_to_progression",
]
