"""Cox proportional hazards model, fitted as R's ``coxph`` fits it.

Newton–Raphson from beta = 0 on the partial likelihood (Efron ties by default, or Breslow),
optionally stratified, with the step halving of ``coxph.fit`` (``coxfit6.c``): a step that
lowers the log likelihood is pulled back towards the last good beta; iteration stops when the
relative change of the log likelihood is at most ``eps`` (1e-9) and the variance is the
inverse information at the final beta. Newton's method is invariant to R's centring and
scaling of covariates, so the iterates — and the reported figures — are R's.

A monotone likelihood (an arm without events, a covariate that separates the events) has its
maximum at an infinite coefficient: the log likelihood flattens and the iteration "converges"
at a large finite one. As ``coxph.fit`` does, the fit checks the next Newton step
|V u| of each coefficient at the end: larger than ``eps`` and than √eps (R's
``toler.inf``) times |coef| means the coefficient may be infinite, and the fit carries R's
warning ("Loglik converged before variable 1; coefficient may be infinite.") in ``warnings``;
so does a fit that ran out of iterations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from metsor.errors import InputError
from metsor.stats._arrays import as_labels, as_survival_data
from metsor.stats._risk_sets import RiskSetLayout, Ties, death_row_moments, risk_set_layout

__all__ = ["MAX_ITERATIONS", "CoxData", "CoxFit", "cox_ph"]


@dataclass(frozen=True)
class CoxData:
    """The data a model was fitted on, sorted by (stratum, time), covariates centred."""

    time: NDArray[np.float64]
    event: NDArray[np.bool_]
    covariates: NDArray[np.float64]
    strata: NDArray[np.intp]
    layout: RiskSetLayout


@dataclass(frozen=True)
class CoxFit:
    """A fitted Cox model.

    Attributes
    ----------
    names
        Covariate names.
    coef, se, variance
        Coefficients (log hazard ratios), their standard errors and covariance matrix.
    hazard_ratio, hr_lower, hr_upper
        exp(coef) and its Wald interval at ``conf_level``.
    z, p_value
        Wald z statistics and two-sided p-values, per coefficient.
    loglik_null, loglik
        Log partial likelihood at beta = 0 and at the estimate.
    score_chi2, wald_chi2, lr_chi2, df
        Global score (log-rank), Wald and likelihood-ratio statistics on ``df`` degrees of
        freedom.
    iterations, converged
        Newton–Raphson iterations used and whether the criterion was met.
    infinite
        Per coefficient, whether it may be infinite (monotone likelihood), as R's
        ``coxph.fit`` judges it.
    warnings
        R's warnings about the fit, in R's words with the covariate's name: "Loglik converged
        before variable 1 (arm); coefficient may be infinite.", "Ran out of iterations and did
        not converge", "one or more coefficients may be infinite".
    """

    names: tuple[str, ...]
    coef: NDArray[np.float64]
    se: NDArray[np.float64]
    variance: NDArray[np.float64]
    hazard_ratio: NDArray[np.float64]
    hr_lower: NDArray[np.float64]
    hr_upper: NDArray[np.float64]
    z: NDArray[np.float64]
    p_value: NDArray[np.float64]
    loglik_null: float
    loglik: float
    score_chi2: float
    wald_chi2: float
    lr_chi2: float
    df: int
    iterations: int
    converged: bool
    ties: Ties
    conf_level: float
    n: int
    n_events: int
    data: CoxData = field(repr=False, compare=False)
    infinite: tuple[bool, ...] = ()
    warnings: tuple[str, ...] = ()

    def p_value_of(self, chi2: float) -> float:
        """Upper-tail chi-squared p-value on the model's degrees of freedom."""
        return float(stats.chi2.sf(chi2, self.df))


def cox_ph(
    time: ArrayLike,
    event: ArrayLike,
    covariates: ArrayLike,
    *,
    names: Sequence[str] | None = None,
    strata: ArrayLike | None = None,
    ties: Ties = "efron",
    conf_level: float = 0.95,
    max_iter: int = 20,
    eps: float = 1e-9,
    timefix: bool = True,
) -> CoxFit:
    """Fit a Cox proportional hazards model.

    Parameters
    ----------
    time
        Follow-up times (non-negative).
    event
        1 for an event, 0 for censored.
    covariates
        One column per covariate (n, or n x p); e.g. 1 for the experimental arm, 0 for the
        reference arm.
    names
        Covariate names (default x1, x2, ...).
    strata
        Optional stratum label per patient: a separate baseline hazard per stratum.
    ties
        "efron" (R's default) or "breslow".
    conf_level
        Level of the hazard-ratio intervals.
    max_iter, eps
        R's ``coxph.control(iter.max=20, eps=1e-9)``.
    timefix
        Merge times equal up to rounding error, as R does (``timefix = TRUE``).

    Returns
    -------
    CoxFit

    References
    ----------
    Cox DR. Regression models and life-tables. JRSS B 1972;34:187–220. Efron B. The
    efficiency of Cox's likelihood function for censored data. JASA 1977;72:557–565.
    Therneau TM, Grambsch PM. Modeling Survival Data. Springer 2000. R package survival,
    ``coxph.fit`` (Therneau).
    """
    _check_control(conf_level, max_iter, eps)
    t, e = as_survival_data(time, event, timefix=timefix)
    x = _covariate_matrix(covariates, t.size)
    p = x.shape[1]
    labels = tuple(names) if names is not None else tuple(f"x{i + 1}" for i in range(p))
    if len(labels) != p:
        raise InputError(f"{len(labels)} names for {p} covariates", field="names")
    if ties not in ("efron", "breslow"):
        raise InputError(f"ties must be 'efron' or 'breslow', not {ties!r}", field="ties")
    if not e.any():
        raise InputError("no events: a Cox model needs at least one", field="event")
    s = np.zeros(t.size, np.intp) if strata is None else as_labels(strata, t.size, "strata")[1]
    layout = risk_set_layout(t, e, s, ties)
    xs = x[layout.order]
    xs = xs - xs.mean(axis=0)
    data = CoxData(t[layout.order], e[layout.order], xs, s[layout.order], layout)
    beta, loglik0, loglik, imat, iterations, converged = _newton_raphson(
        data, p, max_iter=max_iter, eps=eps, names=labels
    )
    variance = _invert(imat, labels)
    infinite, warnings = _infinite_coefficients(data, beta, variance, converged, eps, labels)
    se = np.sqrt(np.diag(variance))
    z = beta / se
    zq = float(stats.norm.ppf(1.0 - (1.0 - conf_level) / 2.0))
    _, u0, imat0 = _derivatives(data, np.zeros(p))
    score = float(u0 @ np.linalg.solve(imat0, u0))
    with np.errstate(over="ignore"):  # a diverging (monotone) likelihood gives inf, as in R
        hazard_ratio, hr_lower, hr_upper = (
            np.exp(beta),
            np.exp(beta - zq * se),
            np.exp(beta + zq * se),
        )
    return CoxFit(
        names=labels,
        coef=beta,
        se=se,
        variance=variance,
        hazard_ratio=hazard_ratio,
        hr_lower=hr_lower,
        hr_upper=hr_upper,
        z=z,
        p_value=2.0 * stats.norm.sf(np.abs(z)),
        loglik_null=loglik0,
        loglik=loglik,
        score_chi2=score,
        wald_chi2=float(beta @ imat @ beta),
        lr_chi2=2.0 * (loglik - loglik0),
        df=p,
        iterations=iterations,
        converged=converged,
        ties=ties,
        conf_level=conf_level,
        n=int(t.size),
        n_events=int(e.sum()),
        data=data,
        infinite=infinite,
        warnings=warnings,
    )


def _infinite_coefficients(
    data: CoxData,
    beta: NDArray[np.float64],
    variance: NDArray[np.float64],
    converged: bool,
    eps: float,
    names: tuple[str, ...],
) -> tuple[tuple[bool, ...], tuple[str, ...]]:
    """Which coefficients may be infinite, and R's warnings, as ``coxph.fit`` decides them.

    R: ``infs <- abs(coxfit$u %*% var)``; after convergence a coefficient is flagged when its
    score is not finite or ``infs > eps & infs > toler.inf * abs(coef)`` (``toler.inf`` =
    √eps); without convergence R warns so, and that coefficients may be infinite when the
    largest linear predictor exceeds 500 or a step is not finite.
    """
    _, u, _ = _derivatives(data, beta)
    with np.errstate(invalid="ignore", over="ignore"):
        step = np.abs(u @ variance)
    if not converged:
        lp = data.covariates @ beta
        flagged = bool(np.max(lp, initial=0.0) > 500 or not np.all(np.isfinite(step)))
        warnings = ["Ran out of iterations and did not converge"]
        if flagged:
            warnings.append("one or more coefficients may be infinite")
        return tuple(flagged for _ in names), tuple(warnings)
    toler_inf = np.sqrt(eps)
    infinite = ~np.isfinite(u) | ((step > eps) & (step > toler_inf * np.abs(beta)))
    if not infinite.any():
        return tuple(False for _ in names), ()
    which = ",".join(f"{i + 1} ({names[i]})" for i in np.flatnonzero(infinite))
    return (
        tuple(bool(x) for x in infinite),
        (f"Loglik converged before variable {which}; coefficient may be infinite.",),
    )


def _newton_raphson(
    data: CoxData, p: int, *, max_iter: int, eps: float, names: tuple[str, ...]
) -> tuple[NDArray[np.float64], float, float, NDArray[np.float64], int, bool]:
    """R's ``coxfit6`` iteration; returns beta, loglik at 0 and at beta, information, iter."""
    beta = np.zeros(p)
    loglik0, u, imat = _derivatives(data, beta)
    best = loglik0
    new_beta = beta + _solve(imat, u, names)
    halving = 0
    for iteration in range(1, max_iter + 1):
        new_loglik, u, imat = _derivatives(data, new_beta)
        finite = bool(np.isfinite(new_loglik) and np.all(np.isfinite(u)))
        finite = finite and bool(np.all(np.isfinite(imat)))
        with np.errstate(divide="ignore", invalid="ignore"):
            change = abs(1.0 - best / new_loglik)
        if finite and change <= eps:
            return new_beta, loglik0, new_loglik, imat, iteration, True
        if not finite or new_loglik < best:
            halving += 1
            new_beta = (new_beta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = new_loglik
            step = _solve(imat, u, names)
            beta = new_beta
            new_beta = new_beta + step
    loglik, _, imat = _derivatives(data, beta)
    return beta, loglik0, loglik, imat, max_iter, False


def _derivatives(
    data: CoxData, beta: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Log partial likelihood, score vector and information matrix at ``beta``."""
    eta = data.covariates @ beta
    moments = death_row_moments(data.layout, data.covariates, eta)
    dead = data.layout.death_index
    loglik = float(eta[dead].sum() - moments.log_denominator.sum())
    score = data.covariates[dead].sum(axis=0) - moments.mean.sum(axis=0)
    information = moments.covariance.sum(axis=0)
    return loglik, score, information


def _solve(
    imat: NDArray[np.float64], u: NDArray[np.float64], names: tuple[str, ...]
) -> NDArray[np.float64]:
    try:
        return np.asarray(np.linalg.solve(imat, u), dtype=np.float64)
    except np.linalg.LinAlgError as exc:
        raise _collinear(names) from exc


def _invert(imat: NDArray[np.float64], names: tuple[str, ...]) -> NDArray[np.float64]:
    try:
        return np.asarray(np.linalg.inv(imat), dtype=np.float64)
    except np.linalg.LinAlgError as exc:
        raise _collinear(names) from exc


def _collinear(names: tuple[str, ...]) -> InputError:
    return InputError(
        f"the information matrix is singular: covariates {', '.join(names)} are constant "
        "within risk sets or collinear",
        field="covariates",
    )


MAX_ITERATIONS = 1000
"""The most Newton–Raphson iterations a fit may be asked for (R's default is 20)."""


def _check_control(conf_level: float, max_iter: int, eps: float) -> None:
    """Raise InputError naming the first of ``conf_level``, ``max_iter``, ``eps`` out of range."""
    if not (isinstance(conf_level, float | int) and 0.0 < conf_level < 1.0):
        raise InputError(f"conf_level must be in (0, 1), not {conf_level!r}", field="conf_level")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer):
        raise InputError(f"max_iter must be a whole number, not {max_iter!r}", field="max_iter")
    if not 1 <= max_iter <= MAX_ITERATIONS:
        raise InputError(
            f"max_iter must lie between 1 and {MAX_ITERATIONS}, not {max_iter}", field="max_iter"
        )
    if not (isinstance(eps, float | int) and 0.0 < eps < 1.0):
        raise InputError(f"eps must be in (0, 1), not {eps!r}", field="eps")


def _covariate_matrix(covariates: ArrayLike, n: int) -> NDArray[np.float64]:
    try:
        x = np.asarray(covariates, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError("covariates must be numeric", field="covariates") from exc
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != n:
        raise InputError(
            f"covariates must have one row per patient ({n}); got shape {x.shape}",
            field="covariates",
        )
    if not np.all(np.isfinite(x)):
        raise InputError("covariates must be finite (no missing values)", field="covariates")
    return x
