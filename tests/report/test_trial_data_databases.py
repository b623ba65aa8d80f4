"""The trial snapshot on SQLite and on PostgreSQL: a few subjects entered through the services,
counted the same on both (the ``database`` fixture runs each test on both backends)."""

from __future__ import annotations

from datetime import timedelta

from metsor.eligibility.examples import eligible_record
from metsor.services.allocation_seed import SeedSource
from metsor.services.casebook import record_death
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject
from metsor.services.setup import initialize
from metsor.services.trial_data import trial_snapshot
from metsor.services.users import add_user

SEED = bytes(range(7, 39))


def _enrol(database: Database, *, eligible: bool, randomize: bool) -> str:
    today = database.clock().date()
    record = eligible_record() if eligible else eligible_record(ecog=3)
    with unit_of_work(database, "inv") as ctx:
        subject_id = register_subject(
            ctx, record=record, site="TJ", screened_on=today - timedelta(days=10)
        ).subject_id
    if eligible:
        with unit_of_work(database, "inv") as ctx:
            record_consent(ctx, subject_id, consent_date=today - timedelta(days=9))
    if randomize:
        with unit_of_work(database, "inv") as ctx:
            randomize_subject(ctx, subject_id)
    return subject_id


def test_the_snapshot_counts_the_flow_on_each_backend(database: Database) -> None:
    initialize(database, seed=SeedSource(SEED, "tests"), target_enrollment=10)
    with unit_of_work(database, "admin") as ctx:
        add_user(ctx, username="inv", role="investigator", site="TJ")
        add_user(ctx, username="dm", role="data_manager")
        add_user(ctx, username="stat", role="statistician")
    died = _enrol(database, eligible=True, randomize=True)
    _enrol(database, eligible=True, randomize=True)
    _enrol(database, eligible=True, randomize=False)
    _enrol(database, eligible=False, randomize=False)
    with unit_of_work(database, "inv") as ctx:
        record_death(ctx, subject_id=died, death_date=ctx.today(), cause="other")
    with unit_of_work(database, "dm", readonly=True) as ctx:
        snapshot = trial_snapshot(ctx)
    flow = snapshot.consort
    assert flow.problems() == []
    assert flow.assessed == 4
    assert dict(flow.excluded) == {
        "consented, not randomized by the cut-off": 1,
        "not meeting eligibility criteria": 1,
    }
    # ECOG 3 fails the ECOG criterion and, being BCLC stage D, the required stage C
    assert dict(flow.failed_by_criterion) == {"ecog": 1, "hcc_confirmed": 1}
    assert flow.randomized == 2
    assert sum(flow.died.values()) == 1
    assert sum(flow.received.values()) == 0
    assert [d.subject_id for d in snapshot.deaths] == [died]
    assert len(snapshot.adsl) == 2
    assert len(snapshot.adtte) == 12
    assert snapshot.audit.intact
    with unit_of_work(database, "stat", readonly=True) as ctx:
        by_statistician = trial_snapshot(ctx)
    assert not by_statistician.audit.verified
    assert by_statistician.audit.note == (
        "not verified: the role statistician may not verify the audit chain"
    )
    assert by_statistician.consort == flow
