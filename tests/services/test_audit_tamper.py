"""Tampering that only a keyed, anchored chain shows, each found by ``audit verify``.

Every scenario edits the database behind the application's back (SQL on the connection, as
someone holding the database file or server would), then verifies as a monitor with the audit
key and the anchor file of ``db init`` (``METSOR_HOME``), on SQLite and on PostgreSQL. The last
scenario is the documented limit: whoever holds the database, the key and the anchor file can
rewrite everything; only a head published elsewhere (``metsor audit anchor``) shows it.
"""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from sqlalchemy import Connection, delete, select, text, update

from metsor.config import settings
from metsor.services.audit_key import load_audit_key
from metsor.services.context import Database, session_scope, unit_of_work
from metsor.services.reports import audit_head, verify_audit
from metsor.store.audit import ChainSettings, configure, verify
from metsor.store.audit.chain import (
    GENESIS_HASH,
    HMAC_RECORD_SCHEME,
    PLAIN_RECORD_SCHEME,
    key_fingerprint,
    mac_of,
    record_line,
    transaction_header,
)
from metsor.store.audit.entries import row_fields
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import Allocation, AuditLog, StratumCounter, Subject, User

from .conftest import enroll

ATTACKER_KEY = bytes(range(7, 39))
OTHER_ARM = {"sorafenib": "sorafenib_metformin", "sorafenib_metformin": "sorafenib"}


@pytest.fixture
def populated(trial):
    """Two randomized subjects, written through the services on a keyed, anchored chain."""
    first, _ = enroll(trial, randomize=True)
    second, _ = enroll(trial, randomize=True)
    return trial, first, second


def _report(database: Database):
    with unit_of_work(database, "monitor", readonly=True) as ctx:
        return verify_audit(ctx)


def _kinds(report) -> set[str]:
    return {problem.kind for problem in report.problems}


def _check(report, name: str):
    return {check.name: check for check in report.checks}[name]


def _key() -> bytes:
    found = load_audit_key(settings().audit_key)
    assert found is not None, "db init wrote no audit key"
    return found.key


def _rechain(conn: Connection, key: bytes | None) -> None:
    """Recompute every transaction's MAC after an edit, as a forger holding ``key`` would."""
    transactions = AuditTransaction.__table__
    rows = conn.execute(select(AuditLog.__table__).order_by(AuditLog.seq)).all()
    prev_mac = GENESIS_HASH
    for tx in conn.execute(select(transactions).order_by(transactions.c.seq)).all():
        scheme = HMAC_RECORD_SCHEME if key is not None else PLAIN_RECORD_SCHEME
        fingerprint = key_fingerprint(key) if key is not None else None
        header = transaction_header(
            seq=tx.seq,
            committed_at=tx.committed_at,
            actor=tx.actor,
            first_row=tx.first_row,
            last_row=tx.last_row,
            scheme=scheme,
            key_fingerprint=fingerprint,
            prev_mac=prev_mac,
        )
        lines = [
            record_line(
                r.seq,
                r.recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
                r.table_name,
                r.record_id,
                r.action,
                r.changes,
                r.actor,
                r.reason,
            )
            for r in rows
            if tx.first_row <= r.seq <= tx.last_row
        ]
        mac = mac_of(key, header, lines)
        conn.execute(
            update(transactions)
            .where(transactions.c.seq == tx.seq)
            .values(scheme=scheme, key_fingerprint=fingerprint, prev_mac=prev_mac, mac=mac)
        )
        prev_mac = mac


def _edit_field(
    conn: Connection, table: str, record_id: str | None, field: str, value: object
) -> None:
    """Set the new value of ``field`` inside the changes of the last audit row of the record
    that wrote it (of every row of the table that wrote it when ``record_id`` is None)."""
    statement = select(AuditLog.seq, AuditLog.changes).where(AuditLog.table_name == table)
    if record_id is not None:
        statement = statement.where(AuditLog.record_id == record_id)
    last: dict[str, tuple[int, list[list[object]]]] = {}
    for seq, changes in conn.execute(statement.order_by(AuditLog.seq)):
        fields = json.loads(changes)
        if any(name == field for name, _old, _new in fields):
            last[str(record_id) if record_id is not None else str(seq)] = (seq, fields)
    assert last, f"no audit row of {table} writes {field}"
    for seq, fields in last.values():
        edited = [[name, old, json.dumps(value) if name == field else new]
                  for name, old, new in fields]  # fmt: skip
        conn.execute(
            update(AuditLog)
            .where(AuditLog.seq == seq)
            .values(changes=json.dumps(edited, separators=(",", ":"), ensure_ascii=False))
        )


def _flip_arm(conn: Connection, subject_id: str) -> None:
    """Give a subject the other arm, in the data and in the trail's insert row."""
    allocation = conn.execute(
        select(Allocation.id, Allocation.arm).where(Allocation.subject_id == subject_id)
    ).one()
    other = OTHER_ARM[allocation.arm]
    conn.execute(update(Allocation).where(Allocation.id == allocation.id).values(arm=other))
    _edit_field(conn, "allocations", str(allocation.id), "arm", other)


def _rewrite_anchor(conn: Connection) -> None:
    """Write the anchor file anew from the database's chain, as its holder could."""
    transactions = conn.execute(
        select(AuditTransaction.__table__).order_by(AuditTransaction.seq)
    ).all()
    chain = transactions[0].mac
    lines = [
        json.dumps(
            {
                "chain": chain,
                "transactions": tx.seq,
                "rows": tx.last_row,
                "mac": tx.mac,
                "key_fingerprint": tx.key_fingerprint,
                "committed_at": tx.committed_at.isoformat(timespec="microseconds"),
            },
            separators=(",", ":"),
        )
        for tx in transactions
    ]
    settings().audit_anchor_file.write_text("\n".join(lines) + "\n")


def test_the_untouched_trail_is_intact_keyed_and_anchored(populated):
    database, _, _ = populated
    report = _report(database)
    assert report.intact, report.problems
    assert {c.name: c.status for c in report.checks} == {
        "chain": "intact",
        "anchor": "intact",
        "data": "intact",
        "actors": "intact",
        "allocations": "intact",
        "signatures": "intact",
    }
    assert _check(report, "chain").rests_on == "the audit key"
    assert "allocation seed" in _check(report, "allocations").rests_on


def test_deleting_the_last_transaction_with_the_data_it_wrote_is_found_by_the_anchor(
    populated,
):
    database, _, second = populated
    with database.engine.begin() as conn:
        last = conn.execute(
            select(AuditTransaction).order_by(AuditTransaction.seq.desc()).limit(1)
        ).one()
        rows = conn.execute(select(AuditLog).where(AuditLog.seq >= last.first_row)).all()
        assert {r.table_name for r in rows} == {"allocations", "subjects"}
        fields = [entry for row in rows for entry in row_fields(row)]
        (status,) = [e for e in fields if (e.table_name, e.field) == ("subjects", "status")]
        allocation = conn.execute(select(Allocation).where(Allocation.subject_id == second)).one()
        conn.execute(delete(AuditLog).where(AuditLog.seq >= last.first_row))
        conn.execute(delete(AuditTransaction).where(AuditTransaction.seq == last.seq))
        conn.execute(delete(Allocation).where(Allocation.subject_id == second))
        conn.execute(
            update(Subject)
            .where(Subject.subject_id == second)
            .values(status=json.loads(status.old_value))
        )
        conn.execute(
            update(StratumCounter)
            .where(StratumCounter.stratum == allocation.stratum)
            .values(next_position=StratumCounter.next_position - 1)
        )
    report = _report(database)
    assert _kinds(report) == {"anchor"}
    assert "its end was deleted" in report.problems[0].message
    settings().audit_anchor_file.unlink()
    without_anchor = _report(database)
    assert without_anchor.intact  # what the anchor alone guards
    assert _check(without_anchor, "anchor").status == "not checked"


@pytest.mark.parametrize(
    ("forger_key", "chain_message"),
    [
        pytest.param(None, "not keyed although an audit key is set", id="no-key"),
        pytest.param(ATTACKER_KEY, "made with another key", id="wrong-key"),
    ],
)
def test_a_flipped_arm_rechained_without_the_key_is_found(populated, forger_key, chain_message):
    database, first, _ = populated
    with database.engine.begin() as conn:
        _flip_arm(conn, first)
        _rechain(conn, forger_key)
    report = _report(database)
    assert {"chain", "anchor", "allocation"} <= _kinds(report)
    assert any(chain_message in p.message for p in report.problems if p.kind == "chain")
    (allocation,) = [p for p in report.problems if p.kind == "allocation"]
    assert "but the list gives" in allocation.message
    assert _check(report, "data").status == "intact"  # the trail was edited with the data


def test_rows_written_by_a_user_that_does_not_exist_are_found(populated):
    database, first, _ = populated
    with session_scope(database, actor="ghost", reason="forged") as session:
        session.get(Subject, first).status = "withdrawn"
    report = _report(database)
    (problem,) = report.problems
    assert problem.kind == "actor"
    assert "'ghost', who is not a user" in problem.message
    assert _check(report, "chain").status == "intact"


def test_a_full_rechain_without_the_key_is_found_by_the_key_and_by_the_anchor(populated):
    database, _first, _ = populated
    with database.engine.begin() as conn:
        _edit_field(conn, "consents", None, "consent_date", "2025-12-31")
        conn.execute(text("UPDATE consents SET consent_date = '2025-12-31'"))
        _rechain(conn, None)
    report = _report(database)
    assert {"chain", "anchor"} <= _kinds(report)
    configure(database.sessions, ChainSettings())  # a verifier without the key
    without_key = _report(database)
    assert _kinds(without_key) == {"anchor"}
    assert "holds no line for this trail" in without_key.problems[0].message


def test_history_rewritten_with_the_key_is_found_by_the_anchor(populated):
    database, first, _ = populated
    with database.engine.begin() as conn:
        _flip_arm(conn, first)
        conn.execute(
            text("UPDATE allocation_list SET arm = :arm WHERE stratum = "
                 "(SELECT stratum FROM allocations WHERE subject_id = :s) AND position = "
                 "(SELECT list_position FROM allocations WHERE subject_id = :s)"),
            {"arm": conn.scalar(select(Allocation.arm).where(Allocation.subject_id == first)),
             "s": first},
        )  # fmt: skip
        _rechain(conn, _key())
    report = _report(database)
    anchor = [p for p in report.problems if p.kind == "anchor"]
    assert anchor
    assert "the trail was rewritten" in anchor[0].message
    assert _check(report, "chain").status == "intact"  # the key holder's MACs are valid


def test_the_key_and_the_anchor_file_together_can_rewrite_all_but_a_published_head(populated):
    database, first, _ = populated
    with unit_of_work(database, "monitor", readonly=True) as ctx:
        published = audit_head(ctx)
    assert published is not None
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE subjects SET status = 'withdrawn' WHERE subject_id = :s"),
                     {"s": first})  # fmt: skip
        _edit_field(conn, "subjects", first, "status", "withdrawn")
        _rechain(conn, _key())
        _rewrite_anchor(conn)
    assert _report(database).intact  # the documented limit: database, key and anchor held
    with unit_of_work(database, "monitor", readonly=True) as ctx:
        now = audit_head(ctx)
    assert now is not None
    assert (now.transactions, now.rows) == (published.transactions, published.rows)
    assert now.mac != published.mac  # only the published head shows the rewrite


def test_a_trail_kept_without_a_key_is_verified_and_called_weaker(database, monkeypatch):
    monkeypatch.setenv("METSOR_AUDIT_KEY_FILE", "/nonexistent/metsor-audit.key")
    configure(database.sessions, ChainSettings())
    with session_scope(database, actor="alice") as session:
        session.add(User(username="alice", role="admin"))
    with session_scope(database, actor="alice", readonly=True) as session:
        report = verify(session, anchor=settings().audit_anchor_file)
    assert report.intact
    chain = _check(report, "chain")
    assert (chain.status, chain.rests_on) == (
        "weaker",
        "nothing secret (unkeyed chain: plain SHA-256)",
    )
    assert _check(report, "anchor").status == "not checked"
