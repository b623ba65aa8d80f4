"""Crossing probabilities of a group-sequential z-statistic by numerical integration.

The Armitage–McPherson–Rowe recursion on the grid of Jennison & Turnbull (2000, ch. 19), the
algorithm behind rpact and gsDesign: the density of the stagewise z-statistic is carried on a
Simpson grid from one look to the next, truncated at the continuation region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

__all__ = ["GRID_SIZE", "Crossing", "crossing_probabilities", "grid_points"]

GRID_SIZE = 32
"""The grid parameter r of Jennison & Turnbull: 6r − 1 points before truncation."""

_INF_BOUND = 40.0


@dataclass(frozen=True)
class Crossing:
    """Probabilities of leaving the continuation region at each look.

    Attributes
    ----------
    upper
        Probability of first crossing the upper bound at look k.
    lower
        Probability of first crossing the lower bound at look k.
    """

    upper: NDArray[np.float64]
    lower: NDArray[np.float64]


def grid_points(
    mean: float, lower: float, upper: float, r: int = GRID_SIZE
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Simpson grid on ``[lower, upper]`` dense around ``mean`` (Jennison & Turnbull, 19.2).

    Parameters
    ----------
    mean
        Centre of the grid (the drift of the statistic at this look).
    lower, upper
        Truncation: the continuation region of the look.
    r
        Grid parameter; the error falls as r grows.

    Returns
    -------
    tuple of ndarray
        Points and Simpson weights.

    References
    ----------
    Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical Trials.
    Chapman & Hall/CRC, 2000, section 19.2.
    """
    i = np.arange(1, r, dtype=np.float64)
    tails = 3.0 + 4.0 * np.log(r / i)
    centre = -3.0 + 3.0 * np.arange(4 * r + 1, dtype=np.float64) / (2.0 * r)
    x = mean + np.concatenate([-tails, centre, tails[::-1]])
    inside = x[(x > lower) & (x < upper)]
    lo = max(lower, float(x[0]))
    hi = min(upper, float(x[-1]))
    if hi <= lo:
        return np.array([lo]), np.array([0.0])
    knots = np.concatenate([[lo], inside, [hi]])
    d = np.diff(knots)
    z = np.empty(2 * knots.size - 1)
    z[0::2] = knots
    z[1::2] = knots[:-1] + d / 2.0
    w = np.zeros_like(z)
    w[1::2] = 4.0 * d / 6.0
    w[0:-1:2] += d / 6.0
    w[2::2] += d / 6.0
    return z, w


def crossing_probabilities(
    information_rates: NDArray[np.float64],
    upper: NDArray[np.float64],
    lower: NDArray[np.float64],
    drift: float = 0.0,
    r: int = GRID_SIZE,
) -> Crossing:
    """Probability of first exit above ``upper`` or below ``lower`` at each look.

    Parameters
    ----------
    information_rates
        Information fractions t_1 < … < t_K (the last usually 1).
    upper, lower
        Bounds on the z scale; use ±inf for none.
    drift
        η, so that E[Z_k] = η √t_k (0 under the null hypothesis).
    r
        Grid parameter.

    Returns
    -------
    Crossing
        Exit probabilities by look.

    References
    ----------
    Armitage P, McPherson CK, Rowe BC. Repeated significance tests on accumulating data.
    J R Stat Soc A 1969;132:235–244. Jennison & Turnbull (2000), chapter 19.
    """
    t = np.asarray(information_rates, dtype=np.float64)
    b = np.clip(np.asarray(upper, dtype=np.float64), -_INF_BOUND, _INF_BOUND)
    a = np.clip(np.asarray(lower, dtype=np.float64), -_INF_BOUND, _INF_BOUND)
    k_max = t.size
    up = np.zeros(k_max)
    lo = np.zeros(k_max)
    mean1 = drift * np.sqrt(t[0])
    up[0] = norm.sf(b[0] - mean1)
    lo[0] = norm.cdf(a[0] - mean1)
    if k_max == 1:
        return Crossing(upper=up, lower=lo)
    z, w = grid_points(mean1, a[0], b[0], r)
    h = w * norm.pdf(z - mean1)
    for k in range(1, k_max):
        dt = t[k] - t[k - 1]
        sd = np.sqrt(dt)
        shift = z * np.sqrt(t[k - 1]) + drift * dt
        up[k] = float(h @ norm.sf((b[k] * np.sqrt(t[k]) - shift) / sd))
        lo[k] = float(h @ norm.cdf((a[k] * np.sqrt(t[k]) - shift) / sd))
        if k == k_max - 1:
            break
        z_new, w_new = grid_points(drift * np.sqrt(t[k]), a[k], b[k], r)
        dens = norm.pdf((z_new[:, None] * np.sqrt(t[k]) - shift[None, :]) / sd)
        h = w_new * np.sqrt(t[k] / dt) * (dens @ h)
        z = z_new
    return Crossing(upper=up, lower=lo)
