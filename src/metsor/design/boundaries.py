"""Group-sequential boundaries: Lan–DeMets alpha spending, classical designs, beta spending.

Conventions follow rpact's ``getDesignGroupSequential``: a two-sided design at level α has the
symmetric bounds of the one-sided design at α/2; futility bounds from beta spending are
non-binding (the efficacy bounds ignore them).

Inputs are held to the ranges rpact 3.3.4 (the version of ``tests/reference/design.R``) accepts,
``R/f_core_assertions.R`` and ``R/f_core_constants.R``: at most ``C_KMAX_UPPER_BOUND`` = 20
looks (``.assertIsValidKMax``), α in [1e-06, 0.5) (``.assertIsValidAlpha``), β in
[1e-04, 1 − α) (``.assertIsValidBeta``) and the Hwang–Shih–DeCani γ in [−10, 5]
(``R/f_design_group_sequential.R``). Outside them the bounds are not those of a test at level
α (α ≥ 0.5 gives negative critical values), and the work grows with the number of looks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.stats import norm

from metsor.design._recursion import Continuation, crossing_probabilities, first_exit
from metsor.errors import InputError

__all__ = [
    "ALPHA_RANGE",
    "BETA_LOWER",
    "GAMMA_RANGE",
    "MAX_LOOKS",
    "SPENDING_TYPES",
    "GroupSequentialDesign",
    "Spending",
    "check_alpha",
    "check_beta",
    "group_sequential_design",
    "spending_function",
]

Spending = Literal["obf", "pocock", "hsd", "classical-obf", "classical-pocock"]
SPENDING_TYPES: tuple[str, ...] = ("obf", "pocock", "hsd", "classical-obf", "classical-pocock")
MAX_LOOKS = 20
"""rpact's ``C_KMAX_UPPER_BOUND``: the most analyses a design may have."""
ALPHA_RANGE = (1e-6, 0.5)
"""α must lie in [low, high), as rpact's ``.assertIsValidAlpha``."""
BETA_LOWER = 1e-4
"""β must lie in [BETA_LOWER, 1 − α), as rpact's ``.assertIsValidBeta``."""
GAMMA_RANGE = (-10.0, 5.0)
"""Hwang–Shih–DeCani γ must lie in [low, high], as rpact's ``gammaA``."""
_TOL = 1e-12
_NO_BOUND = -np.inf


@dataclass(frozen=True)
class GroupSequentialDesign:
    """Boundaries of a group-sequential design on the z scale.

    Attributes
    ----------
    information_rates
        Information fractions of the looks (last = 1).
    z
        Efficacy critical values (for a two-sided design, reject when |Z_k| ≥ z_k).
    cumulative_alpha
        Type-I error spent up to each look (two-sided total when ``sides`` is 2).
    nominal_p
        One-sided nominal p-value of each bound, 1 − Φ(z_k) (doubled when two-sided).
    futility
        Non-binding futility bounds (−inf where none), with the last equal to the last ``z``.
    cumulative_beta
        Type-II error spent up to each look (empty without futility).
    drift
        η = E[Z_K] under the alternative that gives power 1 − β (nan without futility).
    alpha, sides, spending
        The design's inputs.
    """

    information_rates: tuple[float, ...]
    z: tuple[float, ...]
    cumulative_alpha: tuple[float, ...]
    nominal_p: tuple[float, ...]
    futility: tuple[float, ...]
    cumulative_beta: tuple[float, ...]
    drift: float
    alpha: float
    sides: int
    spending: str


def spending_function(
    kind: str, total: float, t: NDArray[np.float64], gamma: float = -4.0
) -> NDArray[np.float64]:
    """Cumulative error spent at information fractions ``t``.

    Parameters
    ----------
    kind
        ``"obf"`` (O'Brien–Fleming-like), ``"pocock"`` (Pocock-like) or ``"hsd"``
        (Hwang–Shih–DeCani with parameter ``gamma``).
    total
        Error to spend by t = 1 (one-sided).
    t
        Information fractions in (0, 1].
    gamma
        Hwang–Shih–DeCani parameter (0 gives linear spending).

    Returns
    -------
    ndarray
        Cumulative spending.

    References
    ----------
    Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials. Biometrika
    1983;70:659–663. Hwang IK, Shih WJ, DeCani JS. Group sequential designs using a family of
    type I error probability spending functions. Stat Med 1990;9:1439–1445.
    """
    t = np.clip(np.asarray(t, dtype=np.float64), 0.0, 1.0)
    if kind == "obf":
        return np.asarray(2.0 * norm.sf(norm.isf(total / 2.0) / np.sqrt(t)), dtype=np.float64)
    if kind == "pocock":
        return total * np.log1p((np.e - 1.0) * t)
    if kind == "hsd":
        if abs(gamma) < 1e-10:
            return total * t
        return total * np.expm1(-gamma * t) / np.expm1(-gamma)  # type: ignore[no-any-return]
    raise InputError(f"unknown spending function {kind!r}", field="spending")


def check_alpha(alpha: float) -> None:
    """Raise InputError unless α is a number in [1e-06, 0.5), as rpact requires."""
    low, high = ALPHA_RANGE
    if not (_is_number(alpha) and low <= alpha < high):
        raise InputError(f"alpha must lie in [{low:g}, {high:g}), not {alpha!r}", field="alpha")


def check_beta(beta: float, alpha: float) -> None:
    """Raise InputError unless β is a number in [1e-04, 1 − α), as rpact requires."""
    if not (_is_number(beta) and BETA_LOWER <= beta < 1.0 - alpha):
        raise InputError(
            f"beta must lie in [{BETA_LOWER:g}, 1 - alpha = {1.0 - alpha:g}), not {beta!r}",
            field="beta",
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)


def _check_rates(looks: Sequence[float]) -> NDArray[np.float64]:
    try:
        t = np.asarray(looks, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("information fractions must be numbers", field="looks") from None
    if t.ndim != 1 or t.size == 0:
        raise InputError("at least one look is needed", field="looks")
    if t.size > MAX_LOOKS:
        raise InputError(
            f"at most {MAX_LOOKS} looks (rpact's kMax ≤ 20), not {t.size}", field="looks"
        )
    if not np.all(np.isfinite(t)) or t[0] <= 0 or abs(t[-1] - 1.0) > 1e-12:
        raise InputError("information fractions must lie in (0, 1] and end at 1", field="looks")
    if np.any(np.diff(t) <= 0):
        raise InputError("information fractions must increase", field="looks")
    return t


def _check_gamma(gamma: float, name: str) -> None:
    low, high = GAMMA_RANGE
    if not (_is_number(gamma) and low <= gamma <= high):
        raise InputError(f"{name} must lie in [{low:g}, {high:g}], not {gamma!r}", field=name)


def _spending_bounds(
    t: NDArray[np.float64], alpha_one: float, kind: str, gamma: float
) -> NDArray[np.float64]:
    spent = spending_function(kind, alpha_one, t, gamma)
    spent[-1] = alpha_one
    b = np.full(t.size, np.inf)
    state: Continuation | None = None
    for k in range(t.size):
        target = spent[k] - (spent[k - 1] if k else 0.0)
        if target > 0:
            if k == 0:
                b[0] = float(norm.isf(target))
            else:

                def excess(
                    c: float,
                    k: int = k,
                    target: float = target,
                    here: Continuation | None = state,
                ) -> float:
                    assert here is not None  # set after every look before the last
                    return here.exit_above(float(t[k]), c) - target

                b[k] = brentq(excess, -8.0, 40.0, xtol=_TOL)
        if k < t.size - 1:
            if state is None:
                state = Continuation.at_first_look(float(t[0]), float(b[0]), _NO_BOUND)
            else:
                state = state.advance(float(t[k]), float(b[k]), _NO_BOUND)
    return b


def _classical_bounds(t: NDArray[np.float64], alpha_one: float, kind: str) -> NDArray[np.float64]:
    shape = np.sqrt(t[-1] / t) if kind == "classical-obf" else np.ones_like(t)
    lower = np.full(t.size, _NO_BOUND)

    def excess(c: float) -> float:
        cr = crossing_probabilities(t, c * shape, lower)
        return float(cr.upper.sum()) - alpha_one

    c = brentq(excess, 0.5, 40.0, xtol=_TOL)
    return c * shape  # type: ignore[no-any-return]


def _futility_for_drift(
    t: NDArray[np.float64], b: NDArray[np.float64], beta_spent: NDArray[np.float64], eta: float
) -> tuple[NDArray[np.float64], float]:
    """Interim futility bounds for drift η, and the type-II error left over at the last look."""
    a = np.full(t.size, _NO_BOUND)
    state: Continuation | None = None
    for k in range(t.size - 1):
        target = beta_spent[k] - (beta_spent[k - 1] if k else 0.0)

        def excess(
            c: float, k: int = k, target: float = target, here: Continuation | None = state
        ) -> float:
            if here is None:
                return first_exit(float(t[0]), float(b[0]), c, eta)[1] - target
            return here.exit_below(float(t[k]), c, eta) - target

        a[k] = brentq(excess, -40.0, b[k], xtol=_TOL) if excess(b[k]) > 0 else b[k]
        if state is None:
            state = Continuation.at_first_look(float(t[0]), float(b[0]), float(a[0]), eta)
        else:
            state = state.advance(float(t[k]), float(b[k]), float(a[k]), eta)
    a[-1] = b[-1]
    cr = crossing_probabilities(t, b, a, drift=eta)
    return a, float(cr.lower[-1]) - (beta_spent[-1] - (beta_spent[-2] if t.size > 1 else 0.0))


def _beta_spending(
    t: NDArray[np.float64], b: NDArray[np.float64], beta: float, kind: str, gamma: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    spent = spending_function(kind, beta, t, gamma)
    spent[-1] = beta
    fixed = float(norm.isf(beta) + b[-1])

    def leftover(e: float) -> float:
        return _futility_for_drift(t, b, spent, e)[1]

    # the drift lies near the fixed design's; when β nears 1 − α that drift nears 0, and the
    # search starts from 0, where the type-II error left over is 1 − α − β > 0
    low, high = 0.5 * fixed, 3.0 * fixed
    if not (fixed > 0 and leftover(low) > 0):
        low = 0.0
    if not (fixed > 0 and leftover(high) < 0):
        high = 3.0 * max(fixed, 1.0)
    eta = brentq(leftover, low, high, xtol=1e-12)
    a, _ = _futility_for_drift(t, b, spent, eta)
    return a, spent, float(eta)


def group_sequential_design(
    looks: Sequence[float],
    *,
    alpha: float = 0.025,
    sides: int = 1,
    spending: str = "obf",
    gamma: float = -4.0,
    beta: float | None = None,
    beta_spending: str | None = None,
    beta_gamma: float = -4.0,
) -> GroupSequentialDesign:
    """Efficacy (and optional non-binding futility) bounds of a group-sequential test.

    Parameters
    ----------
    looks
        Information fractions of the analyses, increasing, ending at 1.
    alpha
        Total type-I error (two-sided total when ``sides`` is 2).
    sides
        1 or 2. A two-sided design has the symmetric bounds of the one-sided design at α/2.
    spending
        ``"obf"``, ``"pocock"``, ``"hsd"`` (Lan–DeMets spending functions),
        ``"classical-obf"`` or ``"classical-pocock"`` (O'Brien–Fleming, Pocock).
    gamma
        Hwang–Shih–DeCani parameter for ``spending="hsd"``.
    beta
        Type-II error; with ``beta_spending`` it adds non-binding futility bounds.
    beta_spending
        ``"obf"``, ``"pocock"`` or ``"hsd"`` spending of β (one-sided designs).
    beta_gamma
        Hwang–Shih–DeCani parameter of the beta-spending function.

    Returns
    -------
    GroupSequentialDesign
        Critical values, cumulative α, nominal p-values and futility bounds.

    References
    ----------
    Lan KKG, DeMets DL. Biometrika 1983;70:659–663. O'Brien PC, Fleming TR. A multiple testing
    procedure for clinical trials. Biometrics 1979;35:549–556. Pocock SJ. Group sequential
    methods in the design and analysis of clinical trials. Biometrika 1977;64:191–199.
    Pampallona S, Tsiatis AA, Kim K. Interim monitoring of group sequential trials using spending
    functions for the type I and type II error probabilities. Drug Inf J 2001;35:1113–1121.
    """
    t = _check_rates(looks)
    check_alpha(alpha)
    if sides not in (1, 2):
        raise InputError("sides must be 1 or 2", field="sides")
    if spending not in SPENDING_TYPES:
        raise InputError(
            f"spending must be one of {', '.join(SPENDING_TYPES)}, not {spending!r}",
            field="spending",
        )
    _check_gamma(gamma, "gamma")
    alpha_one = alpha / sides
    if spending.startswith("classical"):
        b = _classical_bounds(t, alpha_one, spending)
    else:
        b = _spending_bounds(t, alpha_one, spending, gamma)
    upper = crossing_probabilities(t, b, np.full(t.size, _NO_BOUND)).upper
    cum_alpha = np.cumsum(upper) * sides
    nominal = norm.sf(b) * sides
    futility = np.full(t.size, -np.inf)
    cum_beta: NDArray[np.float64] = np.zeros(0)
    eta = float("nan")
    if beta is not None or beta_spending is not None:
        if beta is None or beta_spending is None:
            raise InputError("futility needs both beta and beta_spending", field="beta_spending")
        check_beta(beta, alpha)
        _check_gamma(beta_gamma, "beta_gamma")
        if sides != 1:
            raise InputError("futility bounds need a one-sided design", field="sides")
        if beta_spending not in ("obf", "pocock", "hsd"):
            raise InputError("beta_spending must be obf, pocock or hsd", field="beta_spending")
        futility, cum_beta, eta = _beta_spending(t, b, beta, beta_spending, beta_gamma)
    return GroupSequentialDesign(
        information_rates=tuple(float(x) for x in t),
        z=tuple(float(x) for x in b),
        cumulative_alpha=tuple(float(x) for x in cum_alpha),
        nominal_p=tuple(float(x) for x in nominal),
        futility=tuple(float(x) for x in futility),
        cumulative_beta=tuple(float(x) for x in cum_beta),
        drift=eta,
        alpha=alpha,
        sides=sides,
        spending=spending,
    )
