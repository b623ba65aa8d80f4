"""Checking the chain of transactions, and its head against the anchor file.

:func:`check_chain` reads every ``audit_transactions`` row and every ``audit_log`` row once,
in order, and finds: a transaction missing or out of order, one that does not chain to the
MAC of the one before, rows missing or belonging to no transaction, a MAC that does not match
the content (recomputed with the key for keyed transactions; keyed ones cannot be recomputed
without it), an unkeyed transaction after a keyed one, and — when the verifier holds a key — a
transaction not made with it. Transactions of one row per record written (``hmac-sha256-rec``,
``sha256-rec``) are encoded by :func:`~metsor.store.audit.encoding.record_line`, the others by
:func:`~metsor.store.audit.encoding.row_line`, each row checked to be of its transaction's
kind. On the way it replays the trail per record and notes who acted
in which transaction, for the data and actor checks of :mod:`metsor.store.audit.verify`.

:func:`check_anchor` compares the chain with the lines the anchor file holds for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from metsor.store.audit.anchor import AnchorFile
from metsor.store.audit.encoding import (
    GENESIS_HASH,
    HMAC_RECORD_SCHEME,
    HMAC_SCHEME,
    LEGACY_SCHEME,
    PLAIN_RECORD_SCHEME,
    PLAIN_SCHEME,
    RECORD_SCHEMES,
    AuditEntry,
    key_fingerprint,
    record_line,
    row_hash,
    row_line,
    transaction_header,
)
from metsor.store.audit.entries import UnreadableAuditRowError, row_fields
from metsor.store.audit.report import AuditProblem
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import AuditLog

__all__ = ["KEYED_SCHEMES", "UNKEYED_SCHEMES", "ChainState", "check_anchor", "check_chain"]

#: The schemes of transactions made with the audit key, and of those made without one.
KEYED_SCHEMES = frozenset({HMAC_SCHEME, HMAC_RECORD_SCHEME})
UNKEYED_SCHEMES = frozenset({PLAIN_SCHEME, PLAIN_RECORD_SCHEME})

Replay = dict[tuple[str, str], dict[str, str | None]]


@dataclass
class ChainState:
    """What reading the chain gave, for the checks that follow."""

    rows: int = 0
    fields: int = 0
    transactions: int = 0
    macs: dict[int, str] = field(default_factory=dict)
    replay: Replay = field(default_factory=dict)
    schemes: dict[str, int] = field(default_factory=dict)
    unchecked: int = 0
    first_acts: dict[str, int] = field(default_factory=dict)
    user_created: dict[str, int] = field(default_factory=dict)
    last_row: int = 0

    @property
    def chain(self) -> str | None:
        """The chain's name: the MAC of its first transaction."""
        return self.macs.get(1)


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _span(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}–{last}"


def _note_row(state: ChainState, row: Any, tx_seq: int, problems: list[AuditProblem]) -> None:
    state.rows += 1
    state.first_acts.setdefault(row.actor, tx_seq)
    try:
        entries = row_fields(row)
    except UnreadableAuditRowError as exc:
        problems.append(
            AuditProblem("chain", row.table_name, row.record_id, None,
                         f"its changes cannot be read ({exc.reason})", seq=row.seq)
        )  # fmt: skip
        return
    state.fields += len(entries)
    record = state.replay.setdefault((row.table_name, row.record_id), {})
    for entry in entries:
        record[entry.field] = entry.new_value
        if entry.table_name == "users" and entry.field == "username" and entry.action == "insert":
            try:
                name = json.loads(str(entry.new_value))
            except ValueError:
                continue
            state.user_created.setdefault(str(name), tx_seq)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        row.table_name,
        row.record_id,
        row.field,
        row.action,
        row.old_value,
        row.new_value,
        row.actor,
        row.reason,
    )


class _Rows:
    """The audit rows in ``seq`` order, read in batches, with one row of look-ahead."""

    def __init__(self, session: Session) -> None:
        table = _table(AuditLog)
        self._rows: Iterator[Any] = iter(
            session.execute(select(table).order_by(table.c.seq)).yield_per(5000)
        )
        self.next: Any = next(self._rows, None)

    def take(self) -> Any:
        row = self.next
        self.next = next(self._rows, None)
        return row


def _check_legacy(tx: Any, rows: list[Any], prev_hash: str, problems: list[AuditProblem]) -> None:
    for row in rows:
        where = (row.table_name, row.record_id, row.field)
        if row.prev_hash != prev_hash:
            problems.append(
                AuditProblem("chain", *where, "does not chain to the row before", seq=row.seq)
            )
        recomputed = row_hash(
            seq=row.seq,
            recorded_at=row.recorded_at,
            entry=_entry(row),
            prev_hash=str(row.prev_hash),
        )
        if recomputed != row.hash:
            problems.append(
                AuditProblem("chain", *where, "content does not match its hash", seq=row.seq)
            )
        prev_hash = str(row.hash)
    if rows and tx.mac != rows[-1].hash:
        problems.append(
            AuditProblem(
                "chain", "audit_transactions", str(tx.seq), None,
                "the legacy transaction's MAC is not the hash of its last row",
            )
        )  # fmt: skip


def _line(tx: Any, row: Any) -> bytes:
    stamp = row.recorded_at.astimezone(UTC).isoformat(timespec="microseconds")
    if tx.scheme in RECORD_SCHEMES:
        return record_line(row.seq, stamp, row.table_name, row.record_id, row.action,
                           row.changes, row.actor, row.reason)  # fmt: skip
    return row_line(row.seq, stamp, _entry(row))


def _recompute(tx: Any, rows: list[Any], key: bytes | None) -> str:
    header = transaction_header(
        seq=tx.seq,
        committed_at=tx.committed_at,
        actor=tx.actor,
        first_row=tx.first_row,
        last_row=tx.last_row,
        scheme=tx.scheme,
        key_fingerprint=tx.key_fingerprint,
        prev_mac=tx.prev_mac,
    )
    digest = hmac.new(key, digestmod=hashlib.sha256) if key is not None else hashlib.sha256()
    digest.update(header)
    for row in rows:
        digest.update(_line(tx, row))
    return digest.hexdigest()


def _mac_mismatch(tx: Any) -> AuditProblem:
    return AuditProblem(
        "chain", "audit_transactions", str(tx.seq), None,
        f"audit rows {_span(tx.first_row, tx.last_row)} or the transaction itself do not "
        "match its MAC: changed after it was committed",
        seq=tx.first_row,
    )  # fmt: skip


def _check_row_kinds(tx: Any, rows: list[Any], problems: list[AuditProblem]) -> None:
    """Rows of a per-record transaction hold ``changes`` only; others never hold it."""
    records = tx.scheme in RECORD_SCHEMES
    for row in rows:
        if row.hash is not None or row.prev_hash is not None:
            message = ("carries a row hash, which only rows written before the transaction "
                       "chain have")  # fmt: skip
        elif records and (
            row.changes is None
            or row.field is not None
            or row.old_value is not None
            or row.new_value is not None
        ):
            message = f"is not a record's row, as every row of a {tx.scheme} transaction is"
        elif not records and row.changes is not None:
            message = f"holds a record's changes in a {tx.scheme} transaction of one field a row"
        else:
            continue
        problems.append(
            AuditProblem("chain", row.table_name, row.record_id, row.field, message, seq=row.seq)
        )


def _check_mac(
    tx: Any,
    rows: list[Any],
    key: bytes | None,
    keyed_before: bool,
    state: ChainState,
    problems: list[AuditProblem],
) -> None:
    where = ("audit_transactions", str(tx.seq), None)
    fingerprint = key_fingerprint(key) if key is not None else None
    if tx.scheme in KEYED_SCHEMES:
        if key is None:
            state.unchecked += 1
            return
        if tx.key_fingerprint != fingerprint:
            problems.append(
                AuditProblem(
                    "chain", *where,
                    f"made with another key (fingerprint {str(tx.key_fingerprint)[:16]}…) than "
                    f"the audit key set ({str(fingerprint)[:16]}…)",
                )
            )  # fmt: skip
            return
        if _recompute(tx, rows, key) != tx.mac:
            problems.append(_mac_mismatch(tx))
        return
    if tx.scheme not in UNKEYED_SCHEMES or tx.key_fingerprint is not None:
        problems.append(AuditProblem("chain", *where, f"unknown MAC scheme {tx.scheme!r}"))
        return
    if keyed_before:
        problems.append(AuditProblem("chain", *where, "an unkeyed transaction after keyed ones"))
    elif key is not None:
        problems.append(
            AuditProblem(
                "chain", *where,
                "not keyed although an audit key is set: anyone could have rewritten it",
            )
        )  # fmt: skip
    if _recompute(tx, rows, None) != tx.mac:
        problems.append(_mac_mismatch(tx))


def _covered_rows(
    rows: _Rows, tx: Any, state: ChainState, problems: list[AuditProblem]
) -> list[Any]:
    """Take the rows up to the transaction's last; note any missing from its range."""
    covered: list[Any] = []
    while rows.next is not None and rows.next.seq <= tx.last_row:
        row = rows.take()
        if row.seq < tx.first_row:
            problems.append(
                AuditProblem("chain", row.table_name, row.record_id, row.field,
                             "belongs to no transaction", seq=row.seq)
            )  # fmt: skip
        else:
            covered.append(row)
        _note_row(state, row, tx.seq, problems)
    expected = range(tx.first_row, tx.last_row + 1)
    if len(covered) != len(expected):
        missing = sorted(set(expected) - {row.seq for row in covered})
        problems.append(
            AuditProblem(
                "chain", "audit_transactions", str(tx.seq), None,
                f"audit rows {_span(missing[0], missing[-1])} are missing"
                + (f" ({len(missing)} rows)" if len(missing) > 1 else ""),
                seq=missing[0],
            )
        )  # fmt: skip
    return covered


def check_chain(session: Session, key: bytes | None, problems: list[AuditProblem]) -> ChainState:
    """Check the chain of transactions and the rows each covers; replay the trail.

    Parameters
    ----------
    session
        A session on the trial database (only read).
    key
        The audit key, when the verifier holds it.
    problems
        Where problems found are appended.

    Returns
    -------
    ChainState
        Counts, MACs by transaction, the replayed records and who acted when.
    """
    state = ChainState()
    rows = _Rows(session)
    expected_tx, prev_mac, expected_row, keyed_before = 1, GENESIS_HASH, 1, False
    legacy_hash = GENESIS_HASH
    transactions = _table(AuditTransaction)
    for tx in session.execute(select(transactions).order_by(transactions.c.seq)):
        state.transactions += 1
        state.macs[tx.seq] = tx.mac
        state.first_acts.setdefault(tx.actor, tx.seq)
        where = ("audit_transactions", str(tx.seq), None)
        if tx.seq != expected_tx:
            problems.append(
                AuditProblem("chain", *where, f"transactions {_span(expected_tx, tx.seq - 1)} "
                             "are missing")
            )  # fmt: skip
        elif tx.prev_mac != prev_mac:
            problems.append(AuditProblem("chain", *where, "does not chain to the one before"))
        if tx.first_row != expected_row:
            problems.append(
                AuditProblem(
                    "chain", *where,
                    f"starts at audit row {tx.first_row}, the one before ended at "
                    f"{expected_row - 1}",
                )
            )  # fmt: skip
        covered = _covered_rows(rows, tx, state, problems)
        if tx.scheme == LEGACY_SCHEME:
            if tx.seq != 1 or keyed_before:
                problems.append(AuditProblem("chain", *where, "a legacy transaction mid-chain"))
            _check_legacy(tx, covered, legacy_hash, problems)
            state.schemes[LEGACY_SCHEME] = state.schemes.get(LEGACY_SCHEME, 0) + 1
        else:
            _check_mac(tx, covered, key, keyed_before, state, problems)
            _check_row_kinds(tx, covered, problems)
            state.schemes[tx.scheme] = state.schemes.get(tx.scheme, 0) + 1
        keyed_before = keyed_before or tx.scheme in KEYED_SCHEMES
        expected_tx, prev_mac, expected_row = tx.seq + 1, tx.mac, tx.last_row + 1
    state.last_row = expected_row - 1
    stray = []
    while rows.next is not None:
        row = rows.take()
        stray.append(row.seq)
        _note_row(state, row, expected_tx, problems)
    if stray:
        problems.append(
            AuditProblem(
                "chain", "audit_log", None, None,
                f"audit rows {_span(stray[0], stray[-1])} belong to no transaction",
                seq=stray[0],
            )
        )  # fmt: skip
    return state


def check_anchor(state: ChainState, anchor: AnchorFile, problems: list[AuditProblem]) -> str:
    """Compare the chain with the anchor file's lines for it; return what was checked.

    Every anchored transaction must be in the chain with the MAC anchored; the chain must be
    at least as long as the longest anchored. A file that holds lines of other chains only
    means this chain was replaced, or the file is not this database's.
    """
    for number in anchor.unreadable:
        problems.append(
            AuditProblem("anchor", str(anchor.path), None, None,
                         f"line {number} is not an anchor entry")
        )  # fmt: skip
    chain = state.chain
    if chain is None:
        if anchor.entries:
            problems.append(
                AuditProblem("anchor", "audit_transactions", None, None,
                             f"the trail is empty but the anchor file {anchor.path} records "
                             f"{len(anchor.entries)} commit(s)")
            )  # fmt: skip
        return "the trail is empty"
    entries = anchor.of_chain(chain)
    if not entries:
        if anchor.entries:
            problems.append(
                AuditProblem(
                    "anchor", "audit_transactions", "1", None,
                    f"the anchor file {anchor.path} holds no line for this trail (first MAC "
                    f"{chain[:16]}…) but {len(anchor.entries)} of other trails: the trail was "
                    "replaced, or the file is another database's",
                )
            )  # fmt: skip
        return "no commit of this trail is anchored yet"
    longest = max(entries, key=lambda e: e.transactions)
    if longest.transactions > state.transactions or longest.rows > state.last_row:
        problems.append(
            AuditProblem(
                "anchor", "audit_transactions", str(longest.transactions), None,
                f"the anchor records {longest.transactions} transactions and {longest.rows} "
                f"audit rows (at {longest.committed_at}); the trail has {state.transactions} and "
                f"{state.last_row}: its end was deleted",
            )
        )  # fmt: skip
    differ = [e for e in entries if e.transactions in state.macs
              and state.macs[e.transactions] != e.mac]  # fmt: skip
    if differ:
        first = min(differ, key=lambda e: e.transactions)
        problems.append(
            AuditProblem(
                "anchor", "audit_transactions", str(first.transactions), None,
                f"MAC differs from the one anchored at {first.committed_at}"
                + (f" (and {len(differ) - 1} later anchored transactions)" if len(differ) > 1
                   else "")
                + ": the trail was rewritten",
            )
        )  # fmt: skip
    return (
        f"{len(entries)} anchored commits, the last at transaction {longest.transactions} "
        f"({longest.rows} rows)"
    )
