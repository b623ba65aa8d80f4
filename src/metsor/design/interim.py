"""Interim monitoring of a group-sequential log-rank test at the events actually observed.

A design plans its looks at fractions of a maximum number of events; the looks happen when the
data cut-off comes, and the events then counted never equal the plan. At each look:

1. Information rates are the events seen over the planned maximum, followed by the planned
   fractions of the looks still to come (a last look at the planned maximum follows when every
   planned look has been taken short of it). A look that reaches the planned maximum is the
   final one (over-running: the rates are rescaled by its events), and so is one short of it
   by no more than ``information_epsilon`` (under-running), as rpact's
   ``getObservedInformationRates``: the epsilon counts events when ≥ 1, a fraction of the
   planned maximum when < 1.
2. The critical values are recomputed by the design's α-spending at those rates
   (:func:`metsor.design.boundaries.group_sequential_design`); a look rejects H0 when
   z ≥ c (|z| ≥ c when two-sided).
3. The conditional power for the remaining events (:mod:`metsor.design.conditional_power`),
   under the design's hazard ratio and under the one observed, the repeated confidence
   interval for the hazard ratio and the repeated p-value
   (:mod:`metsor.design.repeated_inference`), and the bounds on the hazard-ratio and p scales
   (gsDesign's ``gsBoundSummary``: the HR at the bound is exp(−c / √I), as
   :func:`metsor.design.characteristics.bounds_at_events` computes it for a design's looks).

Conventions: z is the log-rank statistic oriented so that z > 0 favours the experimental arm
(rpact's ``overallLogRanks`` is −z with ``directionUpper = FALSE``); hazard ratios are
experimental / control; the allocation ratio is experimental : control.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from metsor.design.boundaries import (
    GroupSequentialDesign,
    crosses_futility,
    group_sequential_design,
)
from metsor.design.characteristics import bounds_at_events, expected_events
from metsor.design.conditional_power import conditional_power, information_of_events
from metsor.design.repeated_inference import (
    BindingFutility,
    binding_upper_limits,
    repeated_confidence_interval,
    repeated_p_value,
)
from metsor.errors import InputError

__all__ = [
    "Decision",
    "InformationStatus",
    "InterimAnalysis",
    "interim_analysis",
    "observed_information_rates",
]

Decision = Literal["continue", "reject"]
InformationStatus = Literal["interim", "final", "over-running", "under-running"]


@dataclass(frozen=True)
class InterimAnalysis:
    """The numbers a data monitoring committee sees at the latest look.

    Per look of the design (``information_rates`` … ``hr_futility_bound``), then per look
    taken so far (``events`` … ``repeated_p_value``).

    Attributes
    ----------
    information_rates
        Information fractions of every look (observed, then planned), the last 1.
    look_events
        Events at every look: observed, then planned (rate × ``maximum_events``).
    maximum_events
        Events of the final look: the planned maximum, or the events of a final look that
        over- or under-ran it.
    status
        ``"interim"`` (looks remain), ``"final"`` (the last look reached the plan exactly),
        ``"over-running"`` or ``"under-running"`` (the last look is final with other events).
    critical_z, futility_z
        Efficacy and futility bounds on the z scale (futility −inf where none): stop for
        futility when z < a, or |z| < a when two-sided.
    nominal_p, cumulative_alpha
        Nominal p-value of each efficacy bound and α spent up to each look (two-sided totals
        when ``sides`` is 2), as :func:`metsor.design.boundaries.group_sequential_design`.
    cumulative_power
        Probability of having rejected H0 by each look when the hazard ratio is
        ``hr_alternative``, the futility bounds obeyed (gsBoundSummary's "P(Cross) if HR=…";
        rpact's ``getPowerSurvival(...)$rejectPerStage`` summed).
    hr_efficacy_bound, hr_futility_bound
        The bounds on the hazard-ratio scale: exp(−c / √I) at each look's events (nan where no
        futility bound, and at the final look, where futility is not rejecting), as
        :func:`metsor.design.characteristics.bounds_at_events` gives them.
    events, z
        Events and log-rank z at each look taken.
    hr_observed
        Hazard ratio estimated at each look taken, exp(−z / √I).
    decision
        ``"reject"`` when the look's z crosses its efficacy bound, else ``"continue"``.
    futility_crossed
        Whether z fell to or below the interim look's futility bound (|z| below it when
        two-sided).
    conditional_power, conditional_power_observed_hr
        Probability of rejecting at a later look given z at this look, under
        ``hr_alternative`` and under ``hr_observed``; nan at the final look.
    rci_lower, rci_upper
        Repeated confidence interval for the hazard ratio.
    repeated_p_value
        Repeated p-value (0.5 stands for 0.5 or more).
    design
        The design recomputed at ``information_rates``.
    hr_alternative, allocation_ratio, planned_events
        Inputs.
    """

    information_rates: tuple[float, ...]
    look_events: tuple[float, ...]
    maximum_events: float
    status: InformationStatus
    critical_z: tuple[float, ...]
    futility_z: tuple[float, ...]
    nominal_p: tuple[float, ...]
    cumulative_alpha: tuple[float, ...]
    cumulative_power: tuple[float, ...]
    hr_efficacy_bound: tuple[float, ...]
    hr_futility_bound: tuple[float, ...]
    events: tuple[float, ...]
    z: tuple[float, ...]
    hr_observed: tuple[float, ...]
    decision: tuple[Decision, ...]
    futility_crossed: tuple[bool, ...]
    conditional_power: tuple[float, ...]
    conditional_power_observed_hr: tuple[float, ...]
    rci_lower: tuple[float, ...]
    rci_upper: tuple[float, ...]
    repeated_p_value: tuple[float, ...]
    design: GroupSequentialDesign
    hr_alternative: float
    allocation_ratio: float
    planned_events: float


def _check_inputs(
    looks: Sequence[float],
    planned_events: float,
    events: Sequence[float],
    z: Sequence[float],
    hr_alternative: float,
    allocation_ratio: float,
    information_epsilon: float,
) -> None:
    for name, value in (
        ("planned_events", planned_events),
        ("hr_alternative", hr_alternative),
        ("allocation_ratio", allocation_ratio),
    ):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{name} must be a positive number, not {value}", field=name)
    if not (math.isfinite(information_epsilon) and 0.0 <= information_epsilon < planned_events):
        raise InputError(
            "information_epsilon must lie in [0, 'planned_events')",
            field="information_epsilon",
            names=("planned_events",),
        )
    if not events:
        raise InputError("give the events of at least one look", field="events")
    if len(z) != len(events):
        raise InputError(
            f"give one z per look: {len(events)} looks of events but {len(z)} z", field="z"
        )
    if not all(math.isfinite(v) for v in z):
        raise InputError("every z must be a finite number", field="z")
    if not all(math.isfinite(e) and e > 0 for e in events):
        raise InputError("events must be positive numbers", field="events")
    if any(b <= a for a, b in itertools.pairwise(events)):
        raise InputError("events must increase from look to look", field="events")
    if len(events) > len(looks):
        raise InputError(
            f"{len(events)} looks of events but only {len(looks)} looks planned", field="events"
        )


def observed_information_rates(
    looks: Sequence[float],
    planned_events: float,
    events: Sequence[float],
    information_epsilon: float = 0.0,
) -> tuple[tuple[float, ...], float, InformationStatus]:
    """Information rates at the events observed, with the looks still planned.

    Parameters
    ----------
    looks
        Planned information fractions, increasing, the last 1.
    planned_events
        Planned events at the final look.
    events
        Cumulative events at each look taken so far.
    information_epsilon
        Under-running allowed at a final look: events when ≥ 1, a fraction of
        ``planned_events`` when < 1 (0: none).

    Returns
    -------
    tuple
        (information rates of every look, events of the final look, status).

    References
    ----------
    rpact: ``getObservedInformationRates(dataInput, maxInformation, informationEpsilon)``.
    """
    observed = np.asarray(events, dtype=np.float64)
    last = float(observed[-1])
    if information_epsilon >= 1.0:
        within = last + information_epsilon >= planned_events
    else:
        within = last / planned_events >= 1.0 - information_epsilon
    if last >= planned_events or (information_epsilon > 0.0 and within):
        status: InformationStatus = "final"
        if last > planned_events:
            status = "over-running"
        elif last < planned_events:
            status = "under-running"
        rates = observed / last
        rates[-1] = 1.0
        return tuple(float(r) for r in rates), last, status
    taken = observed / planned_events
    remaining = [float(f) for f in looks[len(events) :]] or [1.0]
    if remaining[0] <= taken[-1]:
        raise InputError(
            f"look {len(events)} has {last:g} events, not fewer than the "
            f"{remaining[0] * planned_events:.4g} planned for look {len(events) + 1}",
            field="events",
        )
    return (*(float(r) for r in taken), *remaining), float(planned_events), "interim"


def interim_analysis(
    looks: Sequence[float],
    *,
    planned_events: float,
    events: Sequence[float],
    z: Sequence[float],
    hr_alternative: float,
    alpha: float = 0.025,
    sides: int = 1,
    spending: str = "obf",
    gamma: float = -4.0,
    beta: float | None = None,
    beta_spending: str | None = None,
    beta_gamma: float = -4.0,
    binding_futility: bool = False,
    beta_adjustment: bool = True,
    allocation_ratio: float = 1.0,
    information_epsilon: float = 0.0,
) -> InterimAnalysis:
    """Bounds, decisions, conditional power and repeated inference at the looks taken.

    Parameters
    ----------
    looks
        Planned information fractions of the design, increasing, the last 1.
    planned_events
        Planned events at the final look (the maximum information).
    events
        Cumulative events at each look taken so far.
    z
        Log-rank z at each look taken, positive when the experimental arm does better.
    hr_alternative
        The hazard ratio the design assumes (experimental / control), for conditional power.
    alpha, sides, spending, gamma
        The design's level, sides and α-spending family
        (see :func:`metsor.design.boundaries.group_sequential_design`).
    beta, beta_spending, beta_gamma
        Optional futility bounds by β-spending: stop when z < a one-sided, |z| < a two-sided.
    binding_futility, beta_adjustment
        Whether the efficacy bounds count on the futility bounds, and the two-sided
        β-spending's rescaling (see :func:`metsor.design.boundaries.group_sequential_design`).
        A binding design's repeated p-values re-solve the whole design at each level, and its
        repeated confidence intervals reach up to the hazard ratios the earlier futility
        bounds stop (:func:`metsor.design.repeated_inference.binding_upper_limits`).
    allocation_ratio
        Patients experimental : control.
    information_epsilon
        Under-running of the planned events allowed at a final look (see
        :func:`observed_information_rates`).

    Returns
    -------
    InterimAnalysis
        The recomputed bounds and, per look taken, the decision and the inference.

    References
    ----------
    Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials. Biometrika
    1983;70:659–663. Jennison C, Turnbull BW. Group Sequential Methods with Applications to
    Clinical Trials. Chapman & Hall/CRC, 2000, chapters 7, 9 and 10. Wassmer G, Brannath W.
    Group Sequential and Confirmatory Adaptive Designs in Clinical Trials. Springer, 2016
    (rpact: ``getDesignGroupSequential``, ``getAnalysisResults``). Anderson K. gsDesign:
    ``gsBoundSummary``.
    """
    _check_inputs(
        looks, planned_events, events, z, hr_alternative, allocation_ratio, information_epsilon
    )
    group_sequential_design(looks, alpha=alpha, sides=sides, spending=spending, gamma=gamma)
    rates, maximum, status = observed_information_rates(
        looks, planned_events, events, information_epsilon
    )
    design = group_sequential_design(
        rates,
        alpha=alpha,
        sides=sides,
        spending=spending,
        gamma=gamma,
        beta=beta,
        beta_spending=beta_spending,
        beta_gamma=beta_gamma,
        binding_futility=binding_futility,
        beta_adjustment=beta_adjustment,
    )
    binding = (
        BindingFutility(beta, beta_spending, beta_gamma, beta_adjustment)
        if design.binding_futility and beta is not None and beta_spending is not None
        else None
    )
    r = allocation_ratio
    at = bounds_at_events(design, maximum_events=maximum, allocation_ratio=r)
    look_events = tuple(float(e) for e in events) + at.events[len(events) :]
    info = [information_of_events(e, r) for e in look_events]
    futility = design.futility
    stop_below = tuple(-c for c in design.z) if sides == 2 else (*futility[:-1], -np.inf)

    def power_at(k: int, hr: float) -> float:
        return conditional_power(
            look=k,
            z=z[k],
            information_rates=rates,
            critical_z=design.z,
            lower_z=stop_below,
            maximum_information=information_of_events(maximum, r),
            hazard_ratio=hr,
        )

    taken = range(len(events))
    hr_observed = tuple(math.exp(-z[k] / math.sqrt(info[k])) for k in taken)
    intervals = [repeated_confidence_interval(z[k], design.z[k], info[k]) for k in taken]
    upper = tuple(hi for _, hi in intervals)
    if binding is not None:
        upper = binding_upper_limits(upper, z, futility, info)
    return InterimAnalysis(
        information_rates=rates,
        look_events=look_events,
        maximum_events=maximum,
        status=status,
        critical_z=design.z,
        futility_z=futility,
        nominal_p=design.nominal_p,
        cumulative_alpha=design.cumulative_alpha,
        cumulative_power=tuple(
            float(p)
            for p in np.cumsum(
                expected_events(
                    design,
                    maximum_events=maximum,
                    hazard_ratio=hr_alternative,
                    allocation_ratio=r,
                ).reject_by_look
            )
        ),
        hr_efficacy_bound=at.hr_efficacy,
        hr_futility_bound=at.hr_futility,
        events=tuple(float(e) for e in events),
        z=tuple(float(v) for v in z),
        hr_observed=hr_observed,
        decision=tuple(
            "reject" if (abs(z[k]) if sides == 2 else z[k]) >= design.z[k] else "continue"
            for k in taken
        ),
        futility_crossed=tuple(
            k < len(rates) - 1 and crosses_futility(z[k], futility[k], sides == 2) for k in taken
        ),
        conditional_power=tuple(power_at(k, hr_alternative) for k in taken),
        conditional_power_observed_hr=tuple(power_at(k, hr_observed[k]) for k in taken),
        rci_lower=tuple(lo for lo, _ in intervals),
        rci_upper=upper,
        repeated_p_value=tuple(
            repeated_p_value(
                look=k,
                z=z[k],
                information_rates=rates,
                sides=sides,
                spending=spending,
                gamma=gamma,
                binding=binding,
            )
            for k in taken
        ),
        design=design,
        hr_alternative=hr_alternative,
        allocation_ratio=r,
        planned_events=float(planned_events),
    )
