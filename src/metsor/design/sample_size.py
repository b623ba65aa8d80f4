"""Events, sample size and power of a two-arm log-rank test.

Figures follow rpact's ``getSampleSizeSurvival`` / ``getPowerSurvival``: events from Schoenfeld's
or Freedman's formula, the number of patients as events divided by the probability that a
patient has had the event by the analysis, averaged over uniform accrual. Dropout is given as the
probability of dropping out within 12 months (rpact's ``dropoutRate`` with ``dropoutTime = 12``),
an exponential competing risk. The allocation ratio is experimental : control.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scipy.stats import norm

from metsor.design.boundaries import BETA_LOWER, check_alpha
from metsor.design.expected_events import (
    SurvivalModel,
    dropout_hazard,
    event_probability,
    expected_events,
    months,
    positive,
)
from metsor.errors import InputError

__all__ = [
    "Method",
    "PowerResult",
    "SampleSizeResult",
    "freedman_events",
    "logrank_power",
    "required_events",
    "sample_size",
    "schoenfeld_events",
]

Method = Literal["schoenfeld", "freedman"]


@dataclass(frozen=True)
class PowerResult:
    """Power of the log-rank test at a given size.

    Attributes
    ----------
    power
        Probability of rejecting H0 (both tails when two-sided).
    expected_events
        Expected number of events at the analysis.
    hr
        Hazard ratio experimental / control.
    """

    power: float
    expected_events: float
    hr: float


@dataclass(frozen=True)
class SampleSizeResult:
    """Events and patients for a fixed-design log-rank test.

    Attributes
    ----------
    events, events_ceil
        Required events and that number rounded up.
    n, n_ceil
        Required patients and that number rounded up.
    hr
        Hazard ratio experimental / control.
    analysis_time
        Months from the first patient in to the analysis (accrual + follow-up).
    """

    events: float
    events_ceil: int
    n: float
    n_ceil: int
    hr: float
    analysis_time: float


def _check_common(alpha: float, sides: int, allocation_ratio: float) -> None:
    check_alpha(alpha)
    if sides not in (1, 2):
        raise InputError("sides must be 1 or 2", field="sides")
    positive(allocation_ratio, "allocation_ratio")


def schoenfeld_events(
    hr: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    allocation_ratio: float = 1.0,
) -> float:
    """Events for the log-rank test by Schoenfeld's formula.

    Parameters
    ----------
    hr
        Hazard ratio experimental / control (≠ 1).
    alpha, sides
        Significance level and number of sides (α/sides in each tail).
    power
        1 − β.
    allocation_ratio
        Patients experimental : control.

    Returns
    -------
    float
        (z_{α/s} + z_β)² (1 + r)² / (r log² HR).

    References
    ----------
    Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
    distributions. Biometrika 1981;68:316–319.
    """
    _check_effect(hr, alpha, sides, allocation_ratio, power)
    r = allocation_ratio
    z = float(norm.isf(alpha / sides) + norm.isf(1.0 - power))
    return z * z * (1.0 + r) ** 2 / (r * math.log(hr) ** 2)


def freedman_events(
    hr: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    allocation_ratio: float = 1.0,
) -> float:
    """Events for the log-rank test by Freedman's formula.

    Returns
    -------
    float
        (z_{α/s} + z_β)² (1 + r HR)² / (r (1 − HR)²).

    References
    ----------
    Freedman LS. Tables of the number of patients required in clinical trials using the logrank
    test. Stat Med 1982;1:121–129.
    """
    _check_effect(hr, alpha, sides, allocation_ratio, power)
    r = allocation_ratio
    z = float(norm.isf(alpha / sides) + norm.isf(1.0 - power))
    return z * z * (1.0 + r * hr) ** 2 / (r * (1.0 - hr) ** 2)


def _check_effect(hr: float, alpha: float, sides: int, ratio: float, power: float) -> None:
    positive(hr, "hr")
    if abs(hr - 1.0) < 1e-12:
        raise InputError("hr must differ from 1 to size a trial", field="hr")
    _check_common(alpha, sides, ratio)
    if not isinstance(power, int | float) or isinstance(power, bool):
        raise InputError(f"power must be a number, not {power!r}", field="power")
    beta = 1.0 - power
    if not BETA_LOWER <= beta < 1.0 - alpha:
        raise InputError(
            f"power must lie in (alpha, 1 - {BETA_LOWER:g}] (rpact's range of beta), not {power!r}",
            field="power",
        )


def required_events(hr: float, *, method: str = "schoenfeld", **kwargs: float) -> float:
    """Events by ``method`` (``"schoenfeld"`` or ``"freedman"``); see those functions."""
    if method == "schoenfeld":
        return schoenfeld_events(hr, **kwargs)  # type: ignore[arg-type]
    if method == "freedman":
        return freedman_events(hr, **kwargs)  # type: ignore[arg-type]
    raise InputError(f"method must be schoenfeld or freedman, not {method!r}", field="method")


def _model(
    median_control: float,
    median_experimental: float | None,
    hr: float | None,
    dropout_per_year: float,
    piecewise: tuple[Sequence[float], Sequence[float]] | None,
) -> SurvivalModel:
    if piecewise is not None:
        try:
            starts, hazards = (tuple(float(x) for x in p) for p in piecewise)
        except (TypeError, ValueError):
            raise InputError(
                "piecewise starts and hazards must be numbers", field="piecewise"
            ) from None
        if not all(math.isfinite(h) and h > 0 for h in hazards) or any(
            not math.isfinite(b) or b <= a for a, b in itertools.pairwise(starts)
        ):
            raise InputError(
                "piecewise hazards must be positive and starts increasing", field="piecewise"
            )
        if hr is None or len(starts) != len(hazards) or starts[0] != 0.0:
            raise InputError(
                "piecewise survival needs hr, starts beginning at 0, one hazard per piece",
                field="piecewise",
            )
        return SurvivalModel(hazards, hr, starts, dropout_hazard(dropout_per_year))
    months(median_control, "median_control")
    if median_experimental is None:
        if hr is None:
            raise InputError(
                "give 'median_experimental' or 'hr'", field="median_experimental", names=("hr",)
            )
        positive(hr, "hr")
        median_experimental = median_control / hr
    return SurvivalModel.from_medians(median_control, median_experimental, dropout_per_year)


def sample_size(
    *,
    median_control: float,
    median_experimental: float | None = None,
    hr: float | None = None,
    alpha: float = 0.05,
    sides: int = 2,
    power: float = 0.8,
    accrual_months: float,
    follow_up_months: float,
    dropout_per_year: float = 0.0,
    allocation_ratio: float = 1.0,
    method: str = "schoenfeld",
    piecewise: tuple[Sequence[float], Sequence[float]] | None = None,
) -> SampleSizeResult:
    """Events and patients for a fixed-design two-arm log-rank test.

    Parameters
    ----------
    median_control, median_experimental
        Exponential medians in months; or give ``hr`` instead of the experimental median.
    hr
        Hazard ratio experimental / control.
    alpha, sides, power
        Level, sides (α/sides in each tail) and power.
    accrual_months, follow_up_months
        Uniform accrual, then follow-up of the last patient: analysis at their sum.
    dropout_per_year
        Probability of dropping out within 12 months (exponential).
    allocation_ratio
        Patients experimental : control.
    method
        ``"schoenfeld"`` or ``"freedman"``.
    piecewise
        ``(starts, control_hazards)`` for piecewise-exponential control survival (then ``hr``).

    Returns
    -------
    SampleSizeResult
        Events and patients, exact and rounded up.

    References
    ----------
    Schoenfeld D. Biometrika 1981;68:316–319. Freedman LS. Stat Med 1982;1:121–129.
    Wassmer G, Brannath W. Group Sequential and Confirmatory Adaptive Designs in Clinical
    Trials. Springer, 2016 (rpact).
    """
    model = _model(median_control, median_experimental, hr, dropout_per_year, piecewise)
    months(follow_up_months, "follow_up_months", minimum=0.0)
    positive(follow_up_months, "follow_up_months")
    events = required_events(
        model.hr,
        method=method,
        alpha=alpha,
        power=power,
        sides=sides,
        allocation_ratio=allocation_ratio,
    )
    t = accrual_months + follow_up_months
    prob = event_probability(
        t, model=model, accrual_months=accrual_months, allocation_ratio=allocation_ratio
    )
    if not prob > 0.0:
        raise InputError(
            f"no patient is expected to have an event by month {t:g}: lengthen the accrual "
            "or the follow-up",
            field="follow_up_months",
        )
    n = events / prob  # prob ≤ 1, so never fewer patients than events
    return SampleSizeResult(
        events=events,
        events_ceil=math.ceil(events - 1e-9),
        n=n,
        n_ceil=math.ceil(n - 1e-9),
        hr=model.hr,
        analysis_time=t,
    )


def logrank_power(
    *,
    n: float,
    median_control: float,
    median_experimental: float,
    alpha: float = 0.05,
    sides: int = 2,
    accrual_months: float,
    follow_up_months: float,
    dropout_per_year: float = 0.0,
    allocation_ratio: float = 1.0,
    method: str = "schoenfeld",
) -> PowerResult:
    """Power of the log-rank test with ``n`` patients, analysed at accrual + follow-up.

    Parameters
    ----------
    n
        Patients in both arms.
    median_control, median_experimental
        Exponential medians in months.
    alpha, sides
        Level and sides; two-sided power counts both tails, as rpact does.
    accrual_months, follow_up_months
        Uniform accrual and follow-up after the last patient in.
    dropout_per_year
        Probability of dropping out within 12 months (exponential).
    allocation_ratio
        Patients experimental : control.
    method
        ``"schoenfeld"`` (drift √(D r) |log HR| / (1 + r)) or ``"freedman"``
        (drift √(D r) |1 − HR| / (1 + r HR)).

    Returns
    -------
    PowerResult
        Power, expected events and hazard ratio.

    References
    ----------
    Schoenfeld D. Biometrika 1981;68:316–319. Freedman LS. Stat Med 1982;1:121–129.
    """
    _check_common(alpha, sides, allocation_ratio)
    months(follow_up_months, "follow_up_months", minimum=0.0)
    positive(follow_up_months, "follow_up_months")
    model = SurvivalModel.from_medians(median_control, median_experimental, dropout_per_year)
    events = expected_events(
        n,
        accrual_months + follow_up_months,
        model=model,
        accrual_months=accrual_months,
        allocation_ratio=allocation_ratio,
    )
    r, hr = allocation_ratio, model.hr
    if method == "schoenfeld":
        drift = math.sqrt(events * r) * abs(math.log(hr)) / (1.0 + r)
    elif method == "freedman":
        drift = math.sqrt(events * r) * abs(1.0 - hr) / (1.0 + r * hr)
    else:
        raise InputError(f"method must be schoenfeld or freedman, not {method!r}", field="method")
    z = float(norm.isf(alpha / sides))
    power = float(norm.sf(z - drift))
    if sides == 2:
        power += float(norm.cdf(-z - drift))
    return PowerResult(power=power, expected_events=events, hr=hr)
