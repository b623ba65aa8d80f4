"""Test of proportional hazards, as R's ``cox.zph`` computes it since survival 3.0.

For each covariate, the score test of adding the term x * g(t) to the fitted model, where
g is a transform of time centred at its mean over the events; the GLOBAL row tests all such
terms at once. The score vector and the 2p x 2p information matrix are accumulated over the
risk sets at the fitted coefficients, exactly as ``zph1.c`` does (Breslow or Efron, as the
model was fitted); the first p entries of the score are set to zero, as R does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from metsor.errors import InputError
from metsor.stats._risk_sets import death_row_moments
from metsor.stats.cox import CoxFit

__all__ = ["CoxZph", "TimeTransform", "cox_zph"]

TimeTransform = Literal["km", "rank", "identity", "log"]


@dataclass(frozen=True)
class CoxZph:
    """Result of the proportional-hazards test.

    Attributes
    ----------
    terms
        Covariate names, then "GLOBAL".
    chi2, df, p_value
        One entry per row of ``terms``.
    transform
        The time transform used.
    """

    terms: tuple[str, ...]
    chi2: NDArray[np.float64]
    df: NDArray[np.int64]
    p_value: NDArray[np.float64]
    transform: TimeTransform

    @property
    def global_p_value(self) -> float:
        """p-value of the GLOBAL row."""
        return float(self.p_value[-1])


def cox_zph(fit: CoxFit, transform: TimeTransform = "km") -> CoxZph:
    """Score test of proportional hazards for each covariate of a Cox model and globally.

    Parameters
    ----------
    fit
        A model from :func:`metsor.stats.cox.cox_ph`.
    transform
        g(t): "km" (R's default: one minus the left-continuous Kaplan–Meier estimate over all
        patients), "rank" (rank of the follow-up times, ties averaged), "identity" or "log".

    Returns
    -------
    CoxZph

    References
    ----------
    Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on weighted
    residuals. Biometrika 1994;81:515–526. Therneau TM. survival 3.0 vignette "The
    cox.zph function" (2019): the exact score test. R package survival, ``cox.zph``.
    """
    data = fit.data
    g = _transformed_time(data.time, data.event, transform)
    g = g - g[data.event].mean()
    p = fit.coef.size
    eta = data.covariates @ fit.coef
    moments = death_row_moments(data.layout, data.covariates, eta)
    dead = data.layout.death_index
    g_row = g[dead]
    residual = data.covariates[dead] - moments.mean
    score = np.concatenate((np.zeros(p), (g_row[:, None] * residual).sum(axis=0)))
    v = moments.covariance
    info = np.empty((2 * p, 2 * p))
    info[:p, :p] = v.sum(axis=0)
    info[:p, p:] = (g_row[:, None, None] * v).sum(axis=0)
    info[p:, :p] = info[:p, p:].T
    info[p:, p:] = (g_row[:, None, None] ** 2 * v).sum(axis=0)
    chi2 = np.empty(p + 1)
    try:
        for term in range(p):
            keep = np.concatenate((np.arange(p), [p + term]))
            u = score[keep]
            chi2[term] = float(u @ np.linalg.solve(info[np.ix_(keep, keep)], u))
        chi2[p] = float(score @ np.linalg.solve(info, score))
    except np.linalg.LinAlgError:
        # R's cox.zph stops here too ("system is exactly singular")
        raise InputError(
            "the proportional-hazards test is undefined: its information matrix is singular "
            "(the transformed event times do not vary, e.g. all deaths at one time)",
            field="time",
        ) from None
    df = np.concatenate((np.ones(p, dtype=np.int64), [p]))
    return CoxZph(
        terms=(*fit.names, "GLOBAL"),
        chi2=chi2,
        df=df,
        p_value=stats.chi2.sf(chi2, df),
        transform=transform,
    )


def _transformed_time(
    time: NDArray[np.float64], event: NDArray[np.bool_], transform: str
) -> NDArray[np.float64]:
    if transform == "identity":
        return time.copy()
    if transform == "log":
        if np.any(time <= 0):
            raise InputError("the log transform needs positive times", field="transform")
        return np.log(time)
    if transform == "rank":
        return np.asarray(stats.rankdata(time, method="average"), dtype=np.float64)
    if transform == "km":
        times, inverse = np.unique(time, return_inverse=True)
        deaths = np.bincount(inverse, weights=event, minlength=times.size)
        at_time = np.bincount(inverse, minlength=times.size)
        at_risk = time.size - np.concatenate(([0], np.cumsum(at_time)[:-1]))
        survival = np.cumprod(1.0 - deaths / at_risk)
        # left-continuous: the curve just before each patient's time
        before = np.concatenate(([1.0], survival))[inverse]
        return np.asarray(1.0 - before, dtype=np.float64)
    raise InputError(
        f"transform must be one of km, rank, identity, log; not {transform!r}", field="transform"
    )
