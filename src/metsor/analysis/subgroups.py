"""The hazard ratio by subgroup, with the test of the treatment-by-subgroup interaction.

For each subgroup factor (ECOG, macrovascular invasion, extrahepatic spread, AFP ≥ 400 ng/mL,
Child-Pugh A5/A6 …) and each of its levels: patients and events per arm and the Cox hazard
ratio of the experimental against the reference arm within the level (Efron ties, Wald
interval; unstratified, as a forest plot shows it). For the factor: the interaction test,
the likelihood-ratio test of ``coxph(Surv ~ arm * level)`` against ``coxph(Surv ~ arm +
level)`` (R's ``anova`` of the two fits), on as many degrees of freedom as interaction terms;
the Wald test of the interaction coefficients is given beside it. Patients whose level is
unknown (``None``) are left out of that factor's analysis.

A figure undefined for the data (a level where an arm has no patients or no events, whose
hazard ratio would be 0 or infinite; a model that does not converge) is ``None`` with the
reason in the result's ``warnings``, never an exception.

References
----------
Cox DR. JRSS B 1972;34:187–220. Wang R, Lagakos SW, Ware JH, Hunter DJ, Drazen JM.
Statistics in medicine — reporting of subgroup analyses in clinical trials. N Engl J Med
2007;357:2189–2194 (interaction tests, forest plots). Therneau TM, Grambsch PM. Modeling
Survival Data. Springer, 2000 (likelihood-ratio tests of nested Cox models).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as scipy_stats

from metsor import stats
from metsor.errors import InputError

__all__ = ["SubgroupFactor", "SubgroupLevel", "subgroup_hazard_ratios"]


@dataclass(frozen=True)
class SubgroupLevel:
    """One level of a subgroup factor: patients and events per arm, and the hazard ratio."""

    level: str
    n: dict[str, int]
    events: dict[str, int]
    hazard_ratio: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class SubgroupFactor:
    """One subgroup factor: its levels and the interaction test.

    ``interaction_p`` is the likelihood-ratio test (primary); ``interaction_wald_p`` the Wald
    test of the same terms.
    """

    factor: str
    label: str
    levels: tuple[SubgroupLevel, ...]
    interaction_chi2: float | None
    interaction_df: int
    interaction_p: float | None
    interaction_wald_p: float | None
    missing: int
    warnings: tuple[str, ...]

    test: str = "likelihood ratio"


def subgroup_hazard_ratios(
    time: ArrayLike,
    event: ArrayLike,
    arm: Sequence[str],
    factors: Mapping[str, Sequence[str | None]],
    *,
    reference: str,
    experimental: str,
    labels: Mapping[str, str] | None = None,
    conf_level: float = 0.95,
) -> tuple[SubgroupFactor, ...]:
    """Hazard ratios by subgroup and the interaction test of each factor.

    Parameters
    ----------
    time, event
        Follow-up times and event indicators (1 event, 0 censored).
    arm
        The arm of each patient; patients of other arms are left out.
    factors
        Factor name → the level of each patient (``None`` where unknown). Levels are shown
        in sorted order.
    reference, experimental
        The arms compared; the hazard ratio is experimental over reference.
    labels
        Factor name → its label for display (default the name).
    conf_level
        Level of the hazard-ratio intervals.

    Returns
    -------
    tuple of SubgroupFactor
        In the order of ``factors``.

    Raises
    ------
    InputError
        If the arrays differ in length, or the two arms are the same.

    References
    ----------
    See the module docstring.
    """
    if reference == experimental:
        raise InputError("the reference and experimental arms must differ", field="experimental")
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event, dtype=np.float64)
    a = np.asarray(list(arm), dtype=object)
    if not t.shape == e.shape == a.shape or t.ndim != 1:
        raise InputError("time, event and arm must be one value per patient", field="arm")
    keep = (a == reference) | (a == experimental)
    results = []
    for name, values in factors.items():
        level = np.asarray(list(values), dtype=object)
        if level.shape != a.shape:
            raise InputError(f"subgroup {name} must be one value per patient", field=name)
        known = keep & np.array([v is not None for v in level], dtype=bool)
        label = (labels or {}).get(name, name)
        results.append(
            _factor(
                name,
                label,
                t[known],
                e[known],
                a[known] == experimental,
                np.array([str(v) for v in level[known]], dtype=object),
                int(keep.sum() - known.sum()),
                (reference, experimental),
                conf_level,
            )
        )
    return tuple(results)


def _factor(
    name: str,
    label: str,
    t: NDArray[np.float64],
    e: NDArray[np.float64],
    treated: NDArray[np.bool_],
    level: NDArray[np.object_],
    missing: int,
    arms: tuple[str, str],
    conf_level: float,
) -> SubgroupFactor:
    warnings: list[str] = []
    reference, experimental = arms
    levels = []
    for value in sorted(set(level.tolist())):
        mask = level == value
        n = {reference: int((mask & ~treated).sum()), experimental: int((mask & treated).sum())}
        events = {
            reference: int(e[mask & ~treated].sum()),
            experimental: int(e[mask & treated].sum()),
        }
        hr = _hazard_ratio(t[mask], e[mask], treated[mask], conf_level)
        if hr is None:
            warnings.append(f"{label} {value}: no hazard ratio (an arm without events)")
        estimate, lower, upper = hr if hr is not None else (None, None, None)
        levels.append(SubgroupLevel(str(value), n, events, estimate, lower, upper))
    df = max(len(levels) - 1, 0)
    chi2 = p = wald_p = None
    if df == 0:
        warnings.append(f"{label}: a single level, no interaction test")
    else:
        chi2, p, wald_p = _interaction(t, e, treated, level, [lv.level for lv in levels], warnings)
        if chi2 is None:
            warnings.append(f"{label}: the interaction model did not converge, no test")
    return SubgroupFactor(
        factor=name,
        label=label,
        levels=tuple(levels),
        interaction_chi2=chi2,
        interaction_df=df,
        interaction_p=p,
        interaction_wald_p=wald_p,
        missing=missing,
        warnings=tuple(warnings),
    )


def _fit(
    t: NDArray[np.float64], e: NDArray[np.float64], x: NDArray[np.float64], conf_level: float
) -> stats.CoxFit | None:
    try:
        # a subgroup too small for its terms has a singular information matrix: its standard
        # errors come out nan, refused just below, rather than as a warning
        with np.errstate(invalid="ignore"):
            fit = stats.cox_ph(t, e, x, conf_level=conf_level)
    except InputError:
        return None
    if not fit.converged or not np.all(np.isfinite(fit.se)):
        return None
    return fit


def _hazard_ratio(
    t: NDArray[np.float64], e: NDArray[np.float64], treated: NDArray[np.bool_], conf_level: float
) -> tuple[float, float, float] | None:
    if not e[treated].any() or not e[~treated].any():
        return None
    fit = _fit(t, e, treated.astype(np.float64), conf_level)
    if fit is None:
        return None
    return float(fit.hazard_ratio[0]), float(fit.hr_lower[0]), float(fit.hr_upper[0])


def _interaction(
    t: NDArray[np.float64],
    e: NDArray[np.float64],
    treated: NDArray[np.bool_],
    level: NDArray[np.object_],
    levels: list[str],
    warnings: list[str],
) -> tuple[float | None, float | None, float | None]:
    arm = treated.astype(np.float64)
    dummies = np.column_stack([(level == value).astype(np.float64) for value in levels[1:]])
    reduced = _fit(t, e, np.column_stack([arm, dummies]), 0.95)
    full = _fit(t, e, np.column_stack([arm, dummies, dummies * arm[:, None]]), 0.95)
    if reduced is None or full is None:
        return None, None, None
    df = dummies.shape[1]
    chi2 = 2.0 * (full.loglik - reduced.loglik)
    p = float(scipy_stats.chi2.sf(chi2, df))
    terms = slice(1 + df, 1 + 2 * df)
    b = full.coef[terms]
    v = full.variance[terms, terms]
    try:
        wald = float(b @ np.linalg.solve(v, b))
    except np.linalg.LinAlgError:
        warnings.append("the interaction terms' variance is singular: no Wald test")
        return float(chi2), p, None
    wald_p = float(scipy_stats.chi2.sf(wald, df)) if math.isfinite(wald) else None
    return float(chi2), p, wald_p
