"""The audit hooks and chain at the store level: what is recorded, when, and what is refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from metsor.services.context import session_scope
from metsor.store.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditError,
    canonical,
    field_entries,
    set_reason,
    verify,
)
from metsor.store.audit.chain import row_hash
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import AuditLog, Site, User


def _transactions(database):
    with session_scope(database, actor="reader", readonly=True) as session:
        return list(session.scalars(select(AuditTransaction).order_by(AuditTransaction.seq)))


def _rows(database):
    with session_scope(database, actor="reader", readonly=True) as session:
        return list(session.scalars(select(AuditLog).order_by(AuditLog.seq)))


def _fields(database):
    with session_scope(database, actor="reader", readonly=True) as session:
        return list(field_entries(session))


def test_insert_and_update_are_recorded_field_by_field_with_actor_and_reason(database):
    with session_scope(database, actor="alice", reason="site opened") as session:
        session.add(Site(code="TJ", name="Tianjin"))
    with session_scope(database, actor="bob") as session:
        site = session.scalars(select(Site)).one()
        set_reason(session, "name corrected")
        site.name = "Tianjin Medical University Cancer Institute and Hospital"
    fields = _fields(database)
    inserts = [r for r in fields if r.action == "insert"]
    assert {r.field for r in inserts} == {"id", "code", "name", "created_at"}
    assert all(r.actor == "alice" and r.reason == "site opened" for r in inserts)
    assert all(r.old_value is None for r in inserts)
    (update,) = [r for r in fields if r.action == "update"]
    assert (update.actor, update.reason, update.field) == ("bob", "name corrected", "name")
    assert json.loads(update.old_value) == "Tianjin"
    assert json.loads(update.new_value).startswith("Tianjin Medical")
    rows = _rows(database)
    assert [r.seq for r in rows] == [1, 2]
    assert [r.seq for r in fields] == [1] * len(inserts) + [2]
    first, second = _transactions(database)
    assert (first.first_row, first.last_row, first.actor) == (1, 1, "alice")
    assert (second.first_row, second.last_row, second.actor) == (2, 2, "bob")
    assert first.prev_mac == GENESIS_HASH
    assert second.prev_mac == first.mac
    assert all(r.hash is None and r.prev_hash is None for r in rows)


def test_one_row_per_record_written_holding_its_fields_in_table_order(database):
    with session_scope(database, actor="alice") as session:
        session.add_all([Site(code="TJ", name="Tianjin"), Site(code="SH", name="Shanghai")])
    with session_scope(database, actor="bob") as session:
        site = session.scalars(select(Site).where(Site.code == "SH")).one()
        site.name = "Shanghai Cancer Center"
        site.code = "SH"  # assigned its own value: no change, not audited
        tj, sh = (str(session.scalars(select(Site.id).where(Site.code == c)).one())
                  for c in ("TJ", "SH"))  # fmt: skip
    rows = _rows(database)
    assert [(r.action, r.field, r.old_value, r.new_value) for r in rows] == [
        ("insert", None, None, None)
    ] * 2 + [("update", None, None, None)]
    assert [r.record_id for r in rows] == [tj, sh, sh]
    assert [name for name, _old, _new in json.loads(rows[0].changes)] == [
        column.name for column in Site.__table__.columns
    ]
    assert json.loads(rows[2].changes) == [["name", '"Shanghai"', '"Shanghai Cancer Center"']]


def test_legacy_row_hash_covers_every_field_of_the_row():
    entry = AuditEntry("subjects", "TJ-001", "status", "update", '"a"', '"b"', "alice", None)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    base = row_hash(seq=1, recorded_at=when, entry=entry, prev_hash=GENESIS_HASH)
    changed = [
        row_hash(seq=2, recorded_at=when, entry=entry, prev_hash=GENESIS_HASH),
        row_hash(
            seq=1, recorded_at=when + timedelta(microseconds=1), entry=entry, prev_hash=GENESIS_HASH
        ),
        row_hash(seq=1, recorded_at=when, entry=entry, prev_hash="1" * 64),
        row_hash(
            seq=1,
            recorded_at=when,
            entry=AuditEntry("subjects", "TJ-001", "status", "update", '"a"', '"c"', "alice", None),
            prev_hash=GENESIS_HASH,
        ),
        row_hash(
            seq=1,
            recorded_at=when,
            entry=AuditEntry(
                "subjects", "TJ-001", "status", "update", '"a"', '"b"', "mallory", None
            ),
            prev_hash=GENESIS_HASH,
        ),
    ]
    assert base not in changed
    assert len(set(changed)) == len(changed)


def test_rollback_writes_neither_data_nor_audit(database):
    with (  # noqa: PT012
        pytest.raises(RuntimeError, match="stop"),
        session_scope(database, actor="alice") as session,
    ):
        session.add(Site(code="TJ", name="Tianjin"))
        session.flush()
        raise RuntimeError("stop")
    assert _rows(database) == []
    assert _transactions(database) == []


def test_clinical_rows_are_never_deleted(database):
    with session_scope(database, actor="alice") as session:
        session.add(Site(code="TJ", name="Tianjin"))
    with (  # noqa: PT012
        pytest.raises(AuditError, match="never deleted: sites"),
        session_scope(database, actor="alice") as session,
    ):
        session.delete(session.scalars(select(Site)).one())
        session.flush()


def test_a_write_without_an_acting_user_is_refused(database):
    session = database.sessions()
    try:
        session.add(Site(code="TJ", name="Tianjin"))
        with pytest.raises(AuditError, match="no acting user"):
            session.flush()
    finally:
        session.rollback()
        session.close()


def test_password_hashes_reach_the_trail_only_as_digests(database):
    with session_scope(database, actor="alice") as session:  # the bootstrap: alice adds herself
        session.add(User(username="alice", role="admin", password_hash="scrypt$secret"))
    (row,) = [r for r in _fields(database) if r.field == "password_hash"]
    assert "secret" not in row.new_value
    assert json.loads(row.new_value).startswith("sha256:")
    with session_scope(database, actor="reader", readonly=True) as session:
        assert verify(session).intact


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, "true"),
        (5, "5"),
        (5.0, "5"),
        (Decimal("1.50"), "1.5"),
        (0.1, "0.1"),
        (-0.0, "0"),
        (1e300, "1e+300"),
        (2.0**60, "1.152921504606847e+18"),
        (float("nan"), "NaN"),
        ("TJ-001", '"TJ-001"'),
        (date(2026, 1, 5), '"2026-01-05"'),
        (
            datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=8))),
            '"2026-01-05T01:30:00.000000+00:00"',
        ),
        ({"b": [1.0, {"c": None}], "a": "x"}, '{"a":"x","b":[1,{"c":null}]}'),
    ],
)
def test_canonical_text_does_not_depend_on_how_a_database_returns_the_value(value, expected):
    assert canonical(value) == expected


def test_naive_datetimes_and_unknown_types_cannot_be_audited():
    with pytest.raises(AuditError, match="naive"):
        canonical(datetime(2026, 1, 5))
    with pytest.raises(AuditError, match="type object"):
        canonical(object())


def test_an_update_of_an_unloaded_attribute_records_the_stored_old_value(database):
    with session_scope(database, actor="alice") as session:
        session.add(Site(code="TJ", name="Tianjin"))
    with session_scope(database, actor="bob") as session:
        site = session.scalars(select(Site)).one()
        session.expire(site, ["name"])
        site.name = "Tianjin Cancer Hospital"
    (update,) = [r for r in _fields(database) if r.action == "update"]
    assert (json.loads(update.old_value), json.loads(update.new_value)) == (
        "Tianjin",
        "Tianjin Cancer Hospital",
    )
