"""Checking the chain of transactions, in order, and replaying the trail on the way.

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

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from metsor.store.audit.encoding import GENESIS_HASH, LEGACY_SCHEME
from metsor.store.audit.entries import UnreadableAuditRowError, row_fields
from metsor.store.audit.report import AuditProblem
from metsor.store.audit.transaction_check import (
    KEYED_SCHEMES,
    check_legacy_transaction,
    check_transaction,
    row_span,
)
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import AuditLog

__all__ = ["ChainState", "check_chain"]

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
                f"audit rows {row_span(missing[0], missing[-1])} are missing"
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
                AuditProblem("chain", *where, f"transactions {row_span(expected_tx, tx.seq - 1)} "
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
            check_legacy_transaction(tx, covered, legacy_hash, problems)
            state.schemes[LEGACY_SCHEME] = state.schemes.get(LEGACY_SCHEME, 0) + 1
        else:
            if not check_transaction(tx, covered, key, keyed_before, problems):
                state.unchecked += 1
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
                f"audit rows {row_span(stray[0], stray[-1])} belong to no transaction",
                seq=stray[0],
            )
        )  # fmt: skip
    return state
