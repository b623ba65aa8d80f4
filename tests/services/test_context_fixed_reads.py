"""What a unit of work reads at its start and at its commit, whatever it writes.

The acting user comes as plain columns (:class:`~metsor.services.context.Actor`), with the
stored protocol and, on SQLite where a transaction that may write holds the write lock from
its ``BEGIN IMMEDIATE``, the audit chain's head, so that the commit reads it no more. On
PostgreSQL the head is read at the commit, after the chain's advisory lock. Either way the
chain stays whole when several processes write in turn, and a head read by one transaction
is never taken by another.
"""

from __future__ import annotations

import dataclasses

import pytest

from metsor.errors import PermissionDeniedError
from metsor.services.context import Actor, Database, session_scope, unit_of_work
from metsor.services.reports import verify_audit
from metsor.services.sites import add_site
from metsor.store.audit import set_actor
from metsor.store.audit.chain import HEAD_WIDTH, keep_head
from metsor.store.models.core import Site, User

from .conftest import statements


def intact(database: Database) -> bool:
    with unit_of_work(database, "monitor", readonly=True) as ctx:
        return verify_audit(ctx).intact


def chain_reads(sent: list[str]) -> list[str]:
    return [sql for sql in sent if sql.startswith("SELECT") and "audit_transactions" in sql]


def test_the_acting_user_is_a_plain_frozen_record(trial: Database) -> None:
    with unit_of_work(trial, "coord_tj") as ctx:
        actor = ctx.actor
        assert isinstance(actor, Actor)
        assert not isinstance(actor, User)
        assert (actor.username, actor.role, actor.active) == ("coord_tj", "coordinator", True)
        assert actor.site_id is not None
        assert ctx.username == "coord_tj"
        with pytest.raises(dataclasses.FrozenInstanceError):
            actor.role = "admin"  # type: ignore[misc]
        # the user's row is not loaded into the session by the read
        assert not any(isinstance(obj, User) for obj in ctx.session.identity_map.values())


def test_a_write_reads_the_chain_head_once(trial: Database) -> None:
    sqlite = trial.engine.dialect.name == "sqlite"
    with statements(trial, begin=False) as sent, unit_of_work(trial, "admin") as ctx:
        add_site(ctx, name="Fudan University Zhongshan Hospital", code="SH")
    first, *rest = sent
    assert "users" in first
    assert "trial_protocol" in first
    reads = chain_reads(sent)
    assert len(reads) == 1
    if sqlite:
        # read with the acting user, under the write lock BEGIN IMMEDIATE took
        assert reads == [first]
    else:
        # read at the commit, after the chain's advisory lock
        assert "audit_transactions" not in first
        lock = next(i for i, sql in enumerate(rest) if "pg_advisory_xact_lock" in sql)
        assert rest.index(reads[0]) == lock + 1
    assert intact(trial)


def test_a_read_only_unit_reads_no_chain_head(trial: Database) -> None:
    with statements(trial, begin=False) as sent, unit_of_work(trial, "monitor", readonly=True):
        pass
    assert len(sent) == 1
    assert "audit_transactions" not in sent[0]


def test_processes_writing_in_turn_keep_one_chain(trial: Database) -> None:
    others = [Database.open(trial.url, clock=trial.clock, durable=False) for _ in range(2)]
    try:
        for number in range(6):
            database = [trial, *others][number % 3]
            with unit_of_work(database, "admin") as ctx:
                add_site(ctx, name=f"Site {number}", code=f"S{number}")
        with unit_of_work(trial, "admin") as ctx:
            add_site(ctx, name="Last site", code="SL")
    finally:
        for other in others:
            other.close()
    assert intact(trial)


WRONG_HEAD = (10_000, 10_000, "f" * 64, None, "e" * 64)


def test_a_head_kept_by_one_transaction_is_not_taken_by_the_next(trial: Database) -> None:
    """A head handed over and left unused (nothing written, or rolled back) is ignored by
    the session's next transaction, which reads the chain as it is then."""
    assert len(WRONG_HEAD) == HEAD_WIDTH
    session = trial.sessions()
    set_actor(session, "admin")
    try:
        session.connection()
        keep_head(session, WRONG_HEAD)
        session.commit()  # nothing written: the head is not used
        session.add(Site(code="NW", name="Written in the next transaction"))
        session.commit()
        session.connection()
        keep_head(session, WRONG_HEAD)
        session.add(Site(code="RB", name="Rolled back"))
        session.flush()
        session.rollback()
        session.add(Site(code="NX", name="Written after the rollback"))
        session.commit()
    finally:
        session.close()
    assert intact(trial)


def test_a_head_kept_by_the_transaction_is_the_one_it_chains_to_on_sqlite_only(
    trial: Database,
) -> None:
    """The kept head is what the commit chains to where the transaction holds the lock from
    its start (SQLite): a wrong one handed over breaks the chain, and verification says so.
    On PostgreSQL the head is read under the lock at the commit whatever was handed over."""
    with session_scope(trial, actor="admin") as session:
        keep_head(session, WRONG_HEAD)
        session.add(Site(code="WH", name="Chained to a wrong head"))
    assert intact(trial) is (trial.engine.dialect.name != "sqlite")


def test_an_unknown_user_is_refused(
    trial: Database,
) -> None:
    with (
        pytest.raises(PermissionDeniedError, match="no active user 'nobody'"),
        unit_of_work(trial, "nobody"),
    ):
        pass
