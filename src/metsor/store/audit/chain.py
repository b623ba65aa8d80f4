"""The audit chain: canonical values, transaction MACs, and appending under a lock.

Each ``audit_log`` row is one field of one record changing: who (``actor``), when
(``recorded_at``, UTC), where (``table_name``, ``record_id``, ``field``), what (``action``
``insert`` or ``update``, ``old_value``, ``new_value``) and why (``reason``). Values are stored
as canonical JSON text (:func:`canonical`), so that a value read back from SQLite or PostgreSQL
encodes to the same text it had when it was written.

Rows are numbered ``seq = 1, 2, …`` without gaps. The rows one transaction writes are chained
together as one ``audit_transactions`` row (:class:`~metsor.store.models.audit.AuditTransaction`):
its MAC is computed over :func:`transaction_header` and the :func:`row_line` of every row it
wrote, and covers the MAC of the transaction before. With a key (see
:mod:`metsor.services.audit_key`) the MAC is an HMAC-SHA-256, scheme ``hmac-sha256``, and the
database stores only the key's SHA-256 fingerprint; without one it is a plain SHA-256, scheme
``sha256``, which anyone can recompute. Rows written before the chain was kept per transaction
(revision ``0005_audit_key``) keep their row-by-row SHA-256 (:func:`row_hash`) and form one
``legacy-rows`` transaction.

Appending takes the chain lock first — a transaction-scoped advisory lock on PostgreSQL; on
SQLite the write lock that ``BEGIN IMMEDIATE`` already holds — so two transactions never extend
the chain from the same transaction. Once the chain holds a keyed transaction, a write without
that key is refused: the chain never silently falls back to a weaker MAC.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, insert, select, text
from sqlalchemy.orm import Session

from metsor.errors import InputError
from metsor.store.models.audit import AuditTransaction
from metsor.store.models.core import AuditLog

__all__ = [
    "GENESIS_HASH",
    "HMAC_SCHEME",
    "LEGACY_SCHEME",
    "PLAIN_SCHEME",
    "AuditEntry",
    "AuditError",
    "ChainHead",
    "append_transaction",
    "canonical",
    "key_fingerprint",
    "mac_of",
    "redact",
    "row_hash",
    "row_line",
    "transaction_header",
]

#: ``prev_mac`` of the first transaction (and ``prev_hash`` of the first legacy row).
GENESIS_HASH = "0" * 64

HMAC_SCHEME = "hmac-sha256"
PLAIN_SCHEME = "sha256"
LEGACY_SCHEME = "legacy-rows"

#: Key of the PostgreSQL advisory lock that serializes appends to the chain.
_CHAIN_LOCK_KEY = 0x6D6574736F72  # "metsor"

_SAFE_INTEGER = 2**53
_FORMAT = "metsor-audit-2"

#: Columns of ``audit_log`` in the order :func:`append_transaction` fills them.
_ROW_COLUMNS = (
    "seq",
    "recorded_at",
    "actor",
    "table_name",
    "record_id",
    "field",
    "action",
    "old_value",
    "new_value",
    "reason",
    "prev_hash",
    "hash",
)

_encode_text = json.encoder.encode_basestring  # what json.dumps does with ensure_ascii=False


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


class AuditError(RuntimeError):
    """Misuse of the audit trail by code: no acting user, a delete, an unencodable value."""


class AuditEntry(NamedTuple):
    """One audited field change, before it is numbered and chained.

    Attributes
    ----------
    table_name, record_id, field
        Where the change is.
    action
        ``"insert"`` or ``"update"``.
    old_value, new_value
        Canonical JSON text of the values (None for SQL NULL or no previous value).
    actor
        Username of the acting user.
    reason
        Why the change was made, if stated.
    """

    table_name: str
    record_id: str
    field: str
    action: str
    old_value: str | None
    new_value: str | None
    actor: str
    reason: str | None


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
            "committed_at": _stamp(self.committed_at),
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        number = float(value)
        if number.is_integer() and abs(number) < _SAFE_INTEGER:
            return int(number)
        return number
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise AuditError(f"naive datetime {value.isoformat()} cannot be audited")
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, bytes):
        return value.hex()
    raise AuditError(f"cannot audit a value of type {type(value).__name__}")


def canonical(value: Any) -> str | None:
    """Encode a column value as canonical JSON text (None stays None).

    Whole floats encode as integers and datetimes as UTC ISO-8601 to the microsecond, so
    the text does not depend on which database returned the value.

    Parameters
    ----------
    value
        A column value: None, bool, int, float, Decimal, str, date, aware datetime, Enum,
        bytes, or a dict or list of these.

    Returns
    -------
    str or None
        The JSON text.

    Raises
    ------
    AuditError
        For a value of another type or a naive datetime.
    """
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        return _encode_text(value)
    if kind is int:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is float and math.isfinite(value):
        if value.is_integer() and abs(value) < _SAFE_INTEGER:
            return str(int(value))
        return repr(value)
    if kind is datetime and value.tzinfo is not None:
        return _encode_text(_stamp(value))
    if kind is date:
        return _encode_text(value.isoformat())
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def redact(encoded: str | None) -> str | None:
    """Replace canonical text by its SHA-256 digest (for columns such as password hashes)."""
    if encoded is None:
        return None
    return json.dumps("sha256:" + hashlib.sha256(encoded.encode()).hexdigest())


def key_fingerprint(key: bytes) -> str:
    """SHA-256 of an audit key, in hexadecimal: what the database stores instead of the key."""
    return hashlib.sha256(key).hexdigest()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def row_hash(
    *,
    seq: int,
    recorded_at: datetime,
    entry: AuditEntry,
    prev_hash: str,
) -> str:
    """The SHA-256 of one legacy audit row's content and the hash of the row before it.

    Rows written before revision ``0005_audit_key`` are chained this way, row by row.

    Parameters
    ----------
    seq
        Position of the row in the chain (1-based).
    recorded_at
        When the row was written (aware).
    entry
        The change.
    prev_hash
        Hash of row ``seq - 1`` (:data:`GENESIS_HASH` for the first).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    content = [
        seq,
        _stamp(recorded_at),
        entry.actor,
        entry.table_name,
        entry.record_id,
        entry.field,
        entry.action,
        entry.old_value,
        entry.new_value,
        entry.reason,
        prev_hash,
    ]
    data = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def transaction_header(
    *,
    seq: int,
    committed_at: datetime,
    actor: str,
    first_row: int,
    last_row: int,
    scheme: str,
    key_fingerprint: str | None,
    prev_mac: str,
) -> bytes:
    """The canonical encoding of a transaction's own fields, first input of its MAC."""
    content = [
        _FORMAT,
        seq,
        _stamp(committed_at),
        actor,
        first_row,
        last_row,
        scheme,
        key_fingerprint,
        prev_mac,
    ]
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def row_line(seq: int, recorded_at: str, entry: AuditEntry | Sequence[Any]) -> bytes:
    """The canonical encoding of one audit row, as its transaction's MAC covers it.

    Parameters
    ----------
    seq
        The row's ``seq``.
    recorded_at
        Its time stamp as UTC ISO-8601 to the microsecond.
    entry
        The change: table, record, field, action, old, new, actor, reason.

    Returns
    -------
    bytes
        One line of JSON.
    """
    # The text of json.dumps([seq, recorded_at, *entry], separators=(",", ":"),
    # ensure_ascii=False), built field by field: every field is text or None.
    fields = ",".join("null" if value is None else _encode_text(value) for value in entry)
    return f"[{seq},{_encode_text(recorded_at)},{fields}]\n".encode()


def mac_of(key: bytes | None, header: bytes, lines: Iterable[bytes]) -> str:
    """HMAC-SHA-256 with ``key`` (SHA-256 when None) of a header and row lines, in hex."""
    digest = hmac.new(key, digestmod=hashlib.sha256) if key is not None else hashlib.sha256()
    digest.update(header)
    for line in lines:
        digest.update(line)
    return digest.hexdigest()


# Statements built once: the chain is extended at every commit.
_LAST_TRANSACTION = (
    select(
        AuditTransaction.seq,
        AuditTransaction.last_row,
        AuditTransaction.mac,
        AuditTransaction.key_fingerprint,
    )
    .order_by(AuditTransaction.seq.desc())
    .limit(1)
)
_FIRST_MAC = select(AuditTransaction.mac).where(AuditTransaction.seq == 1)
_INSERT_TRANSACTION = insert(_table(AuditTransaction))
_INSERT_ROWS: dict[str, str] = {}


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


def _check_key(key: bytes | None, last: Any) -> str | None:
    fingerprint = key_fingerprint(key) if key is not None else None
    held = last.key_fingerprint if last is not None else None
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


def _insert_rows(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """One executemany of plain tuples: no per-row statement compilation or type processing."""
    dialect = connection.dialect
    statement = _INSERT_ROWS.get(dialect.name)
    if statement is None:
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        preparer = dialect.identifier_preparer
        statement = (
            f"INSERT INTO {preparer.format_table(_table(AuditLog))} "
            f"({', '.join(preparer.quote(name) for name in _ROW_COLUMNS)}) "
            f"VALUES ({', '.join(mark for _ in _ROW_COLUMNS)})"
        )
        _INSERT_ROWS[dialect.name] = statement
    connection.exec_driver_sql(statement, rows)


def append_transaction(
    session: Session,
    entries: Sequence[AuditEntry],
    committed_at: datetime,
    *,
    actor: str,
    key: bytes | None,
    name_chain: bool = True,
) -> ChainHead | None:
    """Number the rows of one transaction, insert them, and chain the transaction.

    Parameters
    ----------
    session
        The session whose transaction the rows join.
    entries
        The changes, in the order they were made.
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
    _lock_chain(session)
    connection = session.connection()
    last = connection.execute(_LAST_TRANSACTION).first()
    fingerprint = _check_key(key, last)
    seq, row, prev_mac = (last[0], last[1], last[2]) if last is not None else (0, 0, GENESIS_HASH)
    seq += 1
    first_row, last_row = row + 1, row + len(entries)
    scheme = HMAC_SCHEME if key is not None else PLAIN_SCHEME
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
    stamp = _stamp(committed_at)
    at_type = _table(AuditLog).c.recorded_at.type
    process = at_type.bind_processor(connection.dialect)
    stored_at = process(committed_at) if process is not None else committed_at
    rows = []
    number = first_row
    for entry in entries:
        digest.update(row_line(number, stamp, entry))
        rows.append((number, stored_at, entry.actor, *entry[:6], entry.reason, None, None))
        number += 1
    mac = digest.hexdigest()
    _insert_rows(connection, rows)
    connection.execute(
        _INSERT_TRANSACTION,
        {
            "seq": seq,
            "first_row": first_row,
            "last_row": last_row,
            "committed_at": committed_at,
            "actor": actor,
            "scheme": scheme,
            "key_fingerprint": fingerprint,
            "prev_mac": prev_mac,
            "mac": mac,
        },
    )
    chain = mac if seq == 1 else connection.scalar(_FIRST_MAC) if name_chain else ""
    return ChainHead(
        chain=str(chain),
        transactions=seq,
        rows=last_row,
        mac=mac,
        key_fingerprint=fingerprint,
        committed_at=committed_at,
    )
