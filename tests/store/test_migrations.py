"""Migrations: an empty database reaches head, the schema matches the models, 0001 reverses."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from metsor.store import models
from metsor.store.audit import ChainSettings, canonical, configure, field_entries, set_actor, verify
from metsor.store.audit.chain import GENESIS_HASH, AuditEntry, row_hash
from metsor.store.base import Base
from metsor.store.engine import make_engine, session_factory
from metsor.store.migrate import alembic_config, current_revision, head_revision, upgrade
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import Site

from .field_rows import AUDIT_LOG_0009, append_field_transaction

CORE_TABLES = {
    "allocation_list",
    "allocations",
    "audit_log",
    "consents",
    "decisions",
    "randomization_scheme",
    "screenings",
    "sites",
    "stratum_counters",
    "subjects",
    "users",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_empty_database_upgrades_to_head_and_again_without_change(empty_database_url):
    assert current_revision(empty_database_url) is None
    upgrade(empty_database_url)
    assert current_revision(empty_database_url) == head_revision()
    assert _tables(empty_database_url) >= CORE_TABLES
    upgrade(empty_database_url)
    assert current_revision(empty_database_url) == head_revision()


def test_migrated_schema_matches_the_models(database_url):
    assert models.core is not None
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_core_revision_downgrades_to_an_empty_database(empty_database_url):
    upgrade(empty_database_url, "0001_core")
    assert current_revision(empty_database_url) == "0001_core"
    command.downgrade(alembic_config(empty_database_url), "base")
    assert _tables(empty_database_url) <= {"alembic_version"}


def _legacy_rows(count: int) -> list[dict[str, object]]:
    """Audit rows as revision 0001 chained them, row by row (one site inserted by alice)."""
    when = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    rows, prev_hash = [], GENESIS_HASH
    for seq in range(1, count + 1):
        entry = AuditEntry("sites", "1", f"field{seq}", "insert", None, f'"v{seq}"', "alice", None)
        digest = row_hash(seq=seq, recorded_at=when, entry=entry, prev_hash=prev_hash)
        rows.append(
            {
                "seq": seq,
                "recorded_at": when,
                "actor": "alice",
                "table_name": "sites",
                "record_id": "1",
                "field": f"field{seq}",
                "action": "insert",
                "old_value": None,
                "new_value": f'"v{seq}"',
                "reason": None,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    return rows


_AUDIT_LOG = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer()),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    *(
        sa.column(name, sa.String())
        for name in ("actor", "table_name", "record_id", "field", "action", "old_value",
                     "new_value", "reason", "prev_hash", "hash")
    ),
)  # fmt: skip


def test_a_trail_from_before_0005_becomes_one_legacy_transaction_and_comes_back(
    empty_database_url,
):
    upgrade(empty_database_url, "0004_authentication")
    legacy = _legacy_rows(3)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(_AUDIT_LOG), legacy)
        upgrade(empty_database_url)
        with engine.connect() as conn:
            (tx,) = conn.execute(sa.select(AuditTransaction.__table__)).all()
            assert (tx.seq, tx.first_row, tx.last_row, tx.scheme) == (1, 1, 3, "legacy-rows")
            assert (tx.prev_mac, tx.mac) == (GENESIS_HASH, legacy[-1]["hash"])
        sessions = session_factory(engine)
        configure(sessions, ChainSettings(key=bytes(range(32))))
        with sessions() as session:
            set_actor(session, "alice")
            session.add(Site(code="TJ", name="Tianjin"))
            session.commit()
        with sessions() as session:
            report = verify(session, key=bytes(range(32)))
            second = session.get(AuditTransaction, 2)
        assert second is not None
        assert (second.scheme, second.prev_mac) == ("hmac-sha256-rec", legacy[-1]["hash"])
        assert not [p for p in report.problems if p.kind == "chain"]
        command.downgrade(alembic_config(empty_database_url), "0004_authentication")
        with engine.connect() as conn:
            back = conn.execute(sa.select(_AUDIT_LOG).order_by(_AUDIT_LOG.c.seq)).all()
    finally:
        engine.dispose()
    assert [r.hash for r in back[:3]] == [r["hash"] for r in legacy]
    prev_hash = GENESIS_HASH
    for row in back:
        at = (
            datetime.fromisoformat(str(row.recorded_at))
            if isinstance(row.recorded_at, str)
            else row.recorded_at
        )
        entry = AuditEntry(row.table_name, row.record_id, row.field, row.action, row.old_value,
                           row.new_value, row.actor, row.reason)  # fmt: skip
        stamp = at if at.tzinfo else at.replace(tzinfo=UTC)
        assert row.prev_hash == prev_hash
        assert row.hash == row_hash(
            seq=int(row.seq), recorded_at=stamp, entry=entry, prev_hash=prev_hash
        )
        prev_hash = row.hash
    assert len(back) > 3


def test_0010_keeps_rows_of_one_field_as_written_beside_record_rows_and_comes_back(
    empty_database_url,
):
    key = bytes(range(32))
    when = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    upgrade(empty_database_url, "0009_session_activity")
    site = [("id", "1"), ("code", '"TJ"'), ("name", '"Tianjin"'), ("created_at", canonical(when))]
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO sites (id, code, name, created_at) "
                        "VALUES (1, 'TJ', 'Tianjin', :t)"),
                {"t": when.replace(tzinfo=None)},
            )  # fmt: skip
            append_field_transaction(
                conn,
                [AuditEntry("sites", "1", f, "insert", None, v, "alice", None) for f, v in site],
                when,
                actor="alice",
                key=key,
            )
            rows = conn.execute(sa.select(AUDIT_LOG_0009).order_by(AUDIT_LOG_0009.c.seq)).all()
            (tx,) = conn.execute(sa.select(AuditTransaction.__table__)).all()
        upgrade(empty_database_url)
        with engine.connect() as conn:
            assert conn.execute(sa.select(AUDIT_LOG_0009).order_by(AUDIT_LOG_0009.c.seq)).all() == (
                rows
            )
            assert conn.execute(sa.select(AuditTransaction.__table__)).all() == [tx]
        sessions = session_factory(engine)
        configure(sessions, ChainSettings(key=key))
        with sessions() as session:
            set_actor(session, "alice")
            session.get_one(Site, 1).name = "Tianjin Cancer Hospital"
            session.commit()
        with sessions() as session:
            report = verify(session, key=key)
            entries = list(field_entries(session))
        assert not [p for p in report.problems if p.kind in {"chain", "data"}], report.problems
        assert [(e.seq, e.field) for e in entries] == [
            (1, "id"), (2, "code"), (3, "name"), (4, "created_at"), (5, "name")
        ]  # fmt: skip
        command.downgrade(alembic_config(empty_database_url), "0009_session_activity")
        with engine.connect() as conn:
            back = conn.execute(sa.select(AUDIT_LOG_0009).order_by(AUDIT_LOG_0009.c.seq)).all()
    finally:
        engine.dispose()
    assert back[:4] == rows
    assert [(r.seq, r.field, r.action, r.old_value, r.new_value) for r in back[4:]] == [
        (5, "name", "update", '"Tianjin"', '"Tianjin Cancer Hospital"')
    ]
