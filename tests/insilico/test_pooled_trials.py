"""Virtual trials pooled over seeds, planned without the database: each trial randomizes the
protocol's target enrollment 1:1, its courses follow the protocol's scans, and the pooled arms
are set beside the default preset's targets (docs/validation.md shows 20 seeds)."""

from __future__ import annotations

import math

import pytest

from metsor.errors import InputError
from metsor.insilico.pooled_trials import FIGURES, PooledTrials, pooled_trials
from metsor.protocol import builtin

SEEDS = [3, 4]


@pytest.fixture(scope="module")
def table() -> PooledTrials:
    return pooled_trials(SEEDS)


def test_each_trial_randomizes_the_target_enrollment_one_to_one(table: PooledTrials) -> None:
    per_arm = builtin().design.target_enrollment // 2 * len(SEEDS)
    assert table.subjects == {"control": per_arm, "experimental": per_arm}
    assert table.scan_interval_days == builtin().endpoint_rules.tumour_interval_days
    assert [(r.arm, r.key) for r in table.rows] == [
        (arm, key) for arm in ("control", "experimental") for key in FIGURES
    ]


def test_rows_are_shares_and_medians_with_their_intervals(table: PooledTrials) -> None:
    for row in table.rows:
        assert len(row.per_seed) == len(SEEDS)
        assert row.lower <= row.virtual <= row.upper or math.isinf(row.upper), row.key
        if row.key.startswith("orr_"):
            assert 0.0 <= row.lower <= row.upper <= 1.0
            pooled = sum(row.per_seed) / len(SEEDS)  # equal arms: the mean of the trials
            assert row.virtual == pytest.approx(pooled, rel=1e-12)


def test_targets_of_the_default_preset(table: PooledTrials) -> None:
    """Control: ORIENT-32's figures; experimental: the control arm's response rates; TTP and
    PFS medians (published at 6-weekly scans) not judged at the protocol's 7-weekly scans."""
    by = {(r.arm, r.key): r for r in table.rows}
    value = {key: None if row.target is None else row.target.value for key, row in by.items()}
    assert value["control", "os_median"] == 10.4
    assert value["experimental", "orr_recist"] == value["control", "orr_recist"] == 0.041
    assert by["experimental", "os_median"].target is None
    assert by["control", "pfs_median"].inside is None
    assert by["control", "orr_mrecist"].inside in (True, False)


def test_the_same_seeds_give_the_same_table(table: PooledTrials) -> None:
    assert pooled_trials(SEEDS) == table


@pytest.mark.parametrize(
    ("seeds", "options", "field"),
    [
        pytest.param([], {}, "seeds", id="no-seeds"),
        pytest.param([-1], {}, "seeds", id="negative-seed"),
        pytest.param([1], {"level": 1.0}, "level", id="level"),
    ],
)
def test_bad_arguments_name_the_field(
    seeds: list[int], options: dict[str, float], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        pooled_trials(seeds, **options)  # type: ignore[arg-type]
    assert caught.value.field == field
