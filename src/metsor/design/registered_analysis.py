"""Power of a log-rank analysis that counts only events within a horizon of randomization.

A registry's outcome may carry a time frame ("12 months or time to death"): the analysis as
registered counts a death only when it comes within that many months of the patient's
randomization, every patient censored there. With uniform accrual over [0, A] and the
analysis at calendar time T, a patient who entered at e has had such an event with probability
F(min(h, T − e)), F the event distribution with dropout as a competing risk
(:meth:`metsor.design.expected_events.SurvivalModel.event_cdf`), so the expected share of
patients with an event is ∫ F(min(h, u)) du / A over u = T − e in [max(0, T − A), T]. With no
horizon (h ≥ T) this is rpact's ``getEventProbabilities``; the power follows from the expected
events by Schoenfeld's drift √(D r) |log HR| / (1 + r), as
:func:`metsor.design.sample_size.logrank_power`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import integrate
from scipy.stats import norm

from metsor.design.expected_events import SurvivalModel, positive
from metsor.errors import InputError

__all__ = ["HorizonPower", "event_probability_within", "power_within"]


@dataclass(frozen=True)
class HorizonPower:
    """Power of the log-rank test counting events within a horizon of randomization.

    Attributes
    ----------
    power
        Probability of rejecting H0 (both tails when two-sided).
    expected_events
        Expected events counted by the analysis.
    horizon_months
        Events count only this many months after randomization (inf: all of follow-up).
    analysis_month
        Calendar months from the first randomization to the analysis.
    """

    power: float
    expected_events: float
    horizon_months: float
    analysis_month: float


def event_probability_within(
    time: float,
    horizon_months: float,
    *,
    model: SurvivalModel,
    accrual_months: float,
    allocation_ratio: float = 1.0,
) -> float:
    """Probability that a patient has had an event within ``horizon_months`` of randomization.

    Parameters
    ----------
    time
        Calendar months from the first patient in to the analysis.
    horizon_months
        Events later than this after randomization are not counted (``math.inf``: all).
    model
        Survival and dropout of both arms.
    accrual_months
        Length of uniform accrual.
    allocation_ratio
        Patients experimental : control.

    Returns
    -------
    float
        (r P_experimental + P_control) / (1 + r), P = ∫ F(min(h, u)) du / A.

    References
    ----------
    Lachin JM, Foulkes MA. Evaluation of sample size and power for analyses of survival with
    allowance for nonuniform patient entry, losses to follow-up, noncompliance, and
    stratification. Biometrics 1986;42:507–519.
    """
    positive(accrual_months, "accrual_months")
    if not horizon_months > 0:  # inf counts every event; nan is refused
        raise InputError(
            f"horizon_months must be a positive number, not {horizon_months}",
            field="horizon_months",
        )
    if time <= 0:
        return 0.0
    lo = max(0.0, time - accrual_months)
    probs = []
    for arm_hr in (model.hr, 1.0):
        total = 0.0
        if lo < min(horizon_months, time):
            value, _ = integrate.quad(
                model.event_cdf,
                lo,
                min(horizon_months, time),
                args=(arm_hr,),
                epsabs=1e-13,
                epsrel=1e-12,
                limit=200,
            )
            total += float(value)
        flat_from = max(lo, horizon_months)
        if flat_from < time:
            total += (time - flat_from) * model.event_cdf(horizon_months, arm_hr)
        probs.append(total / accrual_months)
    r = allocation_ratio
    return (r * probs[0] + probs[1]) / (1.0 + r)


def power_within(
    *,
    n: float,
    median_control: float,
    median_experimental: float,
    alpha: float,
    sides: int,
    accrual_months: float,
    follow_up_months: float,
    horizon_months: float = math.inf,
    dropout_per_year: float = 0.0,
    allocation_ratio: float = 1.0,
) -> HorizonPower:
    """Power of the log-rank test counting events within ``horizon_months`` of randomization.

    Parameters
    ----------
    n
        Patients in both arms.
    median_control, median_experimental
        Exponential medians in months.
    alpha, sides
        Level and sides; two-sided power counts both tails, as rpact does.
    accrual_months, follow_up_months
        Uniform accrual, then follow-up after the last patient in: analysis at their sum.
    horizon_months
        The outcome's time frame after randomization (``math.inf``: all of follow-up).
    dropout_per_year
        Probability of dropping out within 12 months (exponential).
    allocation_ratio
        Patients experimental : control.

    Returns
    -------
    HorizonPower
        Power and expected events of the analysis.

    References
    ----------
    Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
    distributions. Biometrika 1981;68:316–319.
    """
    if not 0.0 < alpha < 1.0:
        raise InputError("alpha must lie in (0, 1)", field="alpha")
    if sides not in (1, 2):
        raise InputError("sides must be 1 or 2", field="sides")
    positive(n, "n")
    positive(allocation_ratio, "allocation_ratio")
    if not (math.isfinite(follow_up_months) and follow_up_months >= 0):
        raise InputError("follow_up_months must be ≥ 0", field="follow_up_months")
    model = SurvivalModel.from_medians(median_control, median_experimental, dropout_per_year)
    time = accrual_months + follow_up_months
    events = n * event_probability_within(
        time,
        horizon_months,
        model=model,
        accrual_months=accrual_months,
        allocation_ratio=allocation_ratio,
    )
    r = allocation_ratio
    drift = math.sqrt(events * r) * abs(math.log(model.hr)) / (1.0 + r)
    z = float(norm.isf(alpha / sides))
    power = float(norm.sf(z - drift))
    if sides == 2:
        power += float(norm.cdf(-z - drift))
    return HorizonPower(
        power=power, expected_events=events, horizon_months=horizon_months, analysis_month=time
    )
