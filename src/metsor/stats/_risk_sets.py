"""Risk sets of the Cox partial likelihood, vectorized, with Breslow or Efron ties.

Patients are sorted by stratum and time. A *death row* is one event; under Efron's method
the j-th of the d deaths tied at a time (j = 0 .. d-1) sees the risk-set sums less j/d of
the tied deaths' sums, under Breslow's the full sums. Everything a Cox fit or the
``cox.zph`` score test needs is a sum over death rows of the weighted mean and covariance of
the covariates over that row's (reduced) risk set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from metsor.stats._arrays import stratum_time_order

__all__ = ["DeathRowMoments", "RiskSetLayout", "Ties", "death_row_moments", "risk_set_layout"]

Ties = Literal["efron", "breslow"]


@dataclass(frozen=True)
class RiskSetLayout:
    """Sort order and tie structure of one dataset (computed once, reused per iteration).

    Attributes
    ----------
    order
        Permutation sorting patients by (stratum, time).
    stratum_slices
        (start, stop) of each stratum in sorted order.
    run_start
        For each death row, the sorted index of the first patient at its (stratum, time):
        from there to the stratum's end is the risk set.
    death_index
        Sorted index of the patient of each death row.
    death_run
        Index of each death row's tie group (0 .. number of groups - 1).
    efron_fraction
        j/d of each death row (0 under Breslow).
    """

    order: NDArray[np.intp]
    stratum_slices: tuple[tuple[int, int], ...]
    run_start: NDArray[np.intp]
    death_index: NDArray[np.intp]
    death_run: NDArray[np.intp]
    efron_fraction: NDArray[np.float64]


@dataclass(frozen=True)
class DeathRowMoments:
    """Per death row: log of the risk-set total, covariate mean and covariance."""

    log_denominator: NDArray[np.float64]
    mean: NDArray[np.float64]
    covariance: NDArray[np.float64]


def risk_set_layout(
    time: NDArray[np.float64],
    event: NDArray[np.bool_],
    strata: NDArray[np.intp],
    ties: Ties,
) -> RiskSetLayout:
    """Sort patients and describe the tie groups of the deaths."""
    order = stratum_time_order(time, strata)
    t, e, s = time[order], event[order], strata[order]
    n = t.size
    new_run = np.empty(n, dtype=np.bool_)
    new_run[0] = True
    new_run[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    run = np.cumsum(new_run) - 1
    first_of_run = np.flatnonzero(new_run)
    death_index = np.flatnonzero(e)
    death_run_raw = run[death_index]
    # renumber tie groups that contain deaths 0 .. m-1
    _, death_run = np.unique(death_run_raw, return_inverse=True)
    deaths_per_run = np.bincount(death_run)
    first_death_of_run = np.concatenate(([0], np.cumsum(deaths_per_run)[:-1]))
    j = np.arange(death_index.size) - first_death_of_run[death_run]
    fraction = j / deaths_per_run[death_run] if ties == "efron" else np.zeros(death_index.size)
    bounds = np.flatnonzero(np.diff(s)) + 1
    starts = np.concatenate(([0], bounds))
    stops = np.concatenate((bounds, [n]))
    return RiskSetLayout(
        order=order,
        stratum_slices=tuple(zip(starts.tolist(), stops.tolist(), strict=True)),
        run_start=first_of_run[death_run_raw].astype(np.intp),
        death_index=death_index.astype(np.intp),
        death_run=death_run.astype(np.intp),
        efron_fraction=fraction.astype(np.float64),
    )


def death_row_moments(
    layout: RiskSetLayout, x_sorted: NDArray[np.float64], eta_sorted: NDArray[np.float64]
) -> DeathRowMoments:
    """Risk-set moments of the covariates at each death row.

    Parameters
    ----------
    layout
        From :func:`risk_set_layout`.
    x_sorted
        Covariates (n x p), in the layout's sorted order, centred.
    eta_sorted
        Linear predictor, sorted likewise.
    """
    n, p = x_sorted.shape
    risk = np.exp(eta_sorted)
    wx = risk[:, None] * x_sorted
    wxx = wx[:, :, None] * x_sorted[:, None, :]
    # sums over everyone with (stratum, time) at or after each patient: reverse cumsum per stratum
    tail_w = np.empty(n)
    tail_wx = np.empty((n, p))
    tail_wxx = np.empty((n, p, p))
    for start, stop in layout.stratum_slices:
        tail_w[start:stop] = np.cumsum(risk[start:stop][::-1])[::-1]
        tail_wx[start:stop] = np.cumsum(wx[start:stop][::-1], axis=0)[::-1]
        tail_wxx[start:stop] = np.cumsum(wxx[start:stop][::-1], axis=0)[::-1]
    m = int(layout.death_run.max()) + 1 if layout.death_run.size else 0
    dead = layout.death_index
    run = layout.death_run
    dead_w = np.bincount(run, weights=risk[dead], minlength=m)
    dead_wx = np.empty((m, p))
    dead_wxx = np.empty((m, p, p))
    for i in range(p):
        dead_wx[:, i] = np.bincount(run, weights=wx[dead, i], minlength=m)
        for j in range(p):
            dead_wxx[:, i, j] = np.bincount(run, weights=wxx[dead, i, j], minlength=m)
    f = layout.efron_fraction
    first = layout.run_start
    denom = tail_w[first] - f * dead_w[run]
    s1 = tail_wx[first] - f[:, None] * dead_wx[run]
    s2 = tail_wxx[first] - f[:, None, None] * dead_wxx[run]
    mean = s1 / denom[:, None]
    covariance = s2 / denom[:, None, None] - mean[:, :, None] * mean[:, None, :]
    return DeathRowMoments(log_denominator=np.log(denom), mean=mean, covariance=covariance)
