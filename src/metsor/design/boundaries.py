"""Group-sequential boundaries: Lan–DeMets alpha spending, classical designs, beta spending.

Conventions follow rpact's ``getDesignGroupSequential``: a two-sided design at level α has
symmetric bounds ±c_k, and each look's bound spends its share of α on the paths that stayed
inside (−c_j, c_j) at every earlier look; futility bounds from beta spending are non-binding
(the efficacy bounds ignore them) unless asked to bind. A two-sided design's futility bound a_k
stops the trial when |Z_k| < a_k.

Inputs are held to the ranges rpact 3.3.4 (the version of ``tests/reference/design.R``) accepts,
``R/f_core_assertions.R`` and ``R/f_core_constants.R``: at most ``C_KMAX_UPPER_BOUND`` = 20
looks (``.assertIsValidKMax``), α in [1e-06, 0.5) (``.assertIsValidAlpha``), β in
[1e-04, 1 − α) (``.assertIsValidBeta``) and the Hwang–Shih–DeCani γ in [−10, 5]
(``R/f_design_group_sequential.R``). Outside them the bounds are not those of a test at level
α (α ≥ 0.5 gives negative critical values), and the work grows with the number of looks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.stats import norm

from metsor.design._recursion import (
    Continuation,
    crossing_probabilities,
    first_between,
    first_exit,
)
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
    "crosses_futility",
    "early_final_bounds",
    "group_sequential_design",
    "spending_bounds",
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
_INF = 40.0  # a bound beyond ±40 is no bound (the recursion clips there)
_WEDGE_NONE = 1e-5
"""A two-sided futility wedge narrower than this is none (−inf), as rpact reports it (NA)."""


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
        Futility bounds (−inf where none): one-sided, stop when Z_k < a_k; two-sided, stop when
        |Z_k| < a_k. The last equals the last ``z``.
    cumulative_beta
        Type-II error spent up to each look (empty without futility).
    drift
        η = E[Z_K] under the alternative that gives power 1 − β (nan without futility).
    alpha, sides, spending
        The design's inputs.
    binding_futility
        Whether the efficacy bounds count on the futility bounds (and ``cumulative_alpha``
        with them).
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
    binding_futility: bool = False


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


def crosses_futility(z: float, bound: float, two_sided: bool) -> bool:
    """Whether an interim look's z stops the trial for futility.

    One-sided: z at or below the bound (rpact's simulator: ``testStatistic <=
    futilityBounds``); two-sided: |z| below it (inside the futility wedge). A bound of −inf is
    no bound. The final look has none: not rejecting there is no futility stop.
    """
    return abs(z) < bound if two_sided else z <= bound


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


def _first_look_or_advance(
    state: Continuation | None,
    t: float,
    upper: float,
    lower: float,
    inner: float,
    drift: float,
) -> Continuation:
    """The sub-density on the continuation region of the look at ``t``."""
    if state is None:
        return Continuation.at_first_look(t, upper, lower, drift, inner=inner)
    return state.advance(t, upper, lower, drift, inner=inner)


def _exit_above(state: Continuation | None, t: float, c: float, drift: float = 0.0) -> float:
    if state is None:
        return first_exit(t, c, _NO_BOUND, drift)[0]
    return state.exit_above(t, c, drift)


def _exit_futility(
    state: Continuation | None, t: float, a: float, drift: float, sides: int
) -> float:
    """Probability of first stopping for futility at ``t``: Z < a, or |Z| < a when two-sided."""
    if sides == 2:
        if state is None:
            return first_between(t, a, drift)
        return state.exit_inside(t, a, drift)
    if state is None:
        return first_exit(t, np.inf, a, drift)[1]
    return state.exit_below(t, a, drift)


def _efficacy_bound(state: Continuation | None, t: float, target: float) -> float:
    """The c with P_H0(first exit above c at ``t``) = ``target`` (inf when nothing to spend)."""
    if not target > 0:
        return np.inf
    if state is None:
        return float(norm.isf(target))
    here = state

    def excess(c: float) -> float:
        return here.exit_above(t, c) - target

    if excess(-8.0) <= 0:  # fewer paths run on than α to spend: the binding search's far side
        return -8.0
    return float(brentq(excess, -8.0, 40.0, xtol=_TOL))


def _cumulative_spending(
    t: NDArray[np.float64], total: float, kind: str, gamma: float
) -> NDArray[np.float64]:
    spent = spending_function(kind, total, t, gamma)
    if abs(t[-1] - 1.0) < 1e-12:
        spent[-1] = total
    return spent


def _region_lower(b: float, a: float, sides: int) -> tuple[float, float]:
    """(lower bound, inner wedge) of a look's continuation region."""
    if sides == 2:
        return -b, a
    return a, 0.0


def _spending_bounds(
    t: NDArray[np.float64], alpha_one: float, kind: str, gamma: float, sides: int, looks: int
) -> NDArray[np.float64]:
    """Efficacy bounds of the first ``looks`` looks, without futility (or non-binding).

    Each bound spends the α of its look on the paths still in the continuation region: above
    the earlier bounds' −inf (one-sided) or between −c_j and c_j (two-sided, by symmetry half of
    the two-sided α on each side).
    """
    spent = _cumulative_spending(t, alpha_one, kind, gamma)
    b = np.full(looks, np.inf)
    state: Continuation | None = None
    used = 0.0
    for k in range(looks):
        b[k] = _efficacy_bound(state, float(t[k]), float(spent[k]) - used)
        used = max(used, float(spent[k]))
        if k < looks - 1:
            lower = -b[k] if sides == 2 else _NO_BOUND
            state = _first_look_or_advance(state, float(t[k]), float(b[k]), lower, 0.0, 0.0)
    return b


def spending_bounds(
    information_rates: Sequence[float],
    alpha: float,
    *,
    sides: int = 1,
    spending: str = "obf",
    gamma: float = -4.0,
    looks: int | None = None,
) -> tuple[float, ...]:
    """Efficacy bounds of the first ``looks`` looks of an α-spending design.

    The bound of look k depends only on the looks up to k, so a repeated p-value (which needs
    the bounds before one look at many levels) solves them once per level here.

    Parameters
    ----------
    information_rates
        Information fractions of every look, increasing, the last 1.
    alpha
        Total type-I error (two-sided total when ``sides`` is 2).
    sides
        1 or 2.
    spending, gamma
        ``"obf"``, ``"pocock"`` or ``"hsd"`` with its γ.
    looks
        How many looks from the first (all when None).

    Returns
    -------
    tuple of float
        The critical values c_1 … c_looks (reject when Z_k ≥ c_k, |Z_k| ≥ c_k two-sided).
    """
    t = np.asarray(information_rates, dtype=np.float64)
    count = t.size if looks is None else looks
    return tuple(
        float(c) for c in _spending_bounds(t, alpha / sides, spending, gamma, sides, count)
    )


def _classical_bounds(
    t: NDArray[np.float64], alpha_one: float, kind: str, sides: int
) -> NDArray[np.float64]:
    shape = np.sqrt(t[-1] / t) if kind == "classical-obf" else np.ones_like(t)

    def excess(c: float) -> float:
        lower = -c * shape if sides == 2 else np.full(t.size, _NO_BOUND)
        cr = crossing_probabilities(t, c * shape, lower)
        return float(cr.upper.sum() + cr.lower.sum()) / sides - alpha_one

    c = brentq(excess, 0.5, 40.0, xtol=_TOL)
    return c * shape  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _FutilityPath:
    """Bounds of one drift η: efficacy ``b``, futility ``a``, and the type-II error left over."""

    b: NDArray[np.float64]
    a: NDArray[np.float64]
    leftover: float


def _futility_path(
    t: NDArray[np.float64],
    efficacy: NDArray[np.float64] | None,
    alpha_spent: NDArray[np.float64],
    beta_spent: NDArray[np.float64],
    eta: float,
    sides: int,
    allowed: NDArray[np.bool_],
) -> _FutilityPath:
    """Futility bounds spending β under drift η, look by look.

    ``efficacy`` given: non-binding, the efficacy bounds stay as they are. None: binding, each
    efficacy bound spends its α on the paths that also passed the earlier futility bounds. A
    futility bound spends the cumulative β of its look on the paths still running, up to the
    efficacy bound; one-sided it stops Z < a, two-sided |Z| < a (a ≥ 0, and 0 at the looks
    ``allowed`` marks False). The last look's futility bound is its efficacy bound; what that
    leaves of β is the ``leftover`` whose root in η makes the two meet.
    """
    k_max = t.size
    b = np.array(efficacy, dtype=np.float64) if efficacy is not None else np.full(k_max, np.inf)
    a = np.zeros(k_max) if sides == 2 else np.full(k_max, _NO_BOUND)
    null: Continuation | None = None
    alt: Continuation | None = None
    used_alpha = 0.0
    used_beta = 0.0
    leftover = 0.0
    for k in range(k_max):
        tk = float(t[k])
        if efficacy is None:
            b[k] = _efficacy_bound(null, tk, float(alpha_spent[k]) - used_alpha)
            used_alpha = max(used_alpha, float(alpha_spent[k]))
        here = alt
        if k == k_max - 1:
            a[k] = b[k]
            leftover = used_beta + _exit_futility(here, tk, b[k], eta, sides) - float(beta_spent[k])
            break
        target = float(beta_spent[k]) - used_beta
        if allowed[k]:

            def excess(
                c: float,
                tk: float = tk,
                target: float = target,
                here: Continuation | None = here,
            ) -> float:
                return _exit_futility(here, tk, c, eta, sides) - target

            low = 0.0 if sides == 2 else -40.0
            top = float(min(b[k], _INF))
            if excess(top) <= 0:
                a[k] = b[k]
            elif excess(low) >= 0:
                a[k] = low if sides == 2 else _NO_BOUND
            else:
                a[k] = brentq(excess, low, top, xtol=_TOL)
        used_beta += _exit_futility(here, tk, float(a[k]), eta, sides)
        lower, inner = _region_lower(float(b[k]), float(a[k]), sides)
        alt = _first_look_or_advance(alt, tk, float(b[k]), lower, inner, eta)
        if efficacy is None:
            null = _first_look_or_advance(null, tk, float(b[k]), lower, inner, 0.0)
    return _FutilityPath(b=b, a=a, leftover=leftover)


def _solve_drift(leftover: Callable[[float], float], guess: float) -> float:
    """The drift η ≥ 0 where the type-II error left over at the last look is 0.

    The leftover falls as η grows: at η = 0 it is 1 − α − β > 0.
    """
    guess = max(guess, 0.5)
    low, high = 0.5 * guess, 2.0 * guess
    if leftover(low) <= 0:
        low = 0.0
    while leftover(high) > 0:
        low, high = high, 2.0 * high
        if high > 100.0:
            raise InputError("no drift gives the type-II error asked for", field="beta")
    return float(brentq(leftover, low, high, xtol=_TOL))


@dataclass(frozen=True)
class _Futility:
    b: NDArray[np.float64]
    a: NDArray[np.float64]
    cumulative_beta: NDArray[np.float64]
    eta: float


def _beta_spending(
    t: NDArray[np.float64],
    b: NDArray[np.float64],
    alpha_one: float,
    beta: float,
    kinds: tuple[str, float, str, float],
    sides: int,
    binding: bool,
    beta_adjustment: bool,
) -> _Futility:
    """Futility bounds by β-spending, as rpact's ``getDesignGroupSequential(typeBetaSpending)``.

    Two-sided (rpact's ``getDesignGroupSequentialBetaSpendingTwoSidedCpp``): an interim look has
    a futility wedge |Z| < a only where the one-sided design at α/2 with the same β-spending has
    a positive futility bound; before the first such look no β is spent, and with
    ``beta_adjustment`` the spending after it is rescaled to reach β at the last look.
    """
    kind, gamma, beta_kind, beta_gamma = kinds
    alpha_spent = _cumulative_spending(t, alpha_one, kind, gamma)
    beta_spent = _cumulative_spending(t, beta, beta_kind, beta_gamma)
    allowed = np.ones(t.size, dtype=np.bool_)
    if sides == 2:
        one_sided = _beta_spending(t, b, alpha_one, beta, kinds, 1, binding, beta_adjustment).a[:-1]
        positive = np.flatnonzero(one_sided > 0)
        allowed[:-1] = one_sided >= 0
        first = int(positive[0]) if positive.size else -1
        if first > 0:
            base = float(beta_spent[first - 1])
            adjusted = beta_spent.copy()
            adjusted[:first] = 0.0
            if beta_adjustment:
                adjusted[first - 1 :] = (
                    (beta_spent[first - 1 :] - base) / (beta_spent[-1] - base) * beta_spent[-1]
                )
            beta_spent = adjusted
    efficacy = None if binding else b

    def path(eta: float) -> _FutilityPath:
        return _futility_path(t, efficacy, alpha_spent, beta_spent, eta, sides, allowed)

    fixed = float(norm.isf(beta) + b[-1])
    eta = _solve_drift(lambda e: path(e).leftover, fixed)
    found = path(eta)
    a = found.a.copy()
    if sides == 2:
        a[:-1][a[:-1] <= _WEDGE_NONE] = _NO_BOUND
    lower = np.array(
        [_region_lower(float(x), float(y), sides) for x, y in zip(found.b, a, strict=True)]
    )
    cr = crossing_probabilities(t, found.b, lower[:, 0], drift=eta, inner=lower[:, 1])
    stopped = cr.inner if sides == 2 else cr.lower
    return _Futility(b=found.b, a=a, cumulative_beta=np.cumsum(stopped), eta=eta)


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
    binding_futility: bool = False,
    beta_adjustment: bool = True,
) -> GroupSequentialDesign:
    """Efficacy (and optional futility) bounds of a group-sequential test.

    Parameters
    ----------
    looks
        Information fractions of the analyses, increasing, ending at 1.
    alpha
        Total type-I error (two-sided total when ``sides`` is 2).
    sides
        1 or 2. A two-sided design rejects when |Z_k| ≥ c_k; its bounds spend α on the paths
        that stayed between −c_j and c_j at every earlier look (rpact's ``sided = 2``).
    spending
        ``"obf"``, ``"pocock"``, ``"hsd"`` (Lan–DeMets spending functions),
        ``"classical-obf"`` or ``"classical-pocock"`` (O'Brien–Fleming, Pocock).
    gamma
        Hwang–Shih–DeCani parameter for ``spending="hsd"``.
    beta
        Type-II error; with ``beta_spending`` it adds futility bounds. Alone it leaves the
        design efficacy-only (its bounds do not depend on β; β serves the design's
        characteristics, :func:`metsor.design.characteristics.design_characteristics`), as
        rpact's ``getDesignGroupSequential(beta = …)`` without ``typeBetaSpending``; it is
        still held to rpact's range.
    beta_spending
        ``"obf"``, ``"pocock"`` or ``"hsd"`` spending of β (needs ``beta``). One-sided designs
        stop for futility when Z_k < a_k, two-sided ones when |Z_k| < a_k.
    beta_gamma
        Hwang–Shih–DeCani parameter of the beta-spending function.
    binding_futility
        Whether the efficacy bounds count on the futility bounds being obeyed (rpact's
        ``bindingFutility``); needs a spending family and β-spending.
    beta_adjustment
        Two-sided β-spending only: rescale the β spent after the first look with a futility
        wedge so that β is spent in full (rpact's ``betaAdjustment``, default TRUE).

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
    Wassmer G, Brannath W. Group Sequential and Confirmatory Adaptive Designs in Clinical Trials.
    Springer, 2016 (rpact 3.3.4: ``getDesignGroupSequential``).
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
        b = _classical_bounds(t, alpha_one, spending, sides)
    else:
        b = _spending_bounds(t, alpha_one, spending, gamma, sides, t.size)
    futility = np.full(t.size, _NO_BOUND)
    cum_beta: NDArray[np.float64] = np.zeros(0)
    eta = float("nan")
    if beta is not None:
        check_beta(beta, alpha)
    if beta_spending is not None:
        if beta is None:
            raise InputError(
                "'beta_spending' needs 'beta', the type-II error its futility bounds spend",
                field="beta",
                names=("beta_spending",),
            )
        _check_gamma(beta_gamma, "beta_gamma")
        if beta_spending not in ("obf", "pocock", "hsd"):
            raise InputError("beta_spending must be obf, pocock or hsd", field="beta_spending")
        if binding_futility and spending.startswith("classical"):
            raise InputError(
                "binding futility needs an alpha-spending family: 'spending' obf, pocock or "
                f"hsd, not {spending!r}",
                field="binding_futility",
                names=("spending",),
            )
        found = _beta_spending(
            t,
            b,
            alpha_one,
            beta,
            (spending, gamma, beta_spending, beta_gamma),
            sides,
            binding_futility,
            beta_adjustment,
        )
        b, futility, cum_beta, eta = found.b, found.a, found.cumulative_beta, found.eta
    elif binding_futility:
        raise InputError(
            "binding futility needs 'beta' and 'beta_spending'",
            field="binding_futility",
            names=("beta", "beta_spending"),
        )
    stops = binding_futility and cum_beta.size > 0
    regions = [
        _region_lower(float(c), float(a) if stops else _NO_BOUND, sides)
        for c, a in zip(b, futility, strict=True)
    ]
    cr = crossing_probabilities(
        t, b, np.array([r[0] for r in regions]), inner=np.array([r[1] for r in regions])
    )
    cum_alpha = np.cumsum(cr.upper + cr.lower) if sides == 2 else np.cumsum(cr.upper)
    nominal = norm.sf(b) * sides
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
        binding_futility=stops,
    )


def early_final_bounds(design: GroupSequentialDesign) -> tuple[float, ...]:
    """The final look's efficacy bound when the final analysis comes after fewer interims.

    A time-driven trial ends at its planned end of follow-up; an interim look whose events have
    not been reached by then is not held, and the analysis at the end is the final one. Spent
    as Lan and DeMets spend, the final look spends all the α the looks held before it left
    (what a data monitoring committee expects of an α-spending design, and what
    :func:`metsor.design.interim.interim_analysis` does with a look that reaches the planned
    events): its bound c solves P_H0(first crossing above c at the final look) = α/sides −
    (α spent by the looks held)/sides on the paths still running after them. Those looks keep
    the bounds they were held at; their futility bounds count when they bind.

    Parameters
    ----------
    design
        A design from :func:`group_sequential_design`.

    Returns
    -------
    tuple of float
        Entry j: the final bound after the first j interim looks (0 ≤ j < the number of
        looks). The last entry is the design's own final bound (``design.z[-1]``).

    References
    ----------
    Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials. Biometrika
    1983;70:659–663. Jennison C, Turnbull BW. Group Sequential Methods with Applications to
    Clinical Trials. Chapman & Hall/CRC, 2000, section 7.2.
    """
    t = design.information_rates
    one_sided = design.alpha / design.sides
    bounds: list[float] = []
    state: Continuation | None = None
    for j in range(len(t)):
        spent = design.cumulative_alpha[j - 1] / design.sides if j else 0.0
        bounds.append(_efficacy_bound(state, 1.0, one_sided - spent))
        if j < len(t) - 1:
            futility = design.futility[j] if design.binding_futility else _NO_BOUND
            lower, inner = _region_lower(design.z[j], futility, design.sides)
            state = _first_look_or_advance(state, t[j], design.z[j], lower, inner, 0.0)
    return tuple(bounds)
