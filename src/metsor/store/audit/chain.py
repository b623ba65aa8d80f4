"""The audit chain: numbering the rows of a transaction, chaining it, under a lock.

Each ``audit_log`` row written now is one record inserted or updated by one flush: who
(``actor``), when (``recorded_at``, UTC), where (``table_name``, ``record_id``), what
(``action`` ``insert`` or ``update``, and ``changes``: each field written with its old and new
value) and why (``reason``). Values are stored as canonical JSON text
(:func:`~metsor.store.audit.encoding.canonical`), so that a value read back from SQLite or
PostgreSQL encodes to the same text it had when it was written. Rows written before revision
``0010_audit_record_rows`` hold one field each (``field``, ``old_value``, ``new_value``); they
are read, never written, and :func:`metsor.store.audit.field_entries` reads both kinds as one
entry per field.

Rows are numbered ``seq = 1, 2, …`` without gaps. The rows one transaction writes are chained
together as one ``audit_transactions`` row (:class:`~metsor.store.models.audit.AuditTransaction`):
its MAC is computed over the canonical encoding (:mod:`metsor.store.audit.encoding`) of the
transaction and of every row it wrote, and covers the MAC of the transaction before. With a key (see
:mod:`metsor.services.audit_key`) the MAC is an HMAC-SHA-256, scheme ``hmac-sha256-rec``, and
the database stores only the key's SHA-256 fingerprint; without one it is a plain SHA-256,
scheme ``sha256-rec``, which anyone can recompute. Transactions of one row per field keep
their schemes (``hmac-sha256``, ``sha256``); rows written before the chain was kept per
transaction (revision ``0005_audit_key``) keep their row-by-row SHA-256 (:func:`row_hash`) and
form one ``legacy-rows`` transaction.

Appending takes the chain lock first — a transaction-scoped advisory lock on PostgreSQL; on
SQLite the write lock that ``BEGIN IMMEDIATE`` already holds — so two transactions never extend
the chain from the same transaction. Once the chain holds a keyed transaction, a write without
that key is refused: the chain never silently falls back to a weaker MAC.

The chain's head is read after the lock is taken. A transaction that holds the lock from its
first statement (SQLite's ``BEGIN IMMEDIATE``) may read the head in that statement instead
(:func:`with_chain_head`) and hand it over (:func:`keep_head`): no other transaction can extend
the chain before it commits, so the head it read is still the head at its commit, and the
append reads it no more. The head is taken only in the transaction that read it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, func, select, text
from sqlalchemy.orm import Session, aliased

from metsor.errors import InputError
from metsor.store.audit.encoding import (
    GENESIS_HASH,
    HMAC_RECORD_SCHEME,
    HMAC_SCHEME,
    LEGACY_SCHEME,
    PLAIN_RECORD_SCHEME,
    PLAIN_SCHEME,
    AuditEntry,
    AuditError,
    RecordEntry,
    canonical,
    changes_text,
    key_fingerprint,
    mac_of,
    record_line,
    redact,
    row_hash,
    row_line,
    transaction_header,
    utc_stamp,
)
from metsor.store.driver import run
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import AuditLog

__all__ = [
    "GENESIS_HASH",
    "HEAD_WIDTH",
    "HMAC_RECORD_SCHEME",
    "HMAC_SCHEME",
    "LEGACY_SCHEME",
    "PLAIN_RECORD_SCHEME",
    "PLAIN_SCHEME",
    "AuditEntry",
    "AuditError",
    "ChainHead",
    "RecordEntry",
    "append_transaction",
    "canonical",
    "keep_head",
    "key_fingerprint",
    "mac_of",
    "record_line",
    "redact",
    "row_hash",
    "row_line",
    "transaction_header",
    "with_chain_head",
]

#: Key of the PostgreSQL advisory lock that serializes appends to the chain.
_CHAIN_LOCK_KEY = 0x6D6574736F72  # "metsor"

#: Columns of ``audit_log`` in the order :func:`append_transaction` fills them.
_ROW_COLUMNS = (
    "seq",
    "recorded_at",
    "actor",
    "table_name",
    "record_id",
    "action",
    "reason",
    "changes",
)


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@dataclass(frozen=True)
class ChainHead:
    """The last transaction of the chain, as written to the anchor.

    Attributes
    ----------
    chain
        MAC of the chain's first transaction: names the chain in the anchor file.
    transactions
        Transactions in the chain (the ``seq`` of the last).
    rows
        Audit rows in the chain (the last row's ``seq``).
    mac
        MAC of the last transaction.
    key_fingerprint
        SHA-256 of the key it was made with (None: unkeyed).
    committed_at
        When it was written.
    """

    chain: str
    transactions: int
    rows: int
    mac: str
    key_fingerprint: str | None
    committed_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "chain": self.chain,
            "transactions": self.transactions,
            "rows": self.rows,
            "mac": self.mac,
            "key_fingerprint": self.key_fingerprint,
            "committed_at": utc_stamp(self.committed_at),
        }


# Statements built once: the chain is extended at every commit. The last transaction is read
# with the chain's name (the MAC of its first) in one statement; it and the inserts are sent
# as the driver's own SQL text, past SQLAlchemy's per-statement work.
_FIRST = aliased(AuditTransaction)
_CHAIN_NAME = select(_FIRST.mac).where(_FIRST.seq == 1).scalar_subquery()
_LAST_TRANSACTION = (
    select(
        AuditTransaction.seq,
        AuditTransaction.last_row,
        AuditTransaction.mac,
        AuditTransaction.key_fingerprint,
        _CHAIN_NAME,
    )
    .order_by(AuditTransaction.seq.desc())
    .limit(1)
)

#: The head as columns of another statement: the last transaction, outer-joined (NULLs when the
#: chain is empty), and the chain's name.
_HEAD = aliased(AuditTransaction, name="chain_head")
_HEAD_COLUMNS = (
    _HEAD.seq.label("chain_seq"),
    _HEAD.last_row.label("chain_last_row"),
    _HEAD.mac.label("chain_mac"),
    _HEAD.key_fingerprint.label("chain_key_fingerprint"),
    _CHAIN_NAME.label("chain_name"),
)
_LAST_SEQ = select(func.max(AuditTransaction.seq)).scalar_subquery()
_KEPT_HEAD = "metsor_audit_chain_head"

#: How many columns :func:`with_chain_head` adds, the last of a row of its statement.
HEAD_WIDTH = len(_HEAD_COLUMNS)


def with_chain_head(statement: Select[Any]) -> Select[Any]:
    """``statement`` reading also the chain's head, in its last :data:`HEAD_WIDTH` columns.

    For a transaction that holds the chain lock from its first statement (SQLite's ``BEGIN
    IMMEDIATE``), to hand over to :func:`keep_head`.

    Parameters
    ----------
    statement
        A select of one row, from one table (the head is outer-joined to it).

    Returns
    -------
    Select
        The same select with the head's columns added last.
    """
    return statement.add_columns(*_HEAD_COLUMNS).outerjoin(_HEAD, _HEAD.seq == _LAST_SEQ)


def keep_head(session: Session, columns: Sequence[Any]) -> None:
    """Hand over the chain's head that the session's transaction has just read, so that
    :func:`append_transaction` at its commit does not read it again.

    Only for a transaction that holds the chain lock since before the read (on SQLite, every
    transaction begun ``IMMEDIATE``): nobody else can extend the chain until it ends. The head
    is taken only by the transaction that read it, and only on SQLite.

    Parameters
    ----------
    session
        The session, in the transaction that read the head.
    columns
        The :data:`HEAD_WIDTH` head columns of :func:`with_chain_head`'s row.
    """
    head = None if columns[0] is None else tuple(columns)
    session.info[_KEPT_HEAD] = (session.get_transaction(), head)


#: Columns of ``audit_transactions`` in the order :func:`append_transaction` fills them.
_TRANSACTION_COLUMNS = (
    "seq",
    "first_row",
    "last_row",
    "committed_at",
    "actor",
    "scheme",
    "key_fingerprint",
    "prev_mac",
    "mac",
)
_SQL: dict[tuple[str, str], str] = {}


def _driver_sql(connection: Connection, what: str) -> str:
    """The SQL text of one of the chain's statements in the connection's dialect (cached)."""
    dialect = connection.dialect
    statement = _SQL.get((dialect.name, what))
    if statement is not None:
        return statement
    if what == "last":
        statement = str(
            _LAST_TRANSACTION.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        )
    else:
        model, columns = (AuditLog, _ROW_COLUMNS) if what == "rows" else (
            AuditTransaction, _TRANSACTION_COLUMNS)  # fmt: skip
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        preparer = dialect.identifier_preparer
        statement = (
            f"INSERT INTO {preparer.format_table(_table(model))} "
            f"({', '.join(preparer.quote(name) for name in columns)}) "
            f"VALUES ({', '.join(mark for _ in columns)})"
        )
    _SQL[(dialect.name, what)] = statement
    return statement


_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _head(session: Session, connection: Connection) -> Any:
    """The chain's last transaction (None: the chain is empty), read under the chain lock."""
    kept = session.info.pop(_KEPT_HEAD, None)
    dialect = connection.dialect.name
    if kept is not None and dialect == "sqlite" and kept[0] is session.get_transaction():
        return kept[1]
    if dialect == "postgresql":
        connection.execute(_LOCK, {"key": _CHAIN_LOCK_KEY})
    return connection.exec_driver_sql(_driver_sql(connection, "last")).first()


_STAMP_PROCESSORS: dict[str, Any] = {}


def _stored_stamp(connection: Connection, committed_at: datetime) -> Any:
    """The rows' time stamp as the driver takes it (the column type's bind processor, once
    per dialect)."""
    name = connection.dialect.name
    if name not in _STAMP_PROCESSORS:
        at_type = _table(AuditLog).c.recorded_at.type
        _STAMP_PROCESSORS[name] = at_type.bind_processor(connection.dialect)
    process = _STAMP_PROCESSORS[name]
    return process(committed_at) if process is not None else committed_at


def _check_key(key: bytes | None, last: Any) -> str | None:
    fingerprint = key_fingerprint(key) if key is not None else None
    held = last[3] if last is not None else None
    if held is not None and fingerprint is None:
        raise InputError(
            f"the audit trail is keyed (key fingerprint {held[:16]}…) but no audit key is set: "
            "set METSOR_AUDIT_KEY or provide the key file METSOR_AUDIT_KEY_FILE",
            field="METSOR_AUDIT_KEY",
        )
    if held is not None and fingerprint != held:
        raise InputError(
            f"the audit key set (fingerprint {str(fingerprint)[:16]}…) is not the key the audit "
            f"trail is kept with (fingerprint {held[:16]}…)",
            field="METSOR_AUDIT_KEY",
        )
    return fingerprint


def append_transaction(
    session: Session,
    entries: Sequence[RecordEntry],
    committed_at: datetime,
    *,
    actor: str,
    key: bytes | None,
    name_chain: bool = True,
) -> ChainHead | None:
    """Number the rows of one transaction (one a record written), insert them, and chain it.

    Parameters
    ----------
    session
        The session whose transaction the rows join.
    entries
        The records written, in the order they were flushed.
    committed_at
        The time stamp of the transaction and of every row (aware).
    actor
        The acting user when it commits.
    key
        The audit key (None: unkeyed, SHA-256 only).
    name_chain
        Read the chain's name (the MAC of its first transaction) for the head; when False
        (nothing is anchored) the head's ``chain`` is the empty string, except for the first.

    Returns
    -------
    ChainHead or None
        The new head of the chain; None when there was nothing to write.

    Raises
    ------
    InputError
        When the chain is keyed and ``key`` is missing or another key (naming
        ``METSOR_AUDIT_KEY``).
    """
    if not entries:
        return None
    connection = session.connection()
    last = _head(session, connection)
    fingerprint = _check_key(key, last)
    seq, row, prev_mac = (last[0], last[1], last[2]) if last is not None else (0, 0, GENESIS_HASH)
    seq += 1
    first_row, last_row = row + 1, row + len(entries)
    scheme = HMAC_RECORD_SCHEME if key is not None else PLAIN_RECORD_SCHEME
    header = transaction_header(
        seq=seq,
        committed_at=committed_at,
        actor=actor,
        first_row=first_row,
        last_row=last_row,
        scheme=scheme,
        key_fingerprint=fingerprint,
        prev_mac=prev_mac,
    )
    digest = hmac.new(key, digestmod=hashlib.sha256) if key is not None else hashlib.sha256()
    digest.update(header)
    stamp = utc_stamp(committed_at)
    stored_at = _stored_stamp(connection, committed_at)
    rows = []
    lines = []
    number = first_row
    for table_name, record_id, action, fields, entry_actor, reason in entries:
        changes = changes_text(fields)
        lines.append(
            record_line(number, stamp, table_name, record_id, action, changes, entry_actor, reason)
        )
        rows.append(
            (number, stored_at, entry_actor, table_name, record_id, action, reason, changes)
        )
        number += 1
    digest.update(b"".join(lines))
    mac = digest.hexdigest()
    # one executemany of plain tuples: no per-row statement compilation or type processing
    run(connection, _driver_sql(connection, "rows"), rows, many=True)
    run(
        connection,
        _driver_sql(connection, "transaction"),
        (seq, first_row, last_row, stored_at, actor, scheme, fingerprint, prev_mac, mac),
    )
    chain = mac if seq == 1 else last[4] if name_chain and last is not None else ""
    return ChainHead(
        chain=str(chain),
        transactions=seq,
        rows=last_row,
        mac=mac,
        key_fingerprint=fingerprint,
        committed_at=committed_at,
    )
