"""Repeated confidence intervals and repeated p-values of a group-sequential log-rank test.

A repeated confidence interval at look k holds the hazard ratios θ that the look's bound does
not reject: |z_k + log θ · √I_k| < c_k, with I_k = r D_k / (1 + r)² the information of the D_k
events seen. The intervals hold θ simultaneously at every look with probability 1 − α
(1 − 2α one-sided at each side's α), whatever the stopping rule. The repeated p-value of look
k is the smallest level whose design, at the same information rates and spending family,
rejects at look k: c_k(p) = z_k (|z_k| when two-sided, the design's bounds ±c spending α on
the paths between them). Futility bounds are non-binding, so they play no part in either.
Both follow rpact's ``getAnalysisResults`` for a group-sequential design
(``repeatedConfidenceIntervalLowerBounds``, ``repeatedPValues``), which reports 0.5 for a
repeated p-value of 0.5 or more.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from metsor.design._recursion import crossing_probabilities
from metsor.design.boundaries import (
    ALPHA_RANGE,
    group_sequential_design,
    spending_bounds,
    spending_function,
)

__all__ = [
    "REPEATED_P_CEILING",
    "BindingFutility",
    "binding_upper_limits",
    "repeated_confidence_interval",
    "repeated_p_value",
]

REPEATED_P_CEILING = 0.5
"""Repeated p-values are searched in (0, 0.5]: a larger one is reported as 0.5, as rpact does."""

_P_FLOOR = 1e-12
_LOG_P_XTOL = 1e-11  # on log p: a relative precision of 1e-11
_SPENDING_FAMILIES = ("obf", "pocock", "hsd")


def repeated_confidence_interval(
    z: float, critical_z: float, information: float
) -> tuple[float, float]:
    """Repeated confidence interval for the hazard ratio at one look.

    Parameters
    ----------
    z
        The log-rank z at the look, positive when the experimental arm does better.
    critical_z
        The look's efficacy bound (two-sided designs: the bound of each side).
    information
        Fisher information for log HR at the look, r D / (1 + r)².

    Returns
    -------
    tuple of float
        (lower, upper): exp(−(z ± c) / √I).

    References
    ----------
    Jennison C, Turnbull BW. Repeated confidence intervals for group sequential clinical
    trials. Control Clin Trials 1984;5:33–45. Jennison & Turnbull (2000), chapter 9.
    """
    scale = math.sqrt(information)
    return math.exp(-(z + critical_z) / scale), math.exp(-(z - critical_z) / scale)


@dataclass(frozen=True)
class BindingFutility:
    """The β-spending futility bounds a binding design's efficacy bounds count on.

    Attributes
    ----------
    beta, beta_spending, beta_gamma, beta_adjustment
        As :func:`metsor.design.boundaries.group_sequential_design`.
    """

    beta: float
    beta_spending: str
    beta_gamma: float = -4.0
    beta_adjustment: bool = True


def repeated_p_value(
    *,
    look: int,
    z: float,
    information_rates: Sequence[float],
    sides: int,
    spending: str,
    gamma: float,
    binding: BindingFutility | None = None,
) -> float:
    """Repeated p-value at look ``look``: the level at which its bound equals the observed z.

    Parameters
    ----------
    look
        Index (0-based) of the look.
    z
        The log-rank z at the look, positive when the experimental arm does better.
    information_rates
        Information fractions of every look of the design, the last 1.
    sides
        1 (the level of the one-sided test) or 2 (of the two-sided test, on |z|).
    spending, gamma
        The design's α-spending family (see :func:`metsor.design.boundaries.spending_function`).
    binding
        The futility bounds of a design whose efficacy bounds bind to them: the whole design is
        solved again at each level, as rpact does for a binding design (p then ≥ 1e-6, the
        smallest α a design takes). None: no futility bounds, or non-binding ones.

    Returns
    -------
    float
        The level p with c_look(p) = z (|z| when two-sided), within [1e-12, 0.5].

    References
    ----------
    Jennison & Turnbull (2000), section 9.5. Wassmer G, Brannath W. Group Sequential and
    Confirmatory Adaptive Designs in Clinical Trials. Springer, 2016 (rpact's
    ``getRepeatedPValues``).
    """
    target = abs(z) if sides == 2 else z
    rates = np.asarray(information_rates, dtype=np.float64)
    if spending not in _SPENDING_FAMILIES:
        return _classical_level(look, target, rates, sides, spending)
    floor, ceiling = _P_FLOOR, REPEATED_P_CEILING
    if binding is None:

        def excess(level: float) -> float:
            return _spending_excess(look, target, rates, level, sides, spending, gamma)

    else:
        # the levels a design takes: [1e-6, 0.5)
        floor, ceiling = ALPHA_RANGE[0], math.nextafter(ALPHA_RANGE[1], 0.0)
        futility = binding

        def excess(level: float) -> float:
            design = group_sequential_design(
                rates.tolist(),
                alpha=level,
                sides=sides,
                spending=spending,
                gamma=gamma,
                beta=futility.beta,
                beta_spending=futility.beta_spending,
                beta_gamma=futility.beta_gamma,
                binding_futility=True,
                beta_adjustment=futility.beta_adjustment,
            )
            return design.z[look] - target

    if excess(ceiling) >= 0.0:
        return REPEATED_P_CEILING
    if excess(floor) <= 0.0:
        return floor
    log_p = brentq(
        lambda x: excess(math.exp(x)), math.log(floor), math.log(ceiling), xtol=_LOG_P_XTOL
    )
    return math.exp(log_p)


def binding_upper_limits(
    upper: Sequence[float],
    z: Sequence[float],
    futility_z: Sequence[float],
    information: Sequence[float],
) -> tuple[float, ...]:
    """Upper limits of repeated confidence intervals of a design with binding futility.

    A binding futility bound at an earlier look j also stops the hazard ratios under which the
    trial would have stopped there: the upper limit at look k is at least
    exp(−(z_j − a_j) / √I_j) for every j < k with a futility bound (rpact's "futility
    correction" of ``getRepeatedConfidenceIntervals`` for ``bindingFutility = TRUE``).

    Parameters
    ----------
    upper
        The repeated confidence intervals' upper limits at the looks taken.
    z, futility_z, information
        Log-rank z, futility bound (−inf where none) and information at
        those looks.

    Returns
    -------
    tuple of float
        The corrected upper limits.
    """
    limits = list(upper)
    floor = -math.inf
    for k in range(1, len(limits)):
        a = futility_z[k - 1]
        if math.isfinite(a):
            floor = max(floor, math.exp(-(z[k - 1] - a) / math.sqrt(information[k - 1])))
        limits[k] = max(limits[k], floor)
    return tuple(limits)


def _classical_level(
    look: int, target: float, rates: NDArray[np.float64], sides: int, spending: str
) -> float:
    """The level of the classical design whose bound at ``look`` is ``target``.

    A classical design's bounds are one constant times a shape (√(t_K / t_k) for
    O'Brien–Fleming, 1 for Pocock, as :func:`metsor.design.boundaries.group_sequential_design`):
    the bound at ``look`` fixes the constant, and the level is the probability under H0 of
    crossing the bounds it gives (±bounds when two-sided).
    """
    shape = np.sqrt(rates[-1] / rates) if spending == "classical-obf" else np.ones_like(rates)
    bounds = target / shape[look] * shape
    lower = -bounds if sides == 2 else np.full(rates.size, -np.inf)
    cross = crossing_probabilities(rates, bounds, lower)
    level = float(np.sum(cross.upper) + np.sum(cross.lower))
    return min(max(level, _P_FLOOR), REPEATED_P_CEILING)


def _spending_excess(
    look: int,
    target: float,
    rates: NDArray[np.float64],
    level: float,
    sides: int,
    kind: str,
    gamma: float,
) -> float:
    """Positive when the bound of ``look`` at ``level`` lies above ``target``.

    Only the looks up to ``look`` matter for a spending design: the bounds before it at this
    level come once from :func:`metsor.design.boundaries.spending_bounds`; at ``look`` itself
    the probability of first crossing ``target`` (on the paths that stayed inside the earlier
    bounds, ±c when two-sided) is compared with the α to spend there on that side, which is
    smaller exactly when the bound lies above ``target``.
    """
    t = rates[: look + 1]
    earlier = spending_bounds(
        rates.tolist(), level, sides=sides, spending=kind, gamma=gamma, looks=look
    )
    spent = spending_function(kind, level / sides, t, gamma)
    if abs(t[-1] - 1.0) < 1e-12:
        spent[-1] = level / sides
    increment = float(spent[-1]) - (float(np.max(spent[:-1])) if look else 0.0)
    bounds = np.array([*earlier, target])
    lower = -bounds if sides == 2 else np.full(t.size, -np.inf)
    lower[-1] = -np.inf
    cross = crossing_probabilities(t, bounds, lower)
    return float(cross.upper[look]) - increment
