"""Objective response in simulated trials: Fisher's exact test of many 2 × 2 tables at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.stats import hypergeom

if TYPE_CHECKING:
    from metsor.design.scenario import Scenario

__all__ = ["fisher_p_table", "fisher_rejections"]

_RELATIVE_ERROR = 1.0 + 1e-7  # R's fisher.test tolerance for tables "as extreme"


def fisher_p_table(n_experimental: int, n_control: int, sides: int) -> NDArray[np.float64]:
    """p-values of Fisher's exact test for every table with these arm sizes.

    Parameters
    ----------
    n_experimental, n_control
        Patients per arm.
    sides
        2: R's two-sided ``fisher.test`` (tables no more probable than the one seen);
        1: experimental arm responds more (``alternative = "greater"``).

    Returns
    -------
    ndarray
        ``p[k, x]`` for k responders in all and x of them in the experimental arm
        (nan where impossible).

    References
    ----------
    Fisher RA. On the interpretation of χ² from contingency tables, and the calculation of P.
    J R Stat Soc 1922;85:87–94. R ``stats::fisher.test``.
    """
    n = n_experimental + n_control
    table = np.full((n + 1, n_experimental + 1), np.nan)
    for k in range(n + 1):
        lo, hi = max(0, k - n_control), min(k, n_experimental)
        x = np.arange(lo, hi + 1)
        pmf = hypergeom.pmf(x, n, n_experimental, k)
        if sides == 2:
            extreme = pmf[None, :] <= pmf[:, None] * _RELATIVE_ERROR
            table[k, lo : hi + 1] = np.minimum(1.0, (extreme * pmf[None, :]).sum(axis=1))
        else:
            table[k, lo : hi + 1] = np.minimum(1.0, np.cumsum(pmf[::-1])[::-1])
    return table


def fisher_rejections(
    s: Scenario, rng: np.random.Generator, trials: int, group: NDArray[np.int8]
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Draw responders per arm for ``trials`` trials and test each with Fisher's exact test.

    Returns
    -------
    tuple of ndarray
        Whether each trial rejects at level ``s.alpha``, and its number of responders.
    """
    n_exp = int(group.sum())
    n_ctl = s.n - n_exp
    p_ctl = s.response_control
    p_exp = s.response_experimental if s.response_experimental is not None else p_ctl
    x_exp = rng.binomial(n_exp, p_exp, size=trials)
    x_ctl = rng.binomial(n_ctl, p_ctl, size=trials)
    p = fisher_p_table(n_exp, n_ctl, s.sides)[x_exp + x_ctl, x_exp]
    return p <= s.alpha, (x_exp + x_ctl).astype(np.int64)
