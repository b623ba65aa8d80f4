"""Conditional power of a group-sequential log-rank test at an interim look.

Given the z-statistic at look k (z > 0 favours the experimental arm), the probability that the
test crosses an efficacy bound at one of the remaining looks when the true hazard ratio is θ.
The score process S(t) = √t Z(t) has independent increments; at the remaining looks j > k,

    W_j = (S_j − S_k) / √(t_j − t_k),  reject when  W_j ≥ (c_j √t_j − z_k √t_k) / √(t_j − t_k),

and W_j has mean −log θ · √(I_max (t_j − t_k)) with I_max = r D_max / (1 + r)² the Fisher
information of D_max events at allocation r. The continuation region is closed below by the
futility bounds of a one-sided design that has them, or by −c_j on the same scale for a
two-sided design, exactly as rpact's ``getConditionalPower`` for a group-sequential design
(``getAnalysisResults(..., nPlanned = remaining events, thetaH1 = θ)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from metsor.design._recursion import crossing_probabilities

__all__ = ["conditional_power", "information_of_events"]


def information_of_events(events: float, allocation_ratio: float) -> float:
    """Fisher information for log HR of a log-rank test with ``events`` events.

    Parameters
    ----------
    events
        Number of events.
    allocation_ratio
        Patients experimental : control (r).

    Returns
    -------
    float
        r D / (1 + r)² (D / 4 for equal allocation).

    References
    ----------
    Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
    distributions. Biometrika 1981;68:316–319.
    """
    return allocation_ratio * events / (1.0 + allocation_ratio) ** 2


def conditional_power(
    *,
    look: int,
    z: float,
    information_rates: Sequence[float],
    critical_z: Sequence[float],
    lower_z: Sequence[float],
    maximum_information: float,
    hazard_ratio: float,
) -> float:
    """Probability of rejecting H0 at a later look, given z at look ``look``.

    Parameters
    ----------
    look
        Index (0-based) of the current look; the remaining looks follow it.
    z
        The log-rank z at that look, positive when the experimental arm does better.
    information_rates
        Information fractions of every look, the last 1.
    critical_z
        Efficacy bounds of every look on the z scale.
    lower_z
        Lower bounds of every look that stop the trial (futility bounds of a one-sided
        design, −c of a two-sided design; −inf where none).
    maximum_information
        Fisher information at the final look, r D_max / (1 + r)².
    hazard_ratio
        The true hazard ratio (experimental / control) assumed for the remaining events.

    Returns
    -------
    float
        P(the z-statistic first leaves the continuation region above an efficacy bound at one
        of the remaining looks | z); nan at the final look.

    References
    ----------
    Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical Trials.
    Chapman & Hall/CRC, 2000, section 10.6. Wassmer G, Brannath W. Group Sequential and
    Confirmatory Adaptive Designs in Clinical Trials. Springer, 2016, section 7.2 (rpact's
    ``getConditionalPower``).
    """
    t = np.asarray(information_rates, dtype=np.float64)
    if look >= t.size - 1:
        return float("nan")
    t_k = float(t[look])
    rest = t[look + 1 :]
    spread = np.sqrt(rest - t_k)
    shift = z * math.sqrt(t_k)
    upper = (np.asarray(critical_z, dtype=np.float64)[look + 1 :] * np.sqrt(rest) - shift) / spread
    lower = np.asarray(lower_z, dtype=np.float64)[look + 1 :]
    lower = np.where(np.isfinite(lower), (lower * np.sqrt(rest) - shift) / spread, -np.inf)
    scaled = (rest - t_k) / (1.0 - t_k)
    drift = -math.log(hazard_ratio) * math.sqrt(maximum_information * (1.0 - t_k))
    crossing = crossing_probabilities(scaled, upper, lower, drift=drift)
    return float(np.sum(crossing.upper))
