"""The trial's analysis as frozen results: the one place its numbers are computed.

Per endpoint: Kaplan–Meier per arm, the log-rank test and Cox hazard ratio stratified by the
randomization strata and unstratified, survival rates, restricted mean survival; per response
criterion: rates with exact intervals, their difference, the odds ratio and Fisher's test;
per subject and drug: exposure and relative dose intensity; baseline characteristics by arm
(:mod:`metsor.analysis.baseline`, also the subgroups' classification).
The CLI, the virtual trial, the report and the exports only format these results.
"""

from metsor.analysis.datasets import (
    RESPONSE_PARAMS,
    TIME_TO_EVENT_PARAMS,
    TrialAnalysis,
    analyse_adrs,
    analyse_adtte,
    analyse_trial,
)
from metsor.analysis.exposure import (
    DosingEvent,
    DrugExposure,
    ExposureSummary,
    drug_exposures,
    summarise_exposure,
    treatment_ends,
)
from metsor.analysis.response import ArmResponse, ResponseComparison, compare_response
from metsor.analysis.survival import (
    ArmSurvival,
    HazardRatio,
    LogRank,
    SurvivalAtTime,
    SurvivalComparison,
    compare_survival,
)

__all__ = [
    "RESPONSE_PARAMS",
    "TIME_TO_EVENT_PARAMS",
    "ArmResponse",
    "ArmSurvival",
    "DosingEvent",
    "DrugExposure",
    "ExposureSummary",
    "HazardRatio",
    "LogRank",
    "ResponseComparison",
    "SurvivalAtTime",
    "SurvivalComparison",
    "TrialAnalysis",
    "analyse_adrs",
    "analyse_adtte",
    "analyse_trial",
    "compare_response",
    "compare_survival",
    "drug_exposures",
    "summarise_exposure",
    "treatment_ends",
]
