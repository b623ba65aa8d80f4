"""Endpoints of the trial from each subject's course: OS, TTP, PFS with their censoring
rules, best overall response, and the analysis datasets built from them. Pure: values in,
values out."""

from metsor.endpoints.censoring import (
    CENSOR_REASONS,
    DAYS_PER_MONTH,
    AssessmentSchedule,
    administrative_reason,
    horizon_days,
)
from metsor.endpoints.course import Response, SubjectCourse, TumourAssessmentResult
from metsor.endpoints.datasets import (
    ADRS_COLUMNS,
    ADSL_COLUMNS,
    ADTTE_COLUMNS,
    adrs,
    adsl,
    adsl_columns,
    adtte,
)
from metsor.endpoints.response import BestResponse, best_response
from metsor.endpoints.time_to_event import (
    Criterion,
    TimeToEvent,
    overall_survival,
    progression_free_survival,
    time_to_progression,
)

__all__ = [
    "ADRS_COLUMNS",
    "ADSL_COLUMNS",
    "ADTTE_COLUMNS",
    "CENSOR_REASONS",
    "DAYS_PER_MONTH",
    "AssessmentSchedule",
    "BestResponse",
    "Criterion",
    "Response",
    "SubjectCourse",
    "TimeToEvent",
    "TumourAssessmentResult",
    "administrative_reason",
    "adrs",
    "adsl",
    "adsl_columns",
    "adtte",
    "best_response",
    "horizon_days",
    "overall_survival",
    "progression_free_survival",
    "time_to_progression",
]
