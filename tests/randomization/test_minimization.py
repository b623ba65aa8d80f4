"""Pocock–Simon minimization (Pocock & Simon, Biometrics 1975;31:103–115): range and variance
imbalance, weights, the random element p_best."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metsor.errors import InputError
from metsor.randomization import minimization_assign

RTOL = 1e-12
ARMS = ("A", "B")

# Three subjects allocated; the new one is at site x, stratum s1.
# Site x: A 2, B 0. Stratum s1: A 1, B 1.
# To A: site range |3 - 0| = 3, stratum |2 - 1| = 1, total 4. To B: |2 - 1| + |1 - 2| = 2.
ALLOCATED: list[tuple[Mapping[str, str], str]] = [
    ({"site": "x", "stratum": "s1"}, "A"),
    ({"site": "x", "stratum": "s2"}, "A"),
    ({"site": "y", "stratum": "s1"}, "B"),
]
NEW = {"site": "x", "stratum": "s1"}


def _assign(
    new: Mapping[str, str] = NEW,
    allocated: Sequence[tuple[Mapping[str, str], str]] = ALLOCATED,
    seed: int = 1,
    **kwargs: Any,
) -> Any:
    options: dict[str, Any] = {"arms": ARMS, "rng": np.random.default_rng(seed)}
    options.update(kwargs)
    return minimization_assign(new, allocated, **options)


def test_range_imbalance_by_hand() -> None:
    decision = _assign(p_best=1.0)
    assert_allclose([decision.imbalance_by_arm["A"], decision.imbalance_by_arm["B"]], [4, 2],
                    rtol=RTOL)  # fmt: skip
    assert decision.preferred_arms == ("B",)
    assert decision.arm == "B"
    assert decision.assigned_by_chance is False


def test_variance_imbalance_by_hand() -> None:
    """Two arms: sample variance of (a, b) is (a - b)² / 2. To A: 9/2 + 1/2; to B: 1/2 + 1/2."""
    decision = _assign(p_best=1.0, measure="variance")
    assert_allclose([decision.imbalance_by_arm["A"], decision.imbalance_by_arm["B"]], [5, 1],
                    rtol=RTOL)  # fmt: skip


def test_weights_decide_between_disagreeing_factors() -> None:
    # f1 level a: A 0, B 1 (favours A); f2 level b: A 2, B 0 (favours B).
    allocated = [
        ({"f1": "a", "f2": "z"}, "B"),
        ({"f1": "c", "f2": "b"}, "A"),
        ({"f1": "c", "f2": "b"}, "A"),
    ]
    new = {"f1": "a", "f2": "b"}
    tie = _assign(new, allocated, p_best=1.0)
    assert tie.preferred_arms == ("A", "B")
    assert tie.assigned_by_chance is True
    heavy_f2 = _assign(new, allocated, p_best=1.0, weights={"f2": 2.0})
    assert_allclose([heavy_f2.imbalance_by_arm[a] for a in ARMS], [6, 4], rtol=RTOL)
    assert heavy_f2.arm == "B"
    heavy_f1 = _assign(new, allocated, p_best=1.0, weights={"f1": 2.0})
    assert_allclose([heavy_f1.imbalance_by_arm[a] for a in ARMS], [3, 5], rtol=RTOL)
    assert heavy_f1.arm == "A"


@pytest.mark.parametrize(
    ("allocated_arms", "preferred"), [(["A", "A"], "B"), (["A", "A", "B"], "A")]
)
def test_ratio_two_to_one(allocated_arms: list[str], preferred: str) -> None:
    """Counts are divided by the ratio share: with 2 A and 1 B the arms are balanced at 2:1."""
    allocated = [({"stratum": "s"}, arm) for arm in allocated_arms]
    decision = _assign({"stratum": "s"}, allocated, p_best=1.0, ratio=(2, 1))
    assert decision.preferred_arms == (preferred,)


def test_preferred_arm_taken_with_probability_p_best() -> None:
    """Binomial test with a fixed stream: the share of preferred assignments lies within four
    standard errors of p_best, sqrt(p(1 - p) / n)."""
    n = 4000
    rng = np.random.default_rng(20160203)
    for p_best in (0.8, 0.65):
        decisions = [
            minimization_assign(NEW, ALLOCATED, arms=ARMS, p_best=p_best, rng=rng) for _ in range(n)
        ]
        share = sum(d.arm == "B" for d in decisions) / n
        assert abs(share - p_best) < 4 * math.sqrt(p_best * (1 - p_best) / n)
        assert all(d.assigned_by_chance == (d.arm != "B") for d in decisions)


def test_three_arms_share_the_remaining_probability() -> None:
    n = 3000
    rng = np.random.default_rng(7)
    allocated = [({"s": "1"}, "A"), ({"s": "1"}, "B")]
    arms = ("A", "B", "C")
    counts = Counter(
        minimization_assign({"s": "1"}, allocated, arms=arms, p_best=0.7, rng=rng).arm
        for _ in range(n)
    )
    assert abs(counts["C"] / n - 0.7) < 4 * math.sqrt(0.7 * 0.3 / n)
    for arm in ("A", "B"):
        assert abs(counts[arm] / n - 0.15) < 4 * math.sqrt(0.15 * 0.85 / n)


def test_a_tie_is_a_fair_draw() -> None:
    n = 2000
    rng = np.random.default_rng(11)
    decisions = [minimization_assign({"s": "1"}, [], arms=ARMS, rng=rng) for _ in range(n)]
    assert all(d.assigned_by_chance for d in decisions)
    share = sum(d.arm == "A" for d in decisions) / n
    assert abs(share - 0.5) < 4 * math.sqrt(0.25 / n)


def test_deterministic_minimization_keeps_every_level_within_one() -> None:
    rng_levels = np.random.default_rng(3)
    rng = np.random.default_rng(4)
    allocated: list[tuple[Mapping[str, str], str]] = []
    for _ in range(200):
        new = {"stratum": f"s{int(rng_levels.integers(4))}"}
        decision = minimization_assign(new, allocated, arms=ARMS, p_best=1.0, rng=rng)
        allocated.append((new, decision.arm))
        per_level = Counter((levels["stratum"], arm) for levels, arm in allocated)
        for level in {levels["stratum"] for levels, _ in allocated}:
            assert abs(per_level[(level, "A")] - per_level[(level, "B")]) <= 1


def test_replay_with_the_same_stream_gives_the_same_decisions() -> None:
    def run() -> list[str]:
        rng = np.random.default_rng(99)
        allocated: list[tuple[Mapping[str, str], str]] = []
        levels_rng = np.random.default_rng(5)
        for _ in range(50):
            new = {
                "site": f"x{int(levels_rng.integers(3))}",
                "ecog": f"e{int(levels_rng.integers(2))}",
            }
            allocated.append((new, minimization_assign(new, allocated, arms=ARMS, rng=rng).arm))
        return [arm for _, arm in allocated]

    assert run() == run()


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"arms": ("A",)}, "arms", "at least 2 arms"),
        ({"arms": ("A", "A")}, "arms", "distinct"),
        ({"arms": "AB"}, "arms", "not one text"),
        ({"p_best": 0.4}, "p_best", "between 1/2 and 1"),
        ({"p_best": 1.2}, "p_best", "between 1/2 and 1"),
        ({"weights": {"age": 1.0}}, "weights", "\\['age'\\]"),
        ({"weights": {"site": 0.0}}, "weights", "positive"),
        ({"ratio": (1, 0)}, "ratio", "positive"),
        ({"ratio": (1, 1, 1)}, "ratio", "3 parts for 2 arms"),
        ({"measure": "sum"}, "measure", "'range' or 'variance'"),
        ({"new": {}}, "new_factors", "at least one factor"),
        ({"new": {"site": ""}}, "site", "non-empty level"),
    ],
)
def test_bad_arguments_named(kwargs: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        _assign(**kwargs)
    assert info.value.field == field


def test_bad_allocated_rows_named() -> None:
    with pytest.raises(InputError, match="allocated subject 2 has arm 'C'") as info:
        _assign(allocated=[ALLOCATED[0], ({"site": "x", "stratum": "s1"}, "C")])
    assert info.value.row == 2
    with pytest.raises(InputError, match="allocated subject 1 has no level for factor 'stratum'"):
        _assign(allocated=[({"site": "x"}, "A")])
