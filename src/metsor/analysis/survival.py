"""One time-to-event endpoint compared between two arms, as frozen results.

Per arm: patients, events, the Kaplan–Meier median with its confidence interval
(Brookmeyer–Crowley, in the chosen band), survival at given times, and the restricted mean up
to ``tau``. Between arms: the log-rank test, stratified by the randomization strata when they
are given and unstratified beside it as the sensitivity analysis; the signed log-rank statistic
``z`` (positive when the experimental arm has fewer events than expected, i.e. favours it); the
Cox hazard ratio of experimental against reference (Efron ties, Wald interval, stratified like
the primary log-rank test) with the ``cox.zph`` test of proportional hazards; and the
difference in restricted mean survival.

Every figure is one of :mod:`metsor.stats`, which match R's ``survival`` package; a figure
that is undefined for the data (an arm without patients, no events at all, a Cox coefficient
that is infinite) is ``None`` with the reason in :attr:`SurvivalComparison.warnings`, never an
exception, so that a report on a real database can say so.

References
----------
Kaplan EL, Meier P. JASA 1958;53:457–481. Brookmeyer R, Crowley J. Biometrics 1982;38:29–41.
Mantel N. Cancer Chemother Rep 1966;50:163–170. Cox DR. JRSS B 1972;34:187–220.
Grambsch PM, Therneau TM. Biometrika 1994;81:515–526. Royston P, Parmar MKB. BMC Med Res
Methodol 2013;13:152 (restricted mean survival time).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from metsor import stats
from metsor.errors import InputError

__all__ = [
    "ArmSurvival",
    "HazardRatio",
    "LogRank",
    "SurvivalAtTime",
    "SurvivalComparison",
    "compare_survival",
]

ConfType = Literal["log", "log-log", "plain"]


@dataclass(frozen=True)
class SurvivalAtTime:
    """The Kaplan–Meier estimate at one time, with its interval and the number at risk."""

    time: float
    survival: float
    lower: float
    upper: float
    at_risk: int


@dataclass(frozen=True)
class ArmSurvival:
    """One arm's Kaplan–Meier summary.

    ``median``, ``median_lower`` and ``median_upper`` are ``nan`` where not reached, as R
    prints ``NA``. ``curve`` is the whole estimate (for plots and risk tables).
    """

    arm: str
    n: int
    events: int
    median: float
    median_lower: float
    median_upper: float
    survival_at: tuple[SurvivalAtTime, ...]
    rmst: stats.RestrictedMean | None
    curve: stats.KaplanMeier = field(repr=False, compare=False)


@dataclass(frozen=True)
class LogRank:
    """A log-rank test of experimental against reference.

    ``z`` is the signed square root of ``chi2`` for two arms: the experimental arm's expected
    minus observed events over the square root of their variance, positive when it favours
    the experimental arm.
    """

    chi2: float
    df: int
    p_value: float
    z: float
    observed: tuple[float, float]
    expected: tuple[float, float]
    stratified: bool


@dataclass(frozen=True)
class HazardRatio:
    """The Cox hazard ratio of experimental against reference."""

    estimate: float
    lower: float
    upper: float
    p_value: float
    conf_level: float
    stratified: bool
    ph_test_p: float | None


@dataclass(frozen=True)
class SurvivalComparison:
    """One endpoint compared between two arms.

    ``logrank`` and ``hazard_ratio`` are the primary analysis (stratified when strata were
    given); ``logrank_unstratified`` and ``hazard_ratio_unstratified`` the sensitivity
    analysis (equal to the primary when no strata were given). ``cox_warnings`` are R's
    ``coxph`` warnings about the primary Cox fit, in R's words with the covariate's name, and
    ``cox_infinite`` says whether its coefficient may be infinite (then there is no hazard
    ratio).
    """

    reference: str
    experimental: str
    arms: dict[str, ArmSurvival]
    logrank: LogRank | None
    logrank_unstratified: LogRank | None
    hazard_ratio: HazardRatio | None
    hazard_ratio_unstratified: HazardRatio | None
    rmst_difference: stats.RestrictedMeanDifference | None
    conf_type: str
    warnings: tuple[str, ...]
    cox_warnings: tuple[str, ...] = ()
    cox_infinite: bool = False

    @property
    def events(self) -> int:
        """Events in both arms together."""
        return sum(arm.events for arm in self.arms.values())


def compare_survival(
    time: ArrayLike,
    event: ArrayLike,
    arm: Sequence[str],
    *,
    reference: str,
    experimental: str,
    strata: Sequence[str] | None = None,
    conf_type: ConfType = "log-log",
    conf_level: float = 0.95,
    at: Sequence[float] = (),
    tau: float | None = None,
    covariate: str = "arm",
) -> SurvivalComparison:
    """Compare one time-to-event endpoint between two arms.

    Parameters
    ----------
    time
        Follow-up times (non-negative, finite).
    event
        1 for an event, 0 for censored.
    arm
        The arm of each patient; patients of other arms are left out.
    reference, experimental
        The two arms compared; the hazard ratio is experimental over reference.
    strata
        Randomization stratum of each patient, or ``None``: with strata the primary log-rank
        test and Cox model are stratified.
    conf_type, conf_level
        The Kaplan–Meier band and the level of every interval.
    at
        Times at which to report survival.
    tau
        Horizon of the restricted mean survival time, or ``None``.
    covariate
        The name of the arm covariate in R's Cox warnings (a column name, for instance).

    Returns
    -------
    SurvivalComparison

    Raises
    ------
    InputError
        If the arrays differ in length, the two arms are the same, or a value is not a time
        or an event indicator.

    References
    ----------
    See the module docstring.
    """
    if reference == experimental:
        raise InputError("the reference and experimental arms must differ", field="experimental")
    labels = np.asarray(list(arm), dtype=object)
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event, dtype=np.float64)
    if not t.shape == e.shape == labels.shape or t.ndim != 1:
        raise InputError("time, event and arm must be one value per patient", field="arm")
    keep = (labels == reference) | (labels == experimental)
    s = None if strata is None else np.asarray(list(strata), dtype=object)
    if s is not None and s.shape != labels.shape:
        raise InputError("strata must be one value per patient", field="strata")
    t, e, labels = t[keep], e[keep], labels[keep]
    s = None if s is None else s[keep]
    warnings: list[str] = []
    arms: dict[str, ArmSurvival] = {}
    for level in (reference, experimental):
        mask = labels == level
        if not mask.any():
            warnings.append(f"arm {level!r} has no patients")
            continue
        arms[level] = _arm(level, t[mask], e[mask], conf_type, conf_level, at, tau)
    comparable = len(arms) == 2 and bool(e.any())
    if len(arms) == 2 and not e.any():
        warnings.append("no events in either arm: no log-rank test or hazard ratio")
    primary = unstratified = None
    hr = hr_unstratified = None
    rmst_diff = None
    fit: _CoxFit = _CoxFit(None, (), False)
    if comparable:
        experimental_mask = labels == experimental
        unstratified = _logrank(t, e, labels, experimental, None)
        fit = _hazard_ratio(t, e, experimental_mask, None, conf_level, covariate, warnings)
        hr_unstratified = fit.hazard_ratio
        if s is not None:
            primary = _logrank(t, e, labels, experimental, s)
            fit = _hazard_ratio(t, e, experimental_mask, s, conf_level, covariate, warnings)
            hr = fit.hazard_ratio
        else:
            primary, hr = unstratified, hr_unstratified
    if tau is not None and len(arms) == 2:
        rmst_diff = _rmst_difference(arms[experimental], arms[reference], tau, conf_level, warnings)
    return SurvivalComparison(
        reference=reference,
        experimental=experimental,
        arms=arms,
        logrank=primary,
        logrank_unstratified=unstratified,
        hazard_ratio=hr,
        hazard_ratio_unstratified=hr_unstratified,
        rmst_difference=rmst_diff,
        conf_type=conf_type,
        warnings=tuple(dict.fromkeys(warnings)),
        cox_warnings=fit.warnings,
        cox_infinite=fit.infinite,
    )


def _arm(
    level: str,
    t: NDArray[np.float64],
    e: NDArray[np.float64],
    conf_type: ConfType,
    conf_level: float,
    at: Sequence[float],
    tau: float | None,
) -> ArmSurvival:
    curve = stats.kaplan_meier(t, e, conf_type=conf_type, conf_level=conf_level)
    median = curve.median()
    rows: tuple[SurvivalAtTime, ...] = ()
    if at:
        table = curve.survival_at(list(at))
        rows = tuple(
            SurvivalAtTime(
                time=float(table.time[i]),
                survival=float(table.survival[i]),
                lower=float(table.lower[i]),
                upper=float(table.upper[i]),
                at_risk=int(table.n_risk[i]),
            )
            for i in range(table.time.size)
        )
    rmst = None if tau is None else stats.restricted_mean(curve, tau)
    return ArmSurvival(
        arm=level,
        n=curve.n,
        events=curve.events,
        median=median.median,
        median_lower=median.lower,
        median_upper=median.upper,
        survival_at=rows,
        rmst=rmst,
        curve=curve,
    )


def _logrank(
    t: NDArray[np.float64],
    e: NDArray[np.float64],
    labels: NDArray[np.object_],
    experimental: str,
    s: NDArray[np.object_] | None,
) -> LogRank:
    result = stats.logrank_test(t, e, labels, strata=s)
    groups = list(result.groups)
    i = groups.index(experimental)
    j = 1 - i
    variance = float(result.variance[i, i])
    deficit = float(result.expected[i] - result.observed[i])
    z = deficit / math.sqrt(variance) if variance > 0 else math.nan
    return LogRank(
        chi2=result.chi2,
        df=result.df,
        p_value=result.p_value,
        z=z,
        observed=(float(result.observed[j]), float(result.observed[i])),
        expected=(float(result.expected[j]), float(result.expected[i])),
        stratified=s is not None,
    )


@dataclass(frozen=True)
class _CoxFit:
    """A Cox fit's hazard ratio (``None`` when it has none) and R's warnings about it."""

    hazard_ratio: HazardRatio | None
    warnings: tuple[str, ...]
    infinite: bool


def _hazard_ratio(
    t: NDArray[np.float64],
    e: NDArray[np.float64],
    experimental: NDArray[np.bool_],
    s: NDArray[np.object_] | None,
    conf_level: float,
    covariate: str,
    warnings: list[str],
) -> _CoxFit:
    kind = "stratified " if s is not None else ""
    try:
        fit = stats.cox_ph(
            t, e, experimental.astype(float), names=[covariate], strata=s, conf_level=conf_level
        )
    except InputError as exc:
        warnings.append(f"no {kind}Cox hazard ratio: {exc.message}")
        return _CoxFit(None, (), False)
    infinite = any(fit.infinite)
    if not fit.converged or not math.isfinite(float(fit.se[0])):
        warnings.append(
            f"the {kind}Cox model did not converge (an arm without events?): no hazard ratio"
        )
        return _CoxFit(None, fit.warnings, infinite)
    if infinite:  # R's coxph warns, and its estimate means nothing
        warnings.append(
            f"the {kind}Cox coefficient may be infinite (an arm without events?): no hazard ratio"
        )
        return _CoxFit(None, fit.warnings, infinite)
    try:
        ph_test_p: float | None = stats.cox_zph(fit).global_p_value
    except InputError as exc:
        ph_test_p = None
        warnings.append(f"no proportional-hazards test for the {kind}Cox model: {exc.message}")
    ratio = HazardRatio(
        estimate=float(fit.hazard_ratio[0]),
        lower=float(fit.hr_lower[0]),
        upper=float(fit.hr_upper[0]),
        p_value=float(fit.p_value[0]),
        conf_level=conf_level,
        stratified=s is not None,
        ph_test_p=ph_test_p,
    )
    return _CoxFit(ratio, fit.warnings, infinite)


def _rmst_difference(
    experimental: ArmSurvival,
    reference: ArmSurvival,
    tau: float,
    conf_level: float,
    warnings: list[str],
) -> stats.RestrictedMeanDifference | None:
    try:
        return stats.rmst_difference(
            experimental.curve, reference.curve, tau, conf_level=conf_level
        )
    except InputError as exc:
        warnings.append(f"no difference in restricted mean survival: {exc.message}")
        return None
