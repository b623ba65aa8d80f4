"""Expected events under uniform accrual, piecewise-exponential survival and dropout.

As rpact's ``getEventProbabilities``: a patient entering at a uniform time in the accrual period
has had an observed event by calendar time t with probability ∫ F(t − entry) d(entry) / accrual,
where F is the event distribution with exponential dropout as a competing risk. Dropout is given
as the probability of dropping out within 12 months (rpact's ``dropoutRate`` with
``dropoutTime = 12``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import integrate

from metsor.errors import InputError

__all__ = [
    "MAX_MONTHS",
    "MIN_MONTHS",
    "SurvivalModel",
    "dropout_hazard",
    "event_probability",
    "expected_events",
    "months",
    "positive",
]

_LN2 = math.log(2.0)
MIN_MONTHS = 1.0 / 30.4375
"""One day in months: the shortest median or accrual period a design may state."""
MAX_MONTHS = 1200.0
"""A hundred years: the longest median, accrual or follow-up a design may state."""


@dataclass(frozen=True)
class SurvivalModel:
    """Piecewise-exponential survival of both arms, with exponential dropout.

    Attributes
    ----------
    control_hazards
        Monthly hazards of the control arm on each piece.
    hr
        Hazard ratio experimental / control (proportional hazards).
    piece_starts
        Start of each piece in months (first is 0).
    dropout_hazard
        Monthly hazard of dropping out (both arms).
    """

    control_hazards: tuple[float, ...]
    hr: float
    piece_starts: tuple[float, ...] = (0.0,)
    dropout_hazard: float = 0.0

    @classmethod
    def from_medians(
        cls, median_control: float, median_experimental: float, dropout_per_year: float = 0.0
    ) -> SurvivalModel:
        """Exponential arms from their medians (months)."""
        months(median_control, "median_control")
        months(median_experimental, "median_experimental")
        return cls(
            control_hazards=(_LN2 / median_control,),
            hr=median_control / median_experimental,
            dropout_hazard=dropout_hazard(dropout_per_year),
        )

    def event_cdf(self, time: float, arm_hr: float) -> float:
        """P(event observed by ``time`` after entry) for an arm with hazard × ``arm_hr``."""
        phi = self.dropout_hazard
        total = 0.0
        cum = 0.0
        starts = (*self.piece_starts, math.inf)
        for j, lam0 in enumerate(self.control_hazards):
            lo, hi = starts[j], min(starts[j + 1], time)
            if hi <= lo:
                break
            lam = lam0 * arm_hr
            k = lam + phi
            total += lam / k * math.exp(-cum - phi * lo) * -math.expm1(-k * (hi - lo))
            cum += lam * (hi - lo)
        return total


def dropout_hazard(dropout_per_year: float) -> float:
    """Monthly dropout hazard; ``dropout_per_year`` = P(drop out within 12 months)."""
    if not 0.0 <= dropout_per_year < 1.0:
        raise InputError("dropout_per_year must lie in [0, 1)", field="dropout_per_year")
    return -math.log1p(-dropout_per_year) / 12.0


def positive(value: float, name: str) -> None:
    """Raise InputError naming ``name`` unless ``value`` is a finite positive number."""
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{name} must be a positive number, not {value}", field=name)


def months(value: float, name: str, *, minimum: float = MIN_MONTHS) -> None:
    """Raise InputError naming ``name`` unless ``minimum`` ≤ ``value`` ≤ ``MAX_MONTHS``.

    A design's durations and medians lie between a day and a hundred years: beyond those the
    hazards (log 2 / median) and event probabilities leave the range where the formulas and
    the simulator are accurate, and a subnormal median makes a hazard infinite.
    """
    if not (isinstance(value, int | float) and not isinstance(value, bool)):
        raise InputError(f"{name} must be a number of months, not {value!r}", field=name)
    if not (math.isfinite(value) and minimum <= value <= MAX_MONTHS):
        low = "one day" if minimum == MIN_MONTHS else f"{minimum:g}"
        raise InputError(
            f"{name} must lie between {low} and {MAX_MONTHS:g} months, not {value}", field=name
        )


def event_probability(
    time: float, *, model: SurvivalModel, accrual_months: float, allocation_ratio: float = 1.0
) -> float:
    """Probability that a patient has had an observed event by calendar ``time``.

    Patients enter uniformly over ``[0, accrual_months]``; a patient not yet entered counts as
    without event, so ``n × event_probability`` is the expected number of events.

    Parameters
    ----------
    time
        Calendar months from the first patient in.
    model
        Survival and dropout of both arms.
    accrual_months
        Length of uniform accrual.
    allocation_ratio
        Patients experimental : control.

    Returns
    -------
    float
        (r P_experimental + P_control) / (1 + r).

    References
    ----------
    Lachin JM, Foulkes MA. Evaluation of sample size and power for analyses of survival with
    allowance for nonuniform patient entry, losses to follow-up, noncompliance, and
    stratification. Biometrics 1986;42:507–519.
    """
    months(accrual_months, "accrual_months")
    if time <= 0:
        return 0.0
    # integrate over the entry time e in [0, min(accrual, time)]: F(time − e) stays exact
    # when time dwarfs the accrual, where the follow-up scale t − accrual … t would round away
    entered = min(accrual_months, time)
    breaks = [time - s for s in model.piece_starts if time - entered < s < time]
    probs = []
    for arm_hr in (model.hr, 1.0):
        value, _ = integrate.quad(
            lambda entry, arm_hr=arm_hr: model.event_cdf(time - entry, arm_hr),
            0.0,
            entered,
            points=sorted(breaks) or None,
            epsabs=1e-13,
            epsrel=1e-12,
            limit=200,
        )
        probs.append(min(1.0, max(0.0, float(value) / accrual_months)))
    r = allocation_ratio
    return (r * probs[0] + probs[1]) / (1.0 + r)


def expected_events(
    n: float,
    time: float,
    *,
    model: SurvivalModel,
    accrual_months: float,
    allocation_ratio: float = 1.0,
) -> float:
    """Expected number of events among ``n`` patients at calendar ``time`` (months)."""
    positive(n, "n")
    return n * event_probability(
        time, model=model, accrual_months=accrual_months, allocation_ratio=allocation_ratio
    )
