"""The canonical encoding the audit chain is computed over, and the MAC itself.

:func:`canonical` is the text of a column value as ``audit_log`` stores it; :func:`row_line`,
:func:`record_line` and :func:`transaction_header` encode a row and a transaction for the MAC
(:func:`mac_of`: HMAC-SHA-256 with the audit key, plain SHA-256 without one); :func:`row_hash`
is the row-by-row SHA-256 of rows written before the chain was kept per transaction. Writing
and checking the chain use these same functions (:mod:`metsor.store.audit.chain`,
:mod:`metsor.store.audit.transaction_check`).

Two kinds of audit row, each under its own schemes:

- one row per field (``hmac-sha256``, ``sha256``, ``legacy-rows``: every row written before
  revision ``0010_audit_record_rows``): ``field``, ``old_value``, ``new_value``; a row's line
  is :func:`row_line`;
- one row per record written (:class:`RecordEntry`; ``hmac-sha256-rec``, ``sha256-rec``):
  ``changes`` is :func:`changes_text` of its fields — a JSON array of ``[field, old, new]``,
  old and new being each field's canonical text (or null), in table order; a row's line is
  :func:`record_line`.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import json
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

__all__ = [
    "GENESIS_HASH",
    "HMAC_RECORD_SCHEME",
    "HMAC_SCHEME",
    "LEGACY_SCHEME",
    "PLAIN_RECORD_SCHEME",
    "PLAIN_SCHEME",
    "RECORD_SCHEMES",
    "AuditEntry",
    "AuditError",
    "FieldChange",
    "RecordEntry",
    "canonical",
    "changes_text",
    "key_fingerprint",
    "mac_of",
    "read_changes",
    "record_line",
    "redact",
    "row_hash",
    "row_line",
    "transaction_header",
    "utc_stamp",
]

#: ``prev_mac`` of the first transaction (and ``prev_hash`` of the first legacy row).
GENESIS_HASH = "0" * 64

HMAC_SCHEME = "hmac-sha256"
PLAIN_SCHEME = "sha256"
LEGACY_SCHEME = "legacy-rows"
HMAC_RECORD_SCHEME = "hmac-sha256-rec"
PLAIN_RECORD_SCHEME = "sha256-rec"
#: The schemes of transactions whose rows are one record each.
RECORD_SCHEMES = frozenset({HMAC_RECORD_SCHEME, PLAIN_RECORD_SCHEME})

_SAFE_INTEGER = 2**53
_FORMAT = "metsor-audit-2"
_RECORD_LINE = "rec"

_encode_text = json.encoder.encode_basestring  # what json.dumps does with ensure_ascii=False
_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":"))


def _row_encoder() -> Callable[[Any], str]:
    """``json.dumps(row, separators=(",", ":"), ensure_ascii=False)`` without its set-up: the C
    encoder that ``JSONEncoder.encode`` builds at every call, built once (the same text), or
    that method where the C encoder is missing."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _ROW_ENCODER.encode
    encoder = _ROW_ENCODER
    chunks = make(
        None,  # no check for circular references
        encoder.default,
        _encode_text,
        encoder.indent,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(row: Any) -> str:
        if isinstance(row, str):
            return _encode_text(row)
        return "".join(chunks(row, 0))

    return encode


_encode_row = _row_encoder()


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


#: One field of a record written: its name, old and new canonical text (None: SQL NULL or none).
FieldChange = tuple[str, str | None, str | None]


class RecordEntry(NamedTuple):
    """One record inserted or updated by a flush, before it is numbered and chained.

    Attributes
    ----------
    table_name, record_id
        The record.
    action
        ``"insert"`` (every column) or ``"update"`` (each changed column).
    changes
        ``(field, old, new)`` per field written, in table order, values as canonical text.
    actor
        Username of the acting user.
    reason
        Why the change was made, if stated.
    """

    table_name: str
    record_id: str
    action: str
    changes: list[FieldChange]
    actor: str
    reason: str | None


def changes_text(changes: Sequence[FieldChange]) -> str:
    """The ``changes`` column of a record's row: ``[[field, old, new], …]`` as compact JSON."""
    return _encode_row(changes)


def read_changes(text: str) -> list[FieldChange]:
    """The fields of a record's row, from its ``changes`` text.

    Raises
    ------
    ValueError
        When the text is not an array of ``[field, old, new]`` with text or null values.
    """
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("changes is not a JSON array")
    changes: list[FieldChange] = []
    for item in data:
        if not (
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[0], str)
            and all(value is None or isinstance(value, str) for value in item[1:])
        ):
            raise ValueError(f"changes holds {item!r}, not [field, old, new]")
        changes.append((item[0], item[1], item[2]))
    return changes


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
        return '"' + utc_stamp(value) + '"'  # digits and -:T.+ only: nothing to escape
    if kind is date:
        return _encode_text(value.isoformat())
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def redact(encoded: str | None) -> str | None:
    """Replace canonical text by its SHA-256 digest (for columns such as password hashes)."""
    if encoded is None:
        return None
    return json.dumps("sha256:" + hashlib.sha256(encoded.encode()).hexdigest())


@functools.lru_cache(maxsize=8)
def key_fingerprint(key: bytes) -> str:
    """SHA-256 of an audit key, in hexadecimal: what the database stores instead of the key."""
    return hashlib.sha256(key).hexdigest()


def utc_stamp(moment: datetime) -> str:
    """A time as UTC ISO-8601 to the microsecond: how the chain encodes every time."""
    if type(moment) is datetime and moment.tzinfo is UTC:
        # the text of isoformat(timespec="microseconds"), at a third of its cost
        return _UTC_STAMP % (
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond,
        )
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


_UTC_STAMP = "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00"


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
        utc_stamp(recorded_at),
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
        utc_stamp(committed_at),
        actor,
        first_row,
        last_row,
        scheme,
        key_fingerprint,
        prev_mac,
    ]
    return (_encode_row(content) + "\n").encode()


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
    # ensure_ascii=False), by an encoder built once (the C one): every field is text or None.
    return (_encode_row([seq, recorded_at, *entry]) + "\n").encode()


def record_line(
    seq: int,
    recorded_at: str,
    table_name: str,
    record_id: str,
    action: str,
    changes: str | None,
    actor: str,
    reason: str | None,
) -> bytes:
    """The canonical encoding of one record's audit row, as its transaction's MAC covers it.

    Parameters
    ----------
    seq
        The row's ``seq``.
    recorded_at
        Its time stamp as UTC ISO-8601 to the microsecond.
    table_name, record_id, action, changes, actor, reason
        The row's columns as stored (``changes``: :func:`changes_text`).

    Returns
    -------
    bytes
        One line of JSON: ``["rec", seq, recorded_at, table, record, action, changes, actor,
        reason]``.
    """
    line = [_RECORD_LINE, seq, recorded_at, table_name, record_id, action, changes, actor, reason]
    return (_encode_row(line) + "\n").encode()


def mac_of(key: bytes | None, header: bytes, lines: Iterable[bytes]) -> str:
    """HMAC-SHA-256 with ``key`` (SHA-256 when None) of a header and row lines, in hex."""
    digest = hmac.new(key, digestmod=hashlib.sha256) if key is not None else hashlib.sha256()
    digest.update(header)
    for line in lines:
        digest.update(line)
    return digest.hexdigest()
