"""Balance of allocations by arm, stratum and site."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from metsor.errors import InputError
from metsor.randomization import balance_summary, generate_allocation_list

from .builders import ARMS

RTOL = 1e-12
E, C = ARMS


def test_counts_and_imbalance_by_hand() -> None:
    allocations = [
        (E, "s1", "tj"),
        (E, "s1", "tj"),
        (C, "s1", "bj"),
        (C, "s2", "tj"),
        (E, "s2", "bj"),
    ]
    summary = balance_summary(allocations, arms=ARMS)
    assert dict(summary.overall.counts) == {E: 3, C: 2}
    assert summary.overall.total == 5
    assert [row.level for row in summary.by_stratum] == ["s1", "s2"]
    assert [dict(row.counts) for row in summary.by_stratum] == [{E: 2, C: 1}, {E: 1, C: 1}]
    assert [row.level for row in summary.by_site] == ["bj", "tj"]
    assert [row.imbalance for row in summary.by_site] == [0.0, 1.0]
    assert [row.level for row in summary.by_site_stratum] == [
        "bj / s1",
        "bj / s2",
        "tj / s1",
        "tj / s2",
    ]
    assert summary.max_stratum_imbalance == 1.0
    assert len(summary.rows) == 1 + 2 + 2 + 4
    assert summary.by_site[1].as_dict() == {
        "group": "site", "level": "tj", E: 2, C: 1, "total": 3, "imbalance": 1.0,
    }  # fmt: skip


def test_an_arm_without_subjects_still_has_a_column() -> None:
    summary = balance_summary([(E, "s", "tj")], arms=ARMS)
    assert dict(summary.overall.counts) == {E: 1, C: 0}
    empty = balance_summary([], arms=ARMS)
    assert empty.overall.total == 0
    assert empty.by_stratum == ()
    assert empty.max_stratum_imbalance == 0.0


def test_ratio_adjusted_imbalance() -> None:
    allocations = [(E, "s", "tj")] * 8 + [(C, "s", "tj")] * 4
    assert balance_summary(allocations, arms=ARMS, ratio=(2, 1)).overall.imbalance == 0.0
    assert_allclose(balance_summary(allocations, arms=ARMS).overall.imbalance, 4.0, rtol=RTOL)


def test_complete_blocks_are_balanced_in_every_stratum() -> None:
    allocation = generate_allocation_list(
        arms=ARMS, seed=bytes(range(16)), strata=["s1", "s2"], length_per_stratum=30
    )
    summary = balance_summary([(e.arm, e.stratum, "tj") for e in allocation.entries], arms=ARMS)
    assert summary.max_stratum_imbalance == 0.0


def test_bad_rows_named() -> None:
    with pytest.raises(InputError, match="arm 'x' is not one of") as info:
        balance_summary([(E, "s", "tj"), ("x", "s", "tj")], arms=ARMS)
    assert info.value.row == 2
    with pytest.raises(InputError, match="site must be a non-empty text") as info:
        balance_summary([(E, "s", "")], arms=ARMS)
    assert info.value.field == "site"
    with pytest.raises(InputError, match="at least two distinct"):
        balance_summary([], arms=[E])
    with pytest.raises(InputError, match="one positive number per arm"):
        balance_summary([], arms=ARMS, ratio=(1,))
