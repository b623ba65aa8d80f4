"""The audit chain: canonical values, row hashes, and appending rows under a lock.

Each ``audit_log`` row is one field of one record changing: who (``actor``), when
(``recorded_at``, UTC), where (``table_name``, ``record_id``, ``field``), what (``action``
``insert`` or ``update``, ``old_value``, ``new_value``) and why (``reason``). Values are stored
as canonical JSON text (:func:`canonical`), so that a value read back from SQLite or PostgreSQL
encodes to the same text it had when it was written.

Rows are numbered ``seq = 1, 2, …`` without gaps and chained: ``hash`` is the SHA-256 of the
row's content together with ``prev_hash``, the hash of the row before (:data:`GENESIS_HASH`
for the first). Appending takes the chain lock first — a transaction-scoped advisory lock on
PostgreSQL; on SQLite the write lock that ``BEGIN IMMEDIATE`` already holds — so two
transactions never extend the chain from the same row.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from metsor.store.models.core import AuditLog

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditError",
    "append_entries",
    "canonical",
    "redact",
    "row_hash",
]

#: ``prev_hash`` of the first row of the chain.
GENESIS_HASH = "0" * 64

#: Key of the PostgreSQL advisory lock that serializes appends to the chain.
_CHAIN_LOCK_KEY = 0x6D6574736F72  # "metsor"

_SAFE_INTEGER = 2**53


def _audit_table() -> Table:
    table = AuditLog.__table__
    assert isinstance(table, Table)
    return table


class AuditError(RuntimeError):
    """Misuse of the audit trail by code: no acting user, a delete, an unencodable value."""


@dataclass(frozen=True)
class AuditEntry:
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
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def redact(encoded: str | None) -> str | None:
    """Replace canonical text by its SHA-256 digest (for columns such as password hashes)."""
    if encoded is None:
        return None
    return json.dumps("sha256:" + hashlib.sha256(encoded.encode()).hexdigest())


def row_hash(
    *,
    seq: int,
    recorded_at: datetime,
    entry: AuditEntry,
    prev_hash: str,
) -> str:
    """The SHA-256 of one audit row's content and the hash of the row before it.

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
        recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
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


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


def append_entries(session: Session, entries: Sequence[AuditEntry], recorded_at: datetime) -> int:
    """Number, chain and insert audit rows in the session's transaction.

    Parameters
    ----------
    session
        The session whose transaction the rows join.
    entries
        The changes, in the order they were made.
    recorded_at
        The time stamp of every row (aware).

    Returns
    -------
    int
        The ``seq`` of the last row written (0 when nothing was written).
    """
    if not entries:
        return 0
    _lock_chain(session)
    last = session.execute(
        select(AuditLog.seq, AuditLog.hash).order_by(AuditLog.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0], last[1]) if last is not None else (0, GENESIS_HASH)
    rows = []
    for entry in entries:
        seq += 1
        digest = row_hash(seq=seq, recorded_at=recorded_at, entry=entry, prev_hash=prev_hash)
        rows.append(
            {
                "seq": seq,
                "recorded_at": recorded_at,
                "actor": entry.actor,
                "table_name": entry.table_name,
                "record_id": entry.record_id,
                "field": entry.field,
                "action": entry.action,
                "old_value": entry.old_value,
                "new_value": entry.new_value,
                "reason": entry.reason,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    session.connection().execute(insert(_audit_table()), rows)
    return seq
