"""Rows of one record written: what their MAC covers, how they sit beside rows of one field,
and tampering with them that only the MAC shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, delete, text, update

from metsor.services.context import session_scope
from metsor.store.audit import (
    AuditEntry,
    ChainSettings,
    canonical,
    configure,
    field_entries,
    verify,
)
from metsor.store.audit.encoding import changes_text, mac_of, record_line, transaction_header
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import AuditLog, Site

from .field_rows import append_field_transaction

KEY = bytes(range(100, 132))
WHEN = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def test_the_mac_covers_every_column_of_a_record_row():
    header = transaction_header(
        seq=1, committed_at=WHEN, actor="alice", first_row=1, last_row=1,
        scheme="hmac-sha256-rec", key_fingerprint="f" * 64, prev_mac="0" * 64,
    )  # fmt: skip
    changes = changes_text([("code", None, '"TJ"'), ("name", None, '"Tianjin"')])
    row = {"seq": 1, "recorded_at": WHEN.isoformat(timespec="microseconds"),
           "table_name": "sites", "record_id": "1", "action": "insert", "changes": changes,
           "actor": "alice", "reason": None}  # fmt: skip
    base = mac_of(KEY, header, [record_line(**row)])
    reordered = changes_text([("name", None, '"Tianjin"'), ("code", None, '"TJ"')])
    changed = [
        mac_of(KEY, header, [record_line(**{**row, name: value})])
        for name, value in [
            ("seq", 2), ("recorded_at", "2026-01-05T09:30:00.000001+00:00"),
            ("table_name", "users"), ("record_id", "2"), ("action", "update"),
            ("changes", reordered), ("changes", changes.replace("Tianjin", "Tianjln")),
            ("actor", "eve"), ("reason", "why not"),
        ]
    ]  # fmt: skip
    assert base not in changed
    assert len(set(changed)) == len(changed)


@pytest.mark.parametrize("key", [pytest.param(KEY, id="keyed"), pytest.param(None, id="unkeyed")])
def test_rows_of_one_field_and_of_one_record_verify_and_read_together(database, key):
    configure(database.sessions, ChainSettings(key=key))
    site = [("id", "1"), ("code", '"TJ"'), ("name", '"Tianjin"'), ("created_at", canonical(WHEN))]
    with database.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO sites (id, code, name, created_at) VALUES (1, 'TJ', 'Tianjin', :t)"),
            {"t": WHEN.replace(tzinfo=None)},
        )
        append_field_transaction(
            conn,
            [AuditEntry("sites", "1", f, "insert", None, v, "alice", "opened") for f, v in site],
            WHEN,
            actor="alice",
            key=key,
        )
    with session_scope(database, actor="alice", reason="renamed") as session:
        session.get_one(Site, 1).name = "Tianjin Cancer Hospital"
    with session_scope(database, actor="reader", readonly=True) as session:
        report = verify(session, key=key)
        entries = list(field_entries(session))
    assert not [p for p in report.problems if p.kind in {"chain", "data"}], report.problems
    schemes = {c.name: c for c in report.checks}["chain"].detail
    old, new = ("hmac-sha256", "hmac-sha256-rec") if key else ("sha256", "sha256-rec")
    assert f"2 transactions (1 {old}, 1 {new})" in schemes
    assert (report.audit_rows, report.field_changes) == (5, 5)
    assert [(e.seq, e.field, e.action, e.reason) for e in entries] == [
        (1, "id", "insert", "opened"), (2, "code", "insert", "opened"),
        (3, "name", "insert", "opened"), (4, "created_at", "insert", "opened"),
        (5, "name", "update", "renamed"),
    ]  # fmt: skip
    assert (entries[-1].old_value, entries[-1].new_value) == (
        '"Tianjin"',
        '"Tianjin Cancer Hospital"',
    )


def _changes(conn: Connection, seq: int) -> list[list[str | None]]:
    return json.loads(conn.execute(text("SELECT changes FROM audit_log WHERE seq = :s"),
                                   {"s": seq}).scalar_one())  # fmt: skip


def _set_changes(conn: Connection, seq: int, changes: list[list[str | None]]) -> None:
    conn.execute(update(AuditLog).where(AuditLog.seq == seq).values(changes=json.dumps(changes)))


def _changed_value(conn: Connection) -> None:
    """Rename a site in the data and in its insert row alike."""
    edited = [[f, old, '"Shenzhen"' if f == "name" else new] for f, old, new in _changes(conn, 2)]
    _set_changes(conn, 2, edited)
    conn.execute(text("UPDATE sites SET name = 'Shenzhen' WHERE code = 'SH'"))


def _reordered_fields(conn: Connection) -> None:
    _set_changes(conn, 1, list(reversed(_changes(conn, 1))))


def _deleted_row(conn: Connection) -> None:
    """Delete a site and its insert row, renumbering the rows after it to hide the gap."""
    conn.execute(text("DELETE FROM sites WHERE code = 'SH'"))
    conn.execute(delete(AuditLog).where(AuditLog.seq == 2))
    conn.execute(update(AuditLog).where(AuditLog.seq == 3).values(seq=2))
    conn.execute(update(AuditTransaction).where(AuditTransaction.seq == 1).values(last_row=1))
    conn.execute(
        update(AuditTransaction).where(AuditTransaction.seq == 2).values(first_row=2, last_row=2)
    )


def _moved_row(conn: Connection) -> None:
    """Give the last row of the first transaction to the second."""
    conn.execute(update(AuditTransaction).where(AuditTransaction.seq == 1).values(last_row=1))
    conn.execute(update(AuditTransaction).where(AuditTransaction.seq == 2).values(first_row=2))


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_changed_value, id="changed-value"),
        pytest.param(_reordered_fields, id="reordered-fields"),
        pytest.param(_deleted_row, id="deleted-row"),
        pytest.param(_moved_row, id="moved-row"),
    ],
)
def test_tampering_with_record_rows_that_only_the_mac_shows(database, tamper):
    configure(database.sessions, ChainSettings(key=KEY))
    with session_scope(database, actor="alice") as session:
        session.add_all([Site(code="TJ", name="Tianjin"), Site(code="SH", name="Shanghai")])
    with session_scope(database, actor="alice") as session:
        session.add(Site(code="BJ", name="Beijing", created_at=WHEN + timedelta(days=1)))
    with database.engine.begin() as conn:
        tamper(conn)
    with session_scope(database, actor="reader", readonly=True) as session:
        report = verify(session, key=KEY)
        unkeyed = verify(session)  # without the key no MAC is recomputed
    found = [p for p in report.problems if p.kind != "actor"]  # alice is not a user here
    assert found
    assert {p.kind for p in found} == {"chain"}
    assert all("do not match its MAC" in p.message for p in found)
    assert {c.name: c.status for c in report.checks}["data"] == "intact"
    assert [p for p in unkeyed.problems if p.kind in {"chain", "data"}] == []
