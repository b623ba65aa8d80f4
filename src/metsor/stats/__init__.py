"""Survival and response statistics whose figures match R's ``survival`` and ``stats``.

Kaplan–Meier with Greenwood variance, the (stratified) log-rank test, the Cox model with
Efron or Breslow ties, the ``cox.zph`` proportional-hazards test, restricted mean survival
time, and response-rate intervals and tests. Everything works on arrays.
"""

from metsor.stats.cox import CoxFit, cox_ph
from metsor.stats.cox_zph import CoxZph, cox_zph
from metsor.stats.kaplan_meier import KaplanMeier, MedianSurvival, SurvivalAtTimes, kaplan_meier
from metsor.stats.logrank import LogRankResult, logrank_test
from metsor.stats.proportions import (
    FisherExact,
    ProportionEstimate,
    RateDifference,
    clopper_pearson,
    fisher_exact,
    newcombe_difference,
    wilson_interval,
)
from metsor.stats.rmst import (
    RestrictedMean,
    RestrictedMeanDifference,
    restricted_mean,
    rmst_difference,
)

__all__ = [
    "CoxFit",
    "CoxZph",
    "FisherExact",
    "KaplanMeier",
    "LogRankResult",
    "MedianSurvival",
    "ProportionEstimate",
    "RateDifference",
    "RestrictedMean",
    "RestrictedMeanDifference",
    "SurvivalAtTimes",
    "clopper_pearson",
    "cox_ph",
    "cox_zph",
    "fisher_exact",
    "kaplan_meier",
    "logrank_test",
    "newcombe_difference",
    "restricted_mean",
    "rmst_difference",
    "wilson_interval",
]
