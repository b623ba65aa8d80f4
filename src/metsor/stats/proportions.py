"""Response rates: exact intervals, the difference between arms, Fisher's exact test.

- Clopper–Pearson interval of one rate (R ``binom.test``).
- Wilson score interval (R ``prop.test(correct = FALSE)``), and from the two arms' Wilson
  intervals Newcombe's hybrid score interval of the difference (method 10).
- Fisher's exact test of the 2 x 2 table (two-sided as R ``fisher.test``: tables no more
  probable than the observed one, to a relative 1e-7), with R's conditional maximum
  likelihood odds ratio and its exact interval; and the sample odds ratio, named as such.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from metsor.errors import InputError
from metsor.stats._zeroin import zeroin

__all__ = [
    "FISHER_MAX_PATIENTS",
    "FisherExact",
    "ProportionEstimate",
    "RateDifference",
    "clopper_pearson",
    "fisher_exact",
    "newcombe_difference",
    "wilson_interval",
]


FISHER_MAX_PATIENTS = 1_000_000
"""The most patients (both arms) of a table given to Fisher's exact test.

As R's ``fisher.test``, the test holds the conditional law of the first cell over its whole
support, whose length grows with the counts; this bound keeps it to a few arrays of at most a
million entries (about 8 MB each), far beyond any trial's response table.
"""


@dataclass(frozen=True)
class ProportionEstimate:
    """A response rate with its confidence interval."""

    responders: int
    n: int
    rate: float
    lower: float
    upper: float
    conf_level: float


@dataclass(frozen=True)
class RateDifference:
    """Difference of two rates (experimental minus reference) with its interval."""

    difference: float
    lower: float
    upper: float
    conf_level: float


@dataclass(frozen=True)
class FisherExact:
    """Fisher's exact test of a 2 x 2 table (experimental row first, responders first).

    Attributes
    ----------
    p_value
        Two-sided p-value, as R ``fisher.test``.
    odds_ratio, lower, upper
        Conditional maximum likelihood odds ratio and its exact interval, as R reports them.
    sample_odds_ratio
        (a d) / (b c), the unconditional sample odds ratio (inf or nan with empty cells).
    """

    p_value: float
    odds_ratio: float
    lower: float
    upper: float
    sample_odds_ratio: float
    conf_level: float


def clopper_pearson(responders: int, n: int, *, conf_level: float = 0.95) -> ProportionEstimate:
    """Rate with its exact Clopper–Pearson interval.

    Parameters
    ----------
    responders, n
        Responders and patients.
    conf_level
        Level of the interval.

    Returns
    -------
    ProportionEstimate

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
    of the binomial. Biometrika 1934;26:404–413.
    """
    _check_count(responders, n, conf_level)
    alpha = (1.0 - conf_level) / 2.0
    x = responders
    lower = 0.0 if x == 0 else float(stats.beta.ppf(alpha, x, n - x + 1))
    upper = 1.0 if x == n else float(stats.beta.ppf(1 - alpha, x + 1, n - x))
    return ProportionEstimate(responders, n, responders / n, lower, upper, conf_level)


def wilson_interval(responders: int, n: int, *, conf_level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a rate (no continuity correction).

    Parameters
    ----------
    responders, n
        Responders and patients.
    conf_level
        Level of the interval.

    Returns
    -------
    lower, upper

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference. JASA
    1927;22:209–212.
    """
    _check_count(responders, n, conf_level)
    z = float(stats.norm.ppf((1.0 + conf_level) / 2.0))
    p = responders / n
    z22n = z * z / (2.0 * n)
    spread = z * np.sqrt(p * (1.0 - p) / n + z22n / (2.0 * n))
    lower = 0.0 if p <= 0 else (p + z22n - spread) / (1.0 + 2.0 * z22n)
    upper = 1.0 if p >= 1 else (p + z22n + spread) / (1.0 + 2.0 * z22n)
    return float(lower), float(upper)


def newcombe_difference(
    responders_1: int, n_1: int, responders_2: int, n_2: int, *, conf_level: float = 0.95
) -> RateDifference:
    """Difference of two independent rates with Newcombe's hybrid score interval.

    Parameters
    ----------
    responders_1, n_1
        Experimental arm.
    responders_2, n_2
        Reference arm.
    conf_level
        Level of the interval.

    Returns
    -------
    RateDifference
        rate_1 - rate_2 and its interval.

    References
    ----------
    Newcombe RG. Interval estimation for the difference between independent proportions:
    comparison of eleven methods. Stat Med 1998;17:873–890 (method 10).
    """
    l1, u1 = wilson_interval(responders_1, n_1, conf_level=conf_level)
    l2, u2 = wilson_interval(responders_2, n_2, conf_level=conf_level)
    p1, p2 = responders_1 / n_1, responders_2 / n_2
    d = p1 - p2
    return RateDifference(
        difference=d,
        lower=d - float(np.hypot(p1 - l1, u2 - p2)),
        upper=d + float(np.hypot(u1 - p1, p2 - l2)),
        conf_level=conf_level,
    )


def fisher_exact(
    responders_1: int, n_1: int, responders_2: int, n_2: int, *, conf_level: float = 0.95
) -> FisherExact:
    """Fisher's exact test and conditional odds ratio of two arms' response.

    Parameters
    ----------
    responders_1, n_1
        Experimental arm (the table's first row).
    responders_2, n_2
        Reference arm.
    conf_level
        Level of the odds-ratio interval.

    Returns
    -------
    FisherExact

    References
    ----------
    Fisher RA. On the interpretation of chi-square from contingency tables. JRSS 1922;85:
    87–94. Agresti A. Categorical Data Analysis, 3rd ed. Wiley 2013, §3.5 and §16.6.
    R ``stats::fisher.test``.
    """
    _check_count(responders_1, n_1, conf_level)
    _check_count(responders_2, n_2, conf_level)
    if n_1 + n_2 > FISHER_MAX_PATIENTS:
        raise InputError(
            f"Fisher's exact test takes at most {FISHER_MAX_PATIENTS:,} patients in all "
            f"(its law is held over every possible table), not {n_1 + n_2:,}",
            field="n",
        )
    table = _HypergeometricTable(responders_1, n_1, responders_2, n_2)
    alpha = (1.0 - conf_level) / 2.0
    a, b = responders_1, n_1 - responders_1
    c, d = responders_2, n_2 - responders_2
    with np.errstate(divide="ignore", invalid="ignore"):
        sample_or = float(np.float64(a * d) / np.float64(b * c))
    return FisherExact(
        p_value=table.two_sided_p(),
        odds_ratio=table.conditional_mle(),
        lower=table.lower_limit(alpha),
        upper=table.upper_limit(alpha),
        sample_odds_ratio=sample_or,
        conf_level=conf_level,
    )


class _HypergeometricTable:
    """The non-central hypergeometric law of the first cell, as ``fisher.test`` uses it."""

    def __init__(self, x1: int, n1: int, x2: int, n2: int) -> None:
        self.m = x1 + x2  # responders
        self.n = (n1 - x1) + (n2 - x2)  # non-responders
        self.k = n1  # first row
        self.x = x1
        self.lo = max(0, self.k - self.n)
        self.hi = min(self.k, self.m)
        self.support = np.arange(self.lo, self.hi + 1, dtype=np.float64)
        self.logdc = stats.hypergeom.logpmf(self.support, self.m + self.n, self.m, self.k)

    def density(self, ncp: float) -> NDArray[np.float64]:
        d = self.logdc + np.log(ncp) * self.support
        d = np.exp(d - d.max())
        return np.asarray(d / d.sum(), dtype=np.float64)

    def mean(self, ncp: float) -> float:
        if ncp == 0:
            return float(self.lo)
        if np.isinf(ncp):
            return float(self.hi)
        return float(np.sum(self.support * self.density(ncp)))

    def tail(self, ncp: float, upper: bool) -> float:
        """P(X <= x) or, with ``upper``, P(X >= x) under odds ratio ``ncp``."""
        if ncp == 0:
            return float(self.x <= self.lo) if upper else float(self.x >= self.lo)
        if np.isinf(ncp):
            return float(self.x <= self.hi) if upper else float(self.x >= self.hi)
        if ncp == 1:
            total, k, m = self.m + self.n, self.k, self.m
            if upper:
                return float(stats.hypergeom.sf(self.x - 1, total, m, k))
            return float(stats.hypergeom.cdf(self.x, total, m, k))
        dens = self.density(ncp)
        keep = self.support >= self.x if upper else self.support <= self.x
        return float(dens[keep].sum())

    def two_sided_p(self) -> float:
        rel_err = 1.0 + 1e-7
        dens = self.density(1.0)
        return float(min(1.0, dens[dens <= dens[self.x - self.lo] * rel_err].sum()))

    def conditional_mle(self) -> float:
        if self.x == self.lo:
            return 0.0
        if self.x == self.hi:
            return float("inf")
        mu = self.mean(1.0)
        if mu > self.x:
            return zeroin(lambda t: self.mean(t) - self.x, 0.0, 1.0)
        if mu < self.x:
            return 1.0 / zeroin(lambda t: self.mean(1.0 / t) - self.x, _DBL_EPS, 1.0)
        return 1.0

    def upper_limit(self, alpha: float) -> float:
        if self.x == self.hi:
            return float("inf")
        return self._limit(alpha, upper_tail=False)

    def lower_limit(self, alpha: float) -> float:
        if self.x == self.lo:
            return 0.0
        return self._limit(alpha, upper_tail=True)

    def _limit(self, alpha: float, *, upper_tail: bool) -> float:
        def excess(t: float) -> float:
            return self.tail(t, upper_tail) - alpha

        def excess_inverse(t: float) -> float:
            return self.tail(1.0 / t, upper_tail) - alpha

        p = self.tail(1.0, upper_tail)
        below = p > alpha if upper_tail else p < alpha
        above = p < alpha if upper_tail else p > alpha
        if below:
            return _root(excess, 0.0, 1.0)
        if above:
            return 1.0 / _root(excess_inverse, _DBL_EPS, 1.0)
        return 1.0


_DBL_EPS = float(np.finfo(np.float64).eps)


def _root(f: Callable[[float], float], lower: float, upper: float) -> float:
    return zeroin(f, lower, upper)


def _whole(value: object, name: str) -> int:
    """``value`` as an int if it is a whole number (int or numpy integer, not bool)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputError(f"{name} must be a whole number (a count), not {value!r}", field=name)
    return int(value)


def _check_count(responders: int, n: int, conf_level: float) -> None:
    n = _whole(n, "n")
    responders = _whole(responders, "responders")
    if n <= 0:
        raise InputError(f"number of patients must be positive, not {n}", field="n")
    if not 0 <= responders <= n:
        raise InputError(
            f"responders must be between 0 and {n}, not {responders}", field="responders"
        )
    if not (isinstance(conf_level, float | int) and 0.0 < conf_level < 1.0):
        raise InputError(f"conf_level must be in (0, 1), not {conf_level}", field="conf_level")
