"""Kaplan–Meier estimate with Greenwood variance, as R's ``survfit`` computes it.

The curve has one row per distinct observed time (events and censorings), like
``survfit(Surv(time, status) ~ 1)``. Its ``std_err`` is R's: the Greenwood standard error of
the cumulative hazard, i.e. of log S(t). Confidence bands follow ``survival:::survfit_confint``
for the "log", "log-log" and "plain" transforms; the median and its interval follow what
``print(fit)`` shows (``survival:::survmean``), including the midpoint rule where S(t) is 0.5
over an interval; survival at given times follows ``summary(fit, times=, extend=TRUE)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from metsor.errors import InputError
from metsor.stats._arrays import as_survival_data

__all__ = [
    "ConfType",
    "KaplanMeier",
    "MedianSurvival",
    "SurvivalAtTimes",
    "kaplan_meier",
    "survival_confidence_band",
]

ConfType = Literal["log", "log-log", "plain"]
CONF_TYPES: tuple[ConfType, ...] = ("log", "log-log", "plain")

# survmean's tolerance for "S(t) equals 0.5": sqrt(machine epsilon).
_MEDIAN_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))


@dataclass(frozen=True)
class MedianSurvival:
    """Median survival time and its confidence interval (NaN where not reached)."""

    median: float
    lower: float
    upper: float


@dataclass(frozen=True)
class SurvivalAtTimes:
    """The curve read at given times, as ``summary(fit, times=, extend=TRUE)``.

    Attributes
    ----------
    time
        The requested times, sorted.
    survival, std_err, lower, upper
        S(t), its standard error on the survival scale, and the confidence band.
    n_risk
        Patients at risk at t (follow-up time >= t).
    n_event
        Events after the previous requested time, up to and including t.
    """

    time: NDArray[np.float64]
    survival: NDArray[np.float64]
    std_err: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    n_risk: NDArray[np.int64]
    n_event: NDArray[np.int64]


@dataclass(frozen=True)
class KaplanMeier:
    """A fitted Kaplan–Meier curve.

    Attributes
    ----------
    time
        Distinct observed times, ascending.
    n_risk, n_event, n_censor
        At risk just before each time, events and censorings at it.
    survival
        S(t) just after each time.
    std_err
        Greenwood standard error of log S(t) (R's ``fit$std.err``); inf once S reaches 0.
    lower, upper
        Pointwise confidence band (NaN where R gives NA).
    conf_type, conf_level
        The transform and level of the band.
    """

    time: NDArray[np.float64]
    n_risk: NDArray[np.int64]
    n_event: NDArray[np.int64]
    n_censor: NDArray[np.int64]
    survival: NDArray[np.float64]
    std_err: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    conf_type: ConfType
    conf_level: float

    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self.n_event.sum() + self.n_censor.sum())

    @property
    def events(self) -> int:
        """Number of events."""
        return int(self.n_event.sum())

    def median(self) -> MedianSurvival:
        """Median survival and its interval, as ``print(survfit(...))`` shows them.

        Returns
        -------
        MedianSurvival
            The first time S(t) <= 0.5 (the midpoint of the interval where S(t) is exactly
            0.5, to a tolerance of sqrt(eps)); the interval is where the lower and the upper
            band cross 0.5 by the same rule (Brookmeyer–Crowley form with the chosen
            transform). NaN where not reached.

        References
        ----------
        Brookmeyer R, Crowley J. A confidence interval for the median survival time.
        Biometrics 1982;38:29–41. R package survival, ``survmean`` (Therneau).
        """
        return MedianSurvival(
            median=_first_below_half(self.survival, self.time),
            lower=_first_below_half(self.lower, self.time),
            upper=_first_below_half(self.upper, self.time),
        )

    def at_risk(self, times: ArrayLike) -> NDArray[np.int64]:
        """Patients at risk (follow-up time >= t) at each of ``times``.

        Parameters
        ----------
        times
            Non-negative times.

        Returns
        -------
        ndarray
            One count per time, in the order given.
        """
        t = _check_times(times)
        # number of distinct times < t, then the risk set at the next time
        index = np.searchsorted(self.time, t, side="left")
        padded = np.append(self.n_risk, 0)
        return np.asarray(padded[index], dtype=np.int64)

    def survival_at(self, times: ArrayLike) -> SurvivalAtTimes:
        """Survival, its standard error and band at given times.

        Parameters
        ----------
        times
            Non-negative times; they are sorted, as R sorts them. Times after the last
            follow-up keep the last value of the curve with nobody at risk (``extend=TRUE``).

        Returns
        -------
        SurvivalAtTimes
        """
        t = np.sort(_check_times(times))
        # row of the last observed time <= t; -1 means before the first (the curve's t=0 row)
        row = np.searchsorted(self.time, t, side="right") - 1
        before = row < 0
        safe = np.maximum(row, 0)
        surv = np.where(before, 1.0, self.survival[safe])
        se_log = np.where(before, 0.0, self.std_err[safe])
        with np.errstate(invalid="ignore"):
            std_err = se_log * surv
        lower = np.where(before, 1.0, self.lower[safe])
        upper = np.where(before, 1.0, self.upper[safe])
        cum_events = np.concatenate(([0], np.cumsum(self.n_event)))[row + 1]
        n_event = np.diff(np.concatenate(([0], cum_events)))
        return SurvivalAtTimes(
            time=t,
            survival=surv,
            std_err=std_err,
            lower=lower,
            upper=upper,
            n_risk=self.at_risk(t),
            n_event=n_event.astype(np.int64),
        )


def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    *,
    conf_type: ConfType = "log-log",
    conf_level: float = 0.95,
    timefix: bool = True,
) -> KaplanMeier:
    """Fit the Kaplan–Meier estimate with Greenwood variance.

    Parameters
    ----------
    time
        Follow-up times (non-negative).
    event
        1 for an event, 0 for censored.
    conf_type
        Transform of the pointwise band: "log-log" (the default here, and SAS's), "log"
        (R's default) or "plain".
    conf_level
        Level of the band, in (0, 1).
    timefix
        Merge times equal up to rounding error, as R does (``timefix = TRUE``).

    Returns
    -------
    KaplanMeier

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. JASA
    1958;53:457–481. Greenwood M. The natural duration of cancer. Reports on Public Health
    and Medical Subjects 1926;33. R package survival, ``survfit.formula`` (Therneau).

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1], conf_type="log")
    >>> km.survival.tolist()
    [0.75, 0.5, 0.5, 0.0]
    """
    t, e = as_survival_data(time, event, timefix=timefix)
    times, inverse = np.unique(t, return_inverse=True)
    n_event = np.bincount(inverse, weights=e, minlength=times.size).astype(np.int64)
    n_at_time = np.bincount(inverse, minlength=times.size).astype(np.int64)
    n_risk = t.size - np.concatenate(([0], np.cumsum(n_at_time)[:-1]))
    survival = np.cumprod(1.0 - n_event / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        increments = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    std_err = np.sqrt(np.cumsum(increments))
    lower, upper = survival_confidence_band(survival, std_err, conf_type, conf_level)
    return KaplanMeier(
        time=times,
        n_risk=n_risk.astype(np.int64),
        n_event=n_event,
        n_censor=n_at_time - n_event,
        survival=survival,
        std_err=std_err,
        lower=lower,
        upper=upper,
        conf_type=conf_type,
        conf_level=conf_level,
    )


def survival_confidence_band(
    survival: NDArray[np.float64],
    std_err: NDArray[np.float64],
    conf_type: ConfType,
    conf_level: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pointwise band of a survival curve, as ``survival:::survfit_confint``.

    Parameters
    ----------
    survival
        S(t).
    std_err
        Standard error of log S(t).
    conf_type
        "log", "log-log" or "plain".
    conf_level
        Level in (0, 1).

    Returns
    -------
    lower, upper
        NaN where R gives NA (S = 0; also S = 1 for "log-log").

    References
    ----------
    Kalbfleisch JD, Prentice RL. The Statistical Analysis of Failure Time Data. Wiley 1980
    (the log-log band). R package survival, ``survfit_confint`` (Therneau).
    """
    if conf_type not in CONF_TYPES:
        raise InputError(
            f"conf_type must be one of {', '.join(CONF_TYPES)}, not {conf_type!r}",
            field="conf_type",
        )
    if not 0.0 < conf_level < 1.0:
        raise InputError(f"conf_level must be in (0, 1), not {conf_level}", field="conf_level")
    z = float(stats.norm.ppf(1.0 - (1.0 - conf_level) / 2.0))
    p = np.asarray(survival, dtype=np.float64)
    se = np.asarray(std_err, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = se * p * z
            lower = np.maximum(p - half, 0.0)
            upper = np.minimum(p + half, 1.0)
            undefined = ~np.isfinite(half)
        elif conf_type == "log":
            log_p = np.log(np.where(p == 0, np.nan, p))
            lower = np.exp(log_p - z * se)
            upper = np.minimum(np.exp(log_p + z * se), 1.0)
            undefined = p == 0
        else:
            xx = np.where((p == 0) | (p == 1), np.nan, p)
            half = z * se / np.log(xx)
            loglog = np.log(-np.log(xx))
            lower = np.exp(-np.exp(loglog - half))
            upper = np.exp(-np.exp(loglog + half))
            undefined = (p == 0) | (p == 1)
    lower = np.where(undefined, np.nan, lower)
    upper = np.where(undefined, np.nan, upper)
    return lower, upper


def _first_below_half(curve: NDArray[np.float64], time: NDArray[np.float64]) -> float:
    """R's ``minmin``: first time the curve is <= 0.5, midpoint rule on a flat 0.5."""
    keep = ~np.isnan(curve) & (curve < 0.5 + _MEDIAN_TOLERANCE)
    if not np.any(keep):
        return float("nan")
    y = curve[keep]
    x = time[keep]
    if abs(y[0] - 0.5) < _MEDIAN_TOLERANCE:
        lower_rows = np.flatnonzero(y < y[0])
        if lower_rows.size:
            return float((x[0] + x[lower_rows[0]]) / 2.0)
    return float(x[0])


def _check_times(times: ArrayLike) -> NDArray[np.float64]:
    t = np.atleast_1d(np.asarray(times, dtype=np.float64))
    if t.ndim != 1 or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise InputError("times must be finite and >= 0", field="times")
    return t
