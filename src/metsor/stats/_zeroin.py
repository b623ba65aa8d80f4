"""Brent's root finder with the stopping rule of R's ``uniroot`` (default tolerance).

``fisher.test`` finds its conditional odds ratio and confidence limits with ``uniroot`` at
its default tolerance, eps^0.25 (about 1.2e-4). To report the figures R reports, the same
algorithm runs here with the same tolerance: Brent (1973), in the form of Forsythe, Malcolm
and Moler's ZEROIN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["R_UNIROOT_TOL", "zeroin"]

R_UNIROOT_TOL = float(np.finfo(np.float64).eps ** 0.25)
_EPS = float(np.finfo(np.float64).eps)


def zeroin(
    f: Callable[[float], float],
    lower: float,
    upper: float,
    *,
    tol: float = R_UNIROOT_TOL,
    max_iter: int = 1000,
) -> float:
    """A root of ``f`` in [lower, upper], where f changes sign.

    Parameters
    ----------
    f
        A continuous function.
    lower, upper
        The bracket.
    tol
        Absolute tolerance on the root.
    max_iter
        Most function evaluations after the two at the ends.

    Returns
    -------
    float
        The approximate root.

    References
    ----------
    Brent RP. Algorithms for Minimization without Derivatives. Prentice-Hall 1973, ch. 4.
    Forsythe GE, Malcolm MA, Moler CB. Computer Methods for Mathematical Computations.
    Prentice-Hall 1977 (ZEROIN).
    """
    a, b = lower, upper
    fa, fb = f(a), f(b)
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    c, fc = a, fa
    for _ in range(max_iter + 1):
        previous_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(previous_step) >= tol_act and abs(fa) > abs(fb):
            new_step = _interpolated_step(a, b, c, fa, fb, fc, new_step, previous_step, tol_act)
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def _interpolated_step(
    a: float,
    b: float,
    c: float,
    fa: float,
    fb: float,
    fc: float,
    bisection: float,
    previous_step: float,
    tol_act: float,
) -> float:
    """Secant or inverse quadratic step if it is acceptable, else the bisection step."""
    cb = c - b
    if a == c:
        t1 = fb / fa
        p = cb * t1
        q = 1.0 - t1
    else:
        q = fa / fc
        t1 = fb / fc
        t2 = fb / fa
        p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
        q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
    if p > 0:
        q = -q
    else:
        p = -p
    if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(previous_step * q / 2.0):
        return p / q
    return bisection
