"""Randomization: the concealed list, strata, the enrollment cap, minimization, refusals."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select, text

from metsor.config import settings
from metsor.eligibility import EligibilitySettings
from metsor.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from metsor.protocol import builtin
from metsor.randomization import generate_allocation_list, minimization_assign
from metsor.services.context import session_scope, unit_of_work
from metsor.services.randomize import randomize_subject
from metsor.services.reports import randomization_report, verify_audit
from metsor.services.scheme import (
    DEFAULT_BLOCK_SIZES,
    MAX_ENROLLMENT_CAP,
    create_scheme,
    raise_enrollment_cap,
)
from metsor.services.stratification import strata_of
from metsor.store.models.core import (
    Allocation,
    AllocationListEntry,
    AuditLog,
    Decision,
    StratumCounter,
)

from .conftest import SEED, enroll, record_for, seed_source, setup_trial

TARGET = 82  # Registry record NCT02672488: estimated enrollment 82 participants.


def expected_list():
    return generate_allocation_list(
        seed=SEED,
        strata=strata_of(builtin()),
        arms=builtin().arm_codes,
        ratio=(1, 1),
        block_sizes=DEFAULT_BLOCK_SIZES,
        length_per_stratum=TARGET,
    )


def test_subjects_take_consecutive_positions_of_their_stratum_list(trial):
    # ECOG 0 without invasion or spread is never BCLC C: that stratum needs the stage unrequired
    trial = replace(trial, eligibility=EligibilitySettings(require_bclc_c=False))
    strata_records = [
        record_for(ecog=0, mvi=False, ehs=False),
        record_for(ecog=1, mvi=True),
        record_for(ecog=0, mvi=False, ehs=False),
        record_for(ecog=2, mvi=False, ehs=True),
        record_for(ecog=0, mvi=False, ehs=False),
    ]
    results = [enroll(trial, record=r, randomize=True)[1] for r in strata_records]
    assert [r.stratum for r in results] == [
        "ecog0-mvi_ehs_no",
        "ecog1_2-mvi_ehs_yes",
        "ecog0-mvi_ehs_no",
        "ecog1_2-mvi_ehs_yes",
        "ecog0-mvi_ehs_no",
    ]
    assert [r.list_position for r in results] == [1, 1, 2, 2, 3]
    assert [r.enrollment_number for r in results] == [1, 2, 3, 4, 5]
    concealed = expected_list()
    assert [r.arm for r in results] == [
        concealed.entry(r.stratum, r.list_position).arm for r in results
    ]


def test_scheme_stores_the_fingerprint_and_never_the_seed(trial):
    enroll(trial, randomize=True)
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        report = randomization_report(ctx)
        assert report["seed_fingerprint"] == expected_list().seed_fingerprint
        for table in ("randomization_scheme", "audit_log", "allocation_list", "decisions"):
            for row in ctx.session.execute(text(f"SELECT * FROM {table}")):
                assert SEED.hex() not in " ".join(str(v) for v in row)


def test_randomizing_twice_is_a_conflict_and_writes_nothing(trial):
    subject_id, first = enroll(trial, randomize=True)
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        rows = ctx.session.scalar(select(func.count()).select_from(AuditLog))
    with (
        pytest.raises(ConflictError, match="already randomized"),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        randomize_subject(ctx, subject_id)
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(AuditLog)) == rows
        counter = ctx.session.get(StratumCounter, first.stratum)
        assert counter.next_position == 2


def test_only_consented_eligible_subjects_are_randomized(trial):
    unconsented, _ = enroll(trial, consent=False)
    with (
        pytest.raises(ConflictError, match="eligible; only an eligible, consented"),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        randomize_subject(ctx, unconsented)
    failing = record_for()
    failing["labs"]["anc"]["value"] = 900  # Registry: ANC >= 1,500/mm3
    failed, _ = enroll(trial, record=failing, consent=False)
    with pytest.raises(ConflictError, match="screen failed"), unit_of_work(trial, "inv_tj") as c:
        randomize_subject(c, failed)


def test_site_isolation_and_roles_hold_for_randomization(trial):
    bj_subject, _ = enroll(trial, "inv_bj")
    with pytest.raises(NotFoundError, match=bj_subject), unit_of_work(trial, "inv_tj") as ctx:
        randomize_subject(ctx, bj_subject)
    with pytest.raises(PermissionDeniedError, match="monitor"), unit_of_work(trial, "monitor") as c:
        randomize_subject(c, bj_subject)
    with unit_of_work(trial, "admin") as ctx:
        assert randomize_subject(ctx, bj_subject).list_position == 1


def test_enrollment_stops_at_the_cap_until_a_decision_raises_it(database, monkeypatch):
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    # as opened with the seed set
    database = replace(database, seed_place=settings().allocation_seed)
    setup_trial(database, target_enrollment=2)
    enroll(database, randomize=True)
    enroll(database, randomize=True)
    third, _ = enroll(database)
    with pytest.raises(ConflictError, match="cap of 2"), unit_of_work(database, "inv_tj") as ctx:
        randomize_subject(ctx, third)
    with pytest.raises(PermissionDeniedError), unit_of_work(database, "inv_tj") as ctx:
        raise_enrollment_cap(ctx, new_cap=3, rationale="DMC recommendation")
    with (
        pytest.raises(InputError, match="above the current 2"),
        unit_of_work(database, "admin") as ctx,
    ):
        raise_enrollment_cap(ctx, new_cap=2, rationale="no change")
    with pytest.raises(InputError, match="rationale"), unit_of_work(database, "admin") as ctx:
        raise_enrollment_cap(ctx, new_cap=3, rationale="  ")
    with unit_of_work(database, "admin") as ctx:
        raise_enrollment_cap(ctx, new_cap=3, rationale="DMC recommendation of 2026-02-01")
    with unit_of_work(database, "inv_tj") as ctx:
        assert randomize_subject(ctx, third).enrollment_number == 3
    with unit_of_work(database, "admin", readonly=True) as ctx:
        report = randomization_report(ctx)
        assert (report["randomized"], report["enrollment_cap"]) == (3, 3)
        assert verify_audit(ctx).intact


def test_minimization_balances_and_can_be_replayed_from_the_seed(database, monkeypatch):
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    # as opened with the seed set
    database = replace(database, seed_place=settings().allocation_seed)
    # ECOG 0 without MVI or EHS is not BCLC C: the database opened without requiring stage C
    database = replace(database, eligibility=EligibilitySettings(require_bclc_c=False))
    setup_trial(database, method="minimization")
    records = [record_for(ecog=i % 2, mvi=i % 3 == 0, ehs=False) for i in range(10)]
    results = [enroll(database, record=r, randomize=True)[1] for r in records]
    assert all(r.method == "minimization" and r.list_position is None for r in results)
    counts = {arm: sum(r.arm == arm for r in results) for arm in builtin().arm_codes}
    assert abs(counts[builtin().arm_codes[0]] - counts[builtin().arm_codes[1]]) <= 2
    # Replay: the same decisions from the same seed and enrollment numbers.
    from metsor.services.randomize import _minimization_rng

    allocated = []
    for r in results:
        levels = dict(zip(("ecog", "mvi_ehs"), r.stratum.split("-"), strict=True))
        levels["site"] = "TJ"
        decision = minimization_assign(
            levels,
            allocated,
            arms=builtin().arm_codes,
            p_best=0.8,
            ratio=(1, 1),
            rng=_minimization_rng(SEED, r.enrollment_number),
        )
        assert decision.arm == r.arm
        allocated.append((levels, r.arm))


def test_minimization_refuses_a_seed_other_than_the_trials(database, monkeypatch):
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    # as opened with the seed set
    database = replace(database, seed_place=settings().allocation_seed)
    setup_trial(database, method="minimization")
    subject_id, _ = enroll(database)
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", bytes(32).hex())
    database = replace(database, seed_place=settings().allocation_seed)  # opened with another seed
    with pytest.raises(ConflictError, match="not the one"), unit_of_work(database, "inv_tj") as c:
        randomize_subject(c, subject_id)
    with unit_of_work(database, "admin", readonly=True) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Allocation)) == 0


def test_report_counts_by_arm_stratum_and_site_and_hides_other_sites(trial):
    for user in ("inv_tj", "inv_tj", "inv_bj"):
        enroll(trial, user, randomize=True)
    with unit_of_work(trial, "stat", readonly=True) as ctx:
        report = randomization_report(ctx)
    overall = report["rows"][0]
    assert overall["total"] == 3
    sites = {row["level"]: row["total"] for row in report["rows"] if row["group"] == "site"}
    assert sites == {"BJ": 1, "TJ": 2}
    with unit_of_work(trial, "inv_bj", readonly=True) as ctx:
        mine = randomization_report(ctx)
    assert {row["level"] for row in mine["rows"] if row["group"] == "site"} == {"BJ"}


@pytest.mark.parametrize(
    "new_cap",
    [
        pytest.param(10**20, id="1e20"),
        pytest.param(MAX_ENROLLMENT_CAP + 1, id="one-beyond-the-bound"),
    ],
)
def test_a_cap_beyond_the_bound_is_refused_before_any_list_is_made(trial, new_cap):
    with trial.sessions() as session:
        before = session.scalar(select(func.count()).select_from(AllocationListEntry))
    with (
        pytest.raises(InputError, match=f"at most {MAX_ENROLLMENT_CAP:,}") as caught,
        unit_of_work(trial, "admin") as ctx,
    ):
        raise_enrollment_cap(ctx, new_cap=new_cap, rationale="DMC recommendation")
    assert caught.value.field == "enrollment_cap"
    with trial.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AllocationListEntry)) == before
        assert session.scalar(select(func.count()).select_from(Decision)) == 0


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        pytest.param(
            {"length_per_stratum": 10**9},
            "length_per_stratum",
            "from 1 to 100,000, got 1,000,000,000",
            id="list-length-1e9",
        ),
        pytest.param(
            {"length_per_stratum": 0},
            "length_per_stratum",
            "from 1 to 100,000, got 0",
            id="zero",
        ),
        pytest.param(
            {"target_enrollment": 10**30},
            "target_enrollment",
            "at most 100,000",
            id="target-enrollment-1e30",
        ),
    ],
)
def test_a_list_or_target_beyond_the_bound_is_refused(database, options, field, message):
    with (
        pytest.raises(InputError, match=message) as caught,
        session_scope(database, actor="admin") as session,
    ):
        create_scheme(
            session,
            seed=seed_source(),
            protocol=builtin(),
            method="permuted_blocks",
            target_enrollment=options.get("target_enrollment", TARGET),
            length_per_stratum=options.get("length_per_stratum", TARGET),
        )
    assert caught.value.field == field
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AllocationListEntry)) == 0
