"""The trial snapshot read from a virtual trial database: CONSORT counts add up and agree with
what the virtual trial did, rows are read-only, the cut-off is checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from metsor.errors import InputError
from metsor.services.context import Database, unit_of_work
from metsor.services.trial_data import TrialSnapshot, trial_snapshot

from .conftest import DATA_MANAGER, VirtualTrial, snapshot_of


def test_consort_counts_add_up_box_by_box(snapshot: TrialSnapshot) -> None:
    flow = snapshot.consort
    assert flow.problems() == []
    assert flow.assessed == flow.excluded_total + flow.randomized
    for arm in snapshot.scheme.arms:
        assert flow.allocated[arm] == flow.received[arm] + flow.not_received[arm]
        assert flow.allocated[arm] == (
            flow.died[arm] + flow.withdrew[arm] + flow.lost_to_follow_up[arm]
            + flow.in_follow_up[arm]
        )  # fmt: skip
        assert flow.analysed[arm] + flow.excluded_from_analysis[arm] == flow.allocated[arm]


def test_consort_counts_are_those_the_virtual_trial_made(
    snapshot: TrialSnapshot, virtual_trial: VirtualTrial
) -> None:
    made = virtual_trial.result.consort
    flow = snapshot.consort
    assert flow.assessed == made.screened
    assert flow.excluded.get("not meeting eligibility criteria", 0) == made.screen_failed
    assert dict(flow.failed_by_criterion) == made.failed_by_criterion
    assert dict(flow.allocated) == made.randomized
    assert dict(flow.died) == made.died
    assert dict(flow.lost_to_follow_up) == made.lost_to_follow_up
    stopped = {arm: flow.discontinued[arm].get("Radiological progression", 0) for arm in made.died}
    assert stopped == made.discontinued_for_progression


def test_counts_break_a_sum_are_named(snapshot: TrialSnapshot) -> None:
    from dataclasses import replace

    arm = snapshot.scheme.arms[0]
    broken = replace(snapshot.consort, died={**snapshot.consort.died, arm: 99})
    assert any(f"arm {arm}: allocated" in p for p in broken.problems())


def test_rows_are_read_only(snapshot: TrialSnapshot) -> None:
    with pytest.raises(TypeError):
        snapshot.adsl[0]["ARMCD"] = "placebo"  # type: ignore[index]


def test_datasets_hold_every_randomized_subject(snapshot: TrialSnapshot) -> None:
    subjects = {row["USUBJID"] for row in snapshot.adsl}
    assert len(subjects) == snapshot.consort.randomized
    assert {row["USUBJID"] for row in snapshot.adtte} == subjects
    assert {row["USUBJID"] for row in snapshot.adae} <= subjects


def test_the_audit_chain_is_verified_and_the_database_not_locked(snapshot: TrialSnapshot) -> None:
    assert snapshot.audit.verified
    assert snapshot.audit.intact
    assert snapshot.lock.description == "not locked"


def test_an_earlier_cutoff_sees_fewer_subjects(
    snapshot: TrialSnapshot, virtual_trial: VirtualTrial
) -> None:
    middle = virtual_trial.result.accrual_end - timedelta(days=60)
    earlier = snapshot_of(virtual_trial.url, cutoff=middle)
    assert earlier.consort.randomized < snapshot.consort.randomized
    assert all(row["RANDDT"] <= middle for row in earlier.adsl)
    assert earlier.consort.problems() == []


def test_a_cutoff_after_today_is_refused_naming_it(virtual_trial: VirtualTrial) -> None:
    database = Database.open(virtual_trial.url)
    try:
        with (
            unit_of_work(database, DATA_MANAGER, readonly=True) as ctx,
            pytest.raises(InputError, match="lies after today") as caught,
        ):
            trial_snapshot(ctx, cutoff=ctx.today() + timedelta(days=1))
    finally:
        database.close()
    assert caught.value.field == "cutoff"
