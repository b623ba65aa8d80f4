"""Operating characteristics of a group-sequential design: power, stopping and expected size.

Two views, as rpact 3.3.4 gives them:

- :func:`design_characteristics` (``getDesignCharacteristics``): the drift that gives power
  1 − β, the rejection and futility probabilities of each look under it, and the expected
  information under H1, halfway (H01) and H0 relative to the fixed design's.
- :func:`stopping_characteristics` (``getPowerAndAverageSampleNumber``, and through it
  ``getPowerSurvival``): at a given drift and maximum size, the rejections and futility stops
  by look, the power and the expected size; :func:`expected_events` puts a log-rank test's
  hazard ratio and planned events in.
- :func:`bounds_at_events` (``getPowerSurvival``'s ``criticalValuesEffectScale`` and
  ``futilityBoundsEffectScale``): the events of each look and the hazard ratio at each bound.

The futility bounds count in both (the trial is assumed to obey them, binding or not): below
a_k one-sided, inside (−a_k, a_k) two-sided. Power is the probability of rejecting in the
direction of the drift; a two-sided design's rejections by look in
:func:`stopping_characteristics` count both directions, as rpact does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.stats import norm

from metsor.design._recursion import Crossing, crossing_probabilities
from metsor.design.boundaries import GroupSequentialDesign, check_beta
from metsor.design.conditional_power import information_of_events
from metsor.errors import InputError

__all__ = [
    "BoundsAtEvents",
    "DesignCharacteristics",
    "StoppingCharacteristics",
    "bounds_at_events",
    "design_characteristics",
    "expected_events",
    "stopping_characteristics",
]

_TOL = 1e-12


@dataclass(frozen=True)
class DesignCharacteristics:
    """rpact's ``getDesignCharacteristics`` of a design at type-II error β.

    Attributes
    ----------
    drift
        η with E[Z_K] = η under H1 that gives power 1 − β (rpact's ``shift`` is η²).
    fixed_information
        (z_{α/sides} + z_β)²: the information (η²) of the fixed design of the same power.
    inflation_factor
        η² over ``fixed_information``.
    information
        η² t_k at each look.
    power
        Cumulative probability of rejection in the drift's direction, by look.
    rejection_probabilities
        Probability of rejecting (in the drift's direction) first at each look.
    futility_probabilities
        Probability of stopping for futility at each interim look.
    expected_information_h1, expected_information_h01, expected_information_h0
        Expected information relative to the fixed design under η, η/2 and 0 (rpact's
        ``averageSampleNumber1``, ``averageSampleNumber01``, ``averageSampleNumber0``).
    """

    drift: float
    fixed_information: float
    inflation_factor: float
    information: tuple[float, ...]
    power: tuple[float, ...]
    rejection_probabilities: tuple[float, ...]
    futility_probabilities: tuple[float, ...]
    expected_information_h1: float
    expected_information_h01: float
    expected_information_h0: float


@dataclass(frozen=True)
class StoppingCharacteristics:
    """What a design does at one drift, with the size of each look.

    Attributes
    ----------
    reject_by_look
        Probability of rejecting H0 first at each look (either direction when two-sided).
    futility_by_look
        Probability of stopping for futility at each interim look.
    early_stop
        Probability of stopping, for either reason, at each interim look.
    power
        Probability of rejecting H0 at some look.
    expected_size
        Expected size at stopping: the maximum less what the looks that stop early save.
    """

    reject_by_look: tuple[float, ...]
    futility_by_look: tuple[float, ...]
    early_stop: tuple[float, ...]
    power: float
    expected_size: float


def _crossing(design: GroupSequentialDesign, drift: float) -> Crossing:
    """Exit probabilities of the design's continuation regions, futility bounds obeyed."""
    t = np.asarray(design.information_rates)
    b = np.asarray(design.z)
    a = np.asarray(design.futility, dtype=np.float64).copy()
    if design.sides == 2:
        inner = a.copy()
        inner[-1] = 0.0
        return crossing_probabilities(t, b, -b, drift=drift, inner=inner)
    a[-1] = -np.inf
    return crossing_probabilities(t, b, a, drift=drift)


def _stops(cr: Crossing) -> NDArray[np.float64]:
    return np.asarray(cr.upper + cr.lower + cr.inner, dtype=np.float64)


def _futility(design: GroupSequentialDesign, cr: Crossing) -> NDArray[np.float64]:
    stopped = cr.inner if design.sides == 2 else cr.lower
    return np.asarray(stopped[:-1], dtype=np.float64)


def _expected(design: GroupSequentialDesign, cr: Crossing, maximum: float) -> float:
    t = np.asarray(design.information_rates)
    saved = _stops(cr)[:-1] * (t[-1] - t[:-1]) * maximum
    return float(maximum - saved.sum())


def design_characteristics(design: GroupSequentialDesign, beta: float) -> DesignCharacteristics:
    """The drift that gives power 1 − β, and the design's behaviour under it.

    Parameters
    ----------
    design
        A design from :func:`metsor.design.boundaries.group_sequential_design`.
    beta
        Type-II error.

    Returns
    -------
    DesignCharacteristics
        As rpact's ``getDesignCharacteristics(design)`` for the design made with this β.

    References
    ----------
    Wassmer G, Brannath W. Group Sequential and Confirmatory Adaptive Designs in Clinical
    Trials. Springer, 2016, section 3.2 (rpact 3.3.4: ``getDesignCharacteristics``).
    """
    check_beta(beta, design.alpha)
    fixed = float((norm.isf(design.alpha / design.sides) + norm.isf(beta)) ** 2)
    t = np.asarray(design.information_rates)
    if t.size == 1:
        return DesignCharacteristics(
            drift=math.sqrt(fixed),
            fixed_information=fixed,
            inflation_factor=1.0,
            information=(fixed,),
            power=(1.0 - beta,),
            rejection_probabilities=(1.0 - beta,),
            futility_probabilities=(),
            expected_information_h1=1.0,
            expected_information_h01=1.0,
            expected_information_h0=1.0,
        )

    def shortfall(eta: float) -> float:
        return float(_crossing(design, eta).upper.sum()) - (1.0 - beta)

    high = 2.0 * math.sqrt(fixed)
    while shortfall(high) < 0:
        high *= 2.0
        if high > 100.0:
            raise InputError("no drift gives the power asked for", field="beta")
    eta = float(brentq(shortfall, 0.0, high, xtol=_TOL))
    shift = eta * eta
    h1 = _crossing(design, eta)
    return DesignCharacteristics(
        drift=eta,
        fixed_information=fixed,
        inflation_factor=shift / fixed,
        information=tuple(float(x) for x in t * shift),
        power=tuple(float(x) for x in np.cumsum(h1.upper)),
        rejection_probabilities=tuple(float(x) for x in h1.upper),
        futility_probabilities=tuple(float(x) for x in _futility(design, h1)),
        expected_information_h1=_expected(design, h1, shift) / fixed,
        expected_information_h01=_expected(design, _crossing(design, eta / 2.0), shift) / fixed,
        expected_information_h0=_expected(design, _crossing(design, 0.0), shift) / fixed,
    )


def stopping_characteristics(
    design: GroupSequentialDesign, drift: float, maximum_size: float
) -> StoppingCharacteristics:
    """Rejections, futility stops and expected size at drift η.

    Parameters
    ----------
    design
        A design from :func:`metsor.design.boundaries.group_sequential_design`.
    drift
        η = E[Z_K] (positive: the direction a one-sided design rejects in).
    maximum_size
        Size of the final look (events, patients or information).

    Returns
    -------
    StoppingCharacteristics
        As rpact's ``getPowerAndAverageSampleNumber(design, theta, nMax)`` with
        θ √nMax = η.
    """
    if not (math.isfinite(drift) and math.isfinite(maximum_size) and maximum_size > 0):
        raise InputError("drift must be finite and the maximum size positive", field="drift")
    cr = _crossing(design, drift)
    reject = cr.upper + cr.lower if design.sides == 2 else cr.upper
    return StoppingCharacteristics(
        reject_by_look=tuple(float(x) for x in reject),
        futility_by_look=tuple(float(x) for x in _futility(design, cr)),
        early_stop=tuple(float(x) for x in _stops(cr)[:-1]),
        power=float(np.sum(reject)),
        expected_size=_expected(design, cr, maximum_size),
    )


def expected_events(
    design: GroupSequentialDesign,
    *,
    maximum_events: float,
    hazard_ratio: float,
    allocation_ratio: float = 1.0,
) -> StoppingCharacteristics:
    """Power and expected events of a group-sequential log-rank test.

    Parameters
    ----------
    design
        The design; one-sided designs reject for the experimental arm (HR < 1).
    maximum_events
        Events at the final look; the looks fall at its information fractions.
    hazard_ratio
        True hazard ratio, experimental / control.
    allocation_ratio
        Patients experimental : control (r).

    Returns
    -------
    StoppingCharacteristics
        Drift η = −log θ · √r / (1 + r) · √D (Schoenfeld), with ``expected_size`` the expected
        events, as rpact's ``getPowerSurvival(design, maxNumberOfEvents = D, hazardRatio = θ,
        directionUpper = FALSE)`` (``expectedNumberOfEvents``, ``rejectPerStage``,
        ``futilityPerStage``, ``earlyStop``, ``overallReject``).

    References
    ----------
    Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
    distributions. Biometrika 1981;68:316–319.
    """
    for name, value in (
        ("maximum_events", maximum_events),
        ("hazard_ratio", hazard_ratio),
        ("allocation_ratio", allocation_ratio),
    ):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{name} must be a positive number, not {value}", field=name)
    r = allocation_ratio
    eta = -math.log(hazard_ratio) * math.sqrt(r) / (1.0 + r) * math.sqrt(maximum_events)
    return stopping_characteristics(design, eta, maximum_events)


@dataclass(frozen=True)
class BoundsAtEvents:
    """A design's looks in events and its bounds as hazard ratios (experimental / control).

    Attributes
    ----------
    events
        Events at each look: its information fraction of the maximum.
    hr_efficacy
        Hazard ratio at each efficacy bound, exp(−c_k / √I_k): an observed HR at or below it
        rejects (two-sided: the experimental arm's side of the symmetric bounds).
    hr_futility
        Hazard ratio at each interim futility bound, exp(−a_k / √I_k) (nan where a look has
        none, and at the final look): an observed HR above it stops for futility (two-sided: the
        experimental arm's side of the futility wedge).
    """

    events: tuple[float, ...]
    hr_efficacy: tuple[float, ...]
    hr_futility: tuple[float, ...]


def bounds_at_events(
    design: GroupSequentialDesign, *, maximum_events: float, allocation_ratio: float = 1.0
) -> BoundsAtEvents:
    """The events of each look and the hazard ratio at each bound of a log-rank test.

    Parameters
    ----------
    design
        A design from :func:`metsor.design.boundaries.group_sequential_design`.
    maximum_events
        Events at the final look.
    allocation_ratio
        Patients experimental : control (r); the information of D events is r D / (1 + r)².

    Returns
    -------
    BoundsAtEvents
        As rpact's ``getPowerSurvival(design, maxNumberOfEvents = D, allocationRatioPlanned = r,
        directionUpper = FALSE)``: ``eventsPerStage``, ``criticalValuesEffectScale`` and
        ``futilityBoundsEffectScale`` (two-sided, their ``...Lower``).

    References
    ----------
    Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
    distributions. Biometrika 1981;68:316–319.
    """
    for name, value in (("maximum_events", maximum_events), ("allocation_ratio", allocation_ratio)):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{name} must be a positive number, not {value}", field=name)
    events = tuple(t * maximum_events for t in design.information_rates)
    root = [math.sqrt(information_of_events(e, allocation_ratio)) for e in events]
    last = len(events) - 1
    return BoundsAtEvents(
        events=events,
        hr_efficacy=tuple(math.exp(-c / s) for c, s in zip(design.z, root, strict=True)),
        hr_futility=tuple(
            math.exp(-a / s) if k < last and math.isfinite(a) else math.nan
            for k, (a, s) in enumerate(zip(design.futility, root, strict=True))
        ),
    )
