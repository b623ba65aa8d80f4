"""Pocock–Simon minimization with a random element.

For each candidate arm, the new subject is assigned to it hypothetically; for every factor,
the subjects already allocated who share the new subject's level are counted per arm (the
candidate arm's count plus one), the counts are divided by the arm's share of the allocation
ratio, and their spread is taken (range, or variance). The total imbalance of the candidate
is the weighted sum over factors. The arm or arms with the smallest total are preferred:
with probability ``p_best`` the subject goes to a preferred arm (chosen at random among them
when several tie), otherwise to one of the other arms at random. When every arm gives the
same total the assignment is a fair draw among all arms.

The state (who was allocated, with which levels) is passed in on every call; nothing is
kept between calls. Randomness comes only from the ``rng`` given, and every call draws
exactly one uniform number and one integer from it, so a replay with the same stream gives
the same decisions.

References
----------
Pocock SJ, Simon R. Sequential treatment assignment with balancing for prognostic factors in
the controlled clinical trial. Biometrics 1975;31:103–115.
Taves DR. Minimization: a new method of assigning patients to treatment and control groups.
Clin Pharmacol Ther 1974;15:443–453.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np

from metsor.errors import InputError

__all__ = ["ImbalanceMeasure", "MinimizationDecision", "minimization_assign"]

ImbalanceMeasure = Literal["range", "variance"]


@dataclass(frozen=True)
class MinimizationDecision:
    """The outcome of one minimization step.

    Attributes
    ----------
    arm
        The arm assigned.
    imbalance_by_arm
        Total weighted imbalance if the subject were assigned to each arm.
    assigned_by_chance
        True when the draw went against the preferred arm(s) (probability ``1 - p_best``) or
        when all arms gave the same imbalance, so the arm was a fair draw.
    preferred_arms
        The arm(s) with the smallest imbalance.
    """

    arm: str
    imbalance_by_arm: Mapping[str, float]
    assigned_by_chance: bool
    preferred_arms: tuple[str, ...]


def minimization_assign(
    new_factors: Mapping[str, str],
    allocated: Sequence[tuple[Mapping[str, str], str]],
    *,
    arms: Sequence[str],
    weights: Mapping[str, float] | None = None,
    p_best: float = 0.8,
    rng: np.random.Generator,
    ratio: Sequence[float] | None = None,
    measure: ImbalanceMeasure = "range",
) -> MinimizationDecision:
    """Assign a subject by Pocock–Simon minimization.

    Parameters
    ----------
    new_factors
        The new subject's level of each balancing factor, e.g. ``{"site": "tianjin",
        "stratum": "ecog0-mvi_ehs_no"}`` or one entry per stratification factor.
    allocated
        Every subject allocated so far: ``(levels by factor, arm)``. Each must give a level
        for every factor of ``new_factors``.
    arms
        The arm codes.
    weights
        Weight of each factor (default 1 for every factor); positive.
    p_best
        Probability of assigning a preferred arm, from ``1 / len(arms)`` (pure randomization)
        to 1 (deterministic minimization). Pocock and Simon suggest about 0.75–0.8.
    rng
        Source of randomness.
    ratio
        Target allocation ratio, one positive number per arm (default equal). Counts are divided
        by it before the spread is taken.
    measure
        ``"range"`` (max − min, Pocock and Simon's first choice) or ``"variance"``.

    Returns
    -------
    MinimizationDecision
        The arm, the imbalance for each candidate arm and whether chance overrode the preference.

    Raises
    ------
    InputError
        Naming the argument, factor or row (1-based position in ``allocated``) at fault.

    References
    ----------
    Pocock SJ, Simon R. Biometrics 1975;31:103–115.
    """
    arms_t, shares = _check_arms(arms, ratio)
    factor_weights = _check_factors(new_factors, weights)
    if not isinstance(p_best, int | float) or not (1.0 / len(arms_t) <= p_best <= 1.0):
        raise InputError(
            f"p_best must lie between 1/{len(arms_t)} and 1, got {p_best!r}", field="p_best"
        )
    if measure not in ("range", "variance"):
        raise InputError(f"measure must be 'range' or 'variance', got {measure!r}", field="measure")

    counts = _level_counts(new_factors, allocated, arms_t)
    imbalance: dict[str, float] = {}
    for candidate in arms_t:
        total = 0.0
        for factor, weight in factor_weights.items():
            adjusted = [
                (counts[factor][arm] + (1 if arm == candidate else 0)) / share
                for arm, share in zip(arms_t, shares, strict=True)
            ]
            total += weight * _spread(adjusted, measure)
        imbalance[candidate] = total

    smallest = min(imbalance.values())
    preferred = tuple(arm for arm in arms_t if math.isclose(imbalance[arm], smallest))
    others = tuple(arm for arm in arms_t if arm not in preferred)
    u = float(rng.random())
    if not others:
        arm = preferred[int(rng.integers(len(preferred)))]
        by_chance = True
    elif u < p_best:
        arm = preferred[int(rng.integers(len(preferred)))]
        by_chance = False
    else:
        arm = others[int(rng.integers(len(others)))]
        by_chance = True
    return MinimizationDecision(
        arm=arm,
        imbalance_by_arm=MappingProxyType(imbalance),
        assigned_by_chance=by_chance,
        preferred_arms=preferred,
    )


def _spread(values: Sequence[float], measure: ImbalanceMeasure) -> float:
    if measure == "range":
        return max(values) - min(values)
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def _check_arms(
    arms: Sequence[str], ratio: Sequence[float] | None
) -> tuple[tuple[str, ...], tuple[float, ...]]:
    if isinstance(arms, str):
        raise InputError("arms must be a list of arm codes, not one text", field="arms")
    arms_t = tuple(arms)
    if len(arms_t) < 2:
        raise InputError(f"arms needs at least 2 arms, got {len(arms_t)}", field="arms")
    if any(not isinstance(a, str) or not a for a in arms_t) or len(set(arms_t)) != len(arms_t):
        raise InputError(f"arms must be distinct non-empty texts, got {list(arms_t)}", field="arms")
    shares = tuple(float(r) for r in ratio) if ratio is not None else (1.0,) * len(arms_t)
    if len(shares) != len(arms_t):
        raise InputError(f"ratio has {len(shares)} parts for {len(arms_t)} arms", field="ratio")
    if any(not math.isfinite(s) or s <= 0 for s in shares):
        raise InputError(f"ratio must hold positive numbers, got {list(shares)}", field="ratio")
    return arms_t, shares


def _check_factors(
    new_factors: Mapping[str, str], weights: Mapping[str, float] | None
) -> dict[str, float]:
    if not new_factors:
        raise InputError("new_factors must name at least one factor", field="new_factors")
    for factor, level in new_factors.items():
        if not isinstance(level, str) or not level:
            raise InputError(
                f"factor {factor!r} of the new subject must be a non-empty level, got {level!r}",
                field=factor,
            )
    given = dict(weights or {})
    unknown = sorted(set(given) - set(new_factors))
    if unknown:
        raise InputError(
            f"weights name factors the new subject does not have: {unknown}", field="weights"
        )
    result: dict[str, float] = {}
    for factor in new_factors:
        weight = given.get(factor, 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise InputError(f"weight of {factor!r} must be a number", field="weights")
        if not math.isfinite(weight) or weight <= 0:
            raise InputError(
                f"weight of {factor!r} must be a positive number, got {weight!r}", field="weights"
            )
        result[factor] = float(weight)
    return result


def _level_counts(
    new_factors: Mapping[str, str],
    allocated: Sequence[tuple[Mapping[str, str], str]],
    arms: tuple[str, ...],
) -> dict[str, dict[str, int]]:
    counts = {factor: dict.fromkeys(arms, 0) for factor in new_factors}
    for row, (levels, arm) in enumerate(allocated, start=1):
        if arm not in arms:
            raise InputError(
                f"allocated subject {row} has arm {arm!r}, not one of {list(arms)}",
                field="arm",
                row=row,
            )
        for factor, level in new_factors.items():
            if factor not in levels:
                raise InputError(
                    f"allocated subject {row} has no level for factor {factor!r}",
                    field=factor,
                    row=row,
                )
            if levels[factor] == level:
                counts[factor][arm] += 1
    return counts
