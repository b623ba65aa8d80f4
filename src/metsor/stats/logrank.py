"""Log-rank test, optionally stratified, as R's ``survdiff`` (rho = 0) computes it.

At each distinct event time (within a stratum) the expected events of each group are the
deaths shared in proportion to the numbers at risk; the variance is hypergeometric over tied
deaths. The stratified test sums observed minus expected and the variance over strata. The
chi-squared statistic uses the groups with a positive expected count, dropping the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from metsor.errors import InputError
from metsor.stats._arrays import as_labels, as_survival_data, stratum_time_order

__all__ = ["LogRankResult", "logrank_test"]


@dataclass(frozen=True)
class LogRankResult:
    """Result of a log-rank test.

    Attributes
    ----------
    groups
        Group labels, sorted; the arrays below follow this order.
    n
        Patients per group.
    observed, expected
        Observed and expected events per group (summed over strata).
    variance
        Variance–covariance matrix of observed minus expected (groups x groups).
    chi2, df, p_value
        The test statistic, its degrees of freedom and the upper-tail p-value.
    """

    groups: tuple[Any, ...]
    n: NDArray[np.int64]
    observed: NDArray[np.float64]
    expected: NDArray[np.float64]
    variance: NDArray[np.float64]
    chi2: float
    df: int
    p_value: float


def logrank_test(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    timefix: bool = True,
) -> LogRankResult:
    """Compare survival between two or more groups with the log-rank test.

    Parameters
    ----------
    time
        Follow-up times (non-negative).
    event
        1 for an event, 0 for censored.
    group
        Group label of each patient (at least two distinct labels).
    strata
        Optional stratum label of each patient: the stratified log-rank test.
    timefix
        Merge times equal up to rounding error, as R does (``timefix = TRUE``).

    Returns
    -------
    LogRankResult

    References
    ----------
    Mantel N. Evaluation of survival data and two new rank order statistics arising in its
    consideration. Cancer Chemother Rep 1966;50:163–170. Peto R, Peto J. Asymptotically
    efficient rank invariant test procedures. JRSS A 1972;135:185–207. R package survival,
    ``survdiff`` (Therneau).

    Examples
    --------
    >>> res = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [0, 1, 0, 1, 0, 1])
    >>> res.df
    1
    """
    t, e = as_survival_data(time, event, timefix=timefix)
    levels, g = as_labels(group, t.size, "group")
    if len(levels) < 2:
        raise InputError(
            f"the log-rank test needs at least two groups; found only {levels!r}", field="group"
        )
    s = (
        np.zeros(t.size, dtype=np.intp)
        if strata is None
        else as_labels(strata, t.size, "strata")[1]
    )
    k = len(levels)
    observed, expected, variance = _observed_expected(t, e, g, s, k)
    usable = expected > 0
    df = int(usable.sum()) - 1
    if df < 1:
        chi2 = 0.0
    else:
        o_minus_e = (observed - expected)[usable][1:]
        v = variance[np.ix_(usable, usable)][1:, 1:]
        try:
            chi2 = float(o_minus_e @ np.linalg.solve(v, o_minus_e))
        except np.linalg.LinAlgError as exc:
            raise InputError("the log-rank variance is singular", field="group") from exc
    p_value = float(stats.chi2.sf(chi2, df)) if df >= 1 else float("nan")
    return LogRankResult(
        groups=tuple(levels),
        n=np.bincount(g, minlength=k).astype(np.int64),
        observed=observed,
        expected=expected,
        variance=variance,
        chi2=chi2,
        df=df,
        p_value=p_value,
    )


def _observed_expected(
    t: NDArray[np.float64],
    e: NDArray[np.bool_],
    g: NDArray[np.intp],
    s: NDArray[np.intp],
    k: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Observed, expected and variance summed over strata and distinct times."""
    order = stratum_time_order(t, s)
    t, e, g, s = t[order], e[order], g[order], s[order]
    # tie groups: runs of equal (stratum, time)
    new_run = np.empty(t.size, dtype=np.bool_)
    new_run[0] = True
    new_run[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    run = np.cumsum(new_run) - 1
    n_runs = int(run[-1]) + 1
    run_stratum = s[new_run]
    count = np.bincount(run * k + g, minlength=n_runs * k).reshape(n_runs, k)
    deaths = np.bincount(run * k + g, weights=e, minlength=n_runs * k).reshape(n_runs, k)
    # at risk per group: patients of the same stratum with time >= the run's time
    at_risk = np.empty_like(count)
    for stratum in np.unique(run_stratum):
        rows = np.flatnonzero(run_stratum == stratum)
        at_risk[rows] = np.cumsum(count[rows][::-1], axis=0)[::-1]
    d = deaths.sum(axis=1)
    n = at_risk.sum(axis=1).astype(np.float64)
    event_runs = d > 0
    d, n = d[event_runs], n[event_runs]
    share = at_risk[event_runs] / n[:, None]
    observed = deaths.sum(axis=0)
    expected = (d[:, None] * share).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    variance = np.diag((weight[:, None] * share).sum(axis=0)) - share.T @ (weight[:, None] * share)
    return observed, expected, variance
