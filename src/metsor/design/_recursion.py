"""Crossing probabilities of a group-sequential z-statistic by numerical integration.

The Armitage–McPherson–Rowe recursion on the grid of Jennison & Turnbull (2000, ch. 19), the
algorithm behind rpact and gsDesign: the density of the stagewise z-statistic is carried on a
Simpson grid from one look to the next, truncated at the continuation region. The region of a
look is (lower, upper), less the inner wedge [−a, a] of a two-sided design with futility bounds
(stop for futility when |Z_k| < a_k, as rpact's ``getDesignGroupSequential(sided = 2,
typeBetaSpending = ...)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

__all__ = [
    "GRID_SIZE",
    "Continuation",
    "Crossing",
    "crossing_probabilities",
    "first_between",
    "first_exit",
    "grid_points",
    "region_grid",
]

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
    inner
        Probability of first stopping inside the inner wedge (−a_k, a_k) at look k (zero
        without one).
    """

    upper: NDArray[np.float64]
    lower: NDArray[np.float64]
    inner: NDArray[np.float64]


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
    inner: NDArray[np.float64] | None = None,
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
    inner
        Half-widths a_k ≥ 0 of the inner wedges of a two-sided design (stop when
        |Z_k| < a_k); None or 0 for none.

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
    w = np.zeros(k_max) if inner is None else np.clip(np.asarray(inner, dtype=np.float64), 0, None)
    up = np.zeros(k_max)
    lo = np.zeros(k_max)
    mid = np.zeros(k_max)
    up[0], lo[0] = first_exit(float(t[0]), float(b[0]), float(a[0]), drift)
    mid[0] = first_between(float(t[0]), float(w[0]), drift)
    if k_max == 1:
        return Crossing(upper=up, lower=lo, inner=mid)
    state = Continuation.at_first_look(
        float(t[0]), float(b[0]), float(a[0]), drift, r, inner=float(w[0])
    )
    for k in range(1, k_max):
        up[k] = state.exit_above(float(t[k]), float(b[k]), drift)
        lo[k] = state.exit_below(float(t[k]), float(a[k]), drift)
        mid[k] = state.exit_inside(float(t[k]), float(w[k]), drift)
        if k == k_max - 1:
            break
        state = state.advance(float(t[k]), float(b[k]), float(a[k]), drift, r, inner=float(w[k]))
    return Crossing(upper=up, lower=lo, inner=mid)


def first_exit(t: float, upper: float, lower: float, drift: float = 0.0) -> tuple[float, float]:
    """Probabilities of exit above ``upper`` and below ``lower`` at the first look."""
    mean = drift * np.sqrt(t)
    b = float(np.clip(upper, -_INF_BOUND, _INF_BOUND))
    a = float(np.clip(lower, -_INF_BOUND, _INF_BOUND))
    return float(norm.sf(b - mean)), float(norm.cdf(a - mean))


def first_between(t: float, inner: float, drift: float = 0.0) -> float:
    """Probability of stopping inside the inner wedge (−``inner``, ``inner``) at the first look."""
    if not inner > 0:
        return 0.0
    mean = drift * np.sqrt(t)
    a = min(float(inner), _INF_BOUND)
    return float(norm.cdf(a - mean) - norm.cdf(-a - mean))


def region_grid(
    mean: float, lower: float, upper: float, inner: float, r: int = GRID_SIZE
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Simpson grid on the continuation region (``lower``, ``upper``) less [−inner, inner].

    Parameters
    ----------
    mean
        Centre of the grid (the drift of the statistic at this look).
    lower, upper
        Outer bounds of the region.
    inner
        Half-width of the inner wedge where a two-sided design stops for futility (≤ 0: none).
    r
        Grid parameter.

    Returns
    -------
    tuple of ndarray
        Points and Simpson weights of the one or two intervals, concatenated.
    """
    if not inner > 0:
        return grid_points(mean, lower, upper, r)
    z_low, w_low = grid_points(mean, lower, min(upper, -inner), r)
    z_high, w_high = grid_points(mean, max(lower, inner), upper, r)
    return np.concatenate([z_low, z_high]), np.concatenate([w_low, w_high])


@dataclass(frozen=True)
class Continuation:
    """Sub-density of the z-statistic on the continuation region of the last look computed.

    Carrying it from look to look makes the crossing probability at the next look a single
    sum over the grid, so a search for one look's bound does not recompute the looks before.

    Attributes
    ----------
    t
        Information fraction of the look.
    z
        Grid points of the continuation region.
    h
        Sub-density times the Simpson weights on the grid.
    """

    t: float
    z: NDArray[np.float64]
    h: NDArray[np.float64]

    @classmethod
    def at_first_look(
        cls,
        t: float,
        upper: float,
        lower: float,
        drift: float = 0.0,
        r: int = GRID_SIZE,
        inner: float = 0.0,
    ) -> Continuation:
        """The continuation region (``lower``, ``upper``) less [−inner, inner] of the first look."""
        mean = drift * np.sqrt(t)
        b = float(np.clip(upper, -_INF_BOUND, _INF_BOUND))
        a = float(np.clip(lower, -_INF_BOUND, _INF_BOUND))
        z, w = region_grid(mean, a, b, inner, r)
        return cls(t, z, w * norm.pdf(z - mean))

    def _shift(self, t: float, drift: float) -> tuple[NDArray[np.float64], float, float]:
        dt = t - self.t
        return self.z * np.sqrt(self.t) + drift * dt, float(np.sqrt(dt)), dt

    def exit_above(self, t: float, upper: float, drift: float = 0.0) -> float:
        """Probability of continuing to here and first crossing ``upper`` at the look at ``t``."""
        shift, sd, _ = self._shift(t, drift)
        b = float(np.clip(upper, -_INF_BOUND, _INF_BOUND))
        return float(self.h @ norm.sf((b * np.sqrt(t) - shift) / sd))

    def exit_below(self, t: float, lower: float, drift: float = 0.0) -> float:
        """Probability of continuing to here and first crossing ``lower`` at the look at ``t``."""
        shift, sd, _ = self._shift(t, drift)
        a = float(np.clip(lower, -_INF_BOUND, _INF_BOUND))
        return float(self.h @ norm.cdf((a * np.sqrt(t) - shift) / sd))

    def exit_inside(self, t: float, inner: float, drift: float = 0.0) -> float:
        """Probability of continuing to here and stopping in (−``inner``, ``inner``) at ``t``."""
        if not inner > 0:
            return 0.0
        shift, sd, _ = self._shift(t, drift)
        a = min(float(inner), _INF_BOUND) * np.sqrt(t)
        return float(self.h @ (norm.cdf((a - shift) / sd) - norm.cdf((-a - shift) / sd)))

    def advance(
        self,
        t: float,
        upper: float,
        lower: float,
        drift: float = 0.0,
        r: int = GRID_SIZE,
        inner: float = 0.0,
    ) -> Continuation:
        """The region (``lower``, ``upper``) less [−inner, inner] of the next look, at ``t``."""
        shift, sd, dt = self._shift(t, drift)
        b = float(np.clip(upper, -_INF_BOUND, _INF_BOUND))
        a = float(np.clip(lower, -_INF_BOUND, _INF_BOUND))
        z_new, w_new = region_grid(drift * np.sqrt(t), a, b, inner, r)
        dens = norm.pdf((z_new[:, None] * np.sqrt(t) - shift[None, :]) / sd)
        return Continuation(t, z_new, w_new * np.sqrt(t / dt) * (dens @ self.h))
