"""The audit trail read as one entry per field changed, from rows of either kind.

An ``audit_log`` row written since revision ``0010_audit_record_rows`` is one record written,
its fields in ``changes``; a row written before is one field. :func:`field_entries` reads the
trail in the order it was written and gives, for both, one :class:`FieldEntry` per field
changed — who, when, table, record, field, action, old, new, why — so that the audit history,
the export and the tests read the trail in one way. :func:`row_fields` expands one row.

A record's row whose ``changes`` cannot be read was changed behind the application's back:
reading it raises :class:`UnreadableAuditRowError`, a
:class:`~metsor.errors.ConflictError` naming the row, which the faces show as a message
(exit 2, 409) pointing to ``metsor audit verify``, and which the verification reports as a
break of the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from metsor.errors import ConflictError
from metsor.store.audit.encoding import read_changes
from metsor.store.models.core import AuditLog

__all__ = ["FieldEntry", "UnreadableAuditRowError", "field_entries", "row_fields"]

_BATCH = 5000


class UnreadableAuditRowError(ConflictError):
    """An audit row whose ``changes`` cannot be read: the trail was edited outside metsor.

    Parameters
    ----------
    seq
        The audit row.
    reason
        Why its ``changes`` cannot be read.
    """

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(
            f"audit row {seq} cannot be read (its changes: {reason}): the audit trail was "
            "changed outside metsor; `metsor audit verify` reports it"
        )
        self.seq = seq
        self.reason = reason


class FieldEntry(NamedTuple):
    """One audited change of one field.

    Attributes
    ----------
    seq
        The audit row it is in (the fields of one record written share their row).
    recorded_at
        When it was committed (aware, UTC).
    actor
        Username of the acting user.
    table_name, record_id, field
        Where the change is.
    action
        ``"insert"`` or ``"update"``.
    old_value, new_value
        Canonical JSON text of the values (None for SQL NULL or no previous value).
    reason
        Why the change was made, if stated.
    number
        Its place among the fields of its row, from 1 (``(seq, number)`` is unique).
    """

    seq: int
    recorded_at: datetime
    actor: str
    table_name: str
    record_id: str
    field: str
    action: str
    old_value: str | None
    new_value: str | None
    reason: str | None
    number: int = 1


_COLUMNS = (
    AuditLog.seq,
    AuditLog.recorded_at,
    AuditLog.actor,
    AuditLog.table_name,
    AuditLog.record_id,
    AuditLog.field,
    AuditLog.action,
    AuditLog.old_value,
    AuditLog.new_value,
    AuditLog.reason,
    AuditLog.changes,
)


def row_fields(row: Any) -> list[FieldEntry]:
    """The field entries of one ``audit_log`` row (a row of either kind, all its columns).

    Raises
    ------
    UnreadableAuditRowError
        When a record's row holds ``changes`` that cannot be read (naming the row).
    """
    if row.changes is None:
        return [
            FieldEntry(row.seq, row.recorded_at, row.actor, row.table_name, row.record_id,
                       str(row.field), row.action, row.old_value, row.new_value, row.reason)
        ]  # fmt: skip
    try:
        changes = read_changes(row.changes)
    except ValueError as exc:
        raise UnreadableAuditRowError(row.seq, str(exc)) from None
    return [
        FieldEntry(row.seq, row.recorded_at, row.actor, row.table_name, row.record_id, field,
                   row.action, old, new, row.reason, number)
        for number, (field, old, new) in enumerate(changes, start=1)
    ]  # fmt: skip


def field_entries(
    session: Session,
    *,
    table: str | None = None,
    record_id: str | None = None,
    field: str | None = None,
    since: datetime | None = None,
) -> Iterator[FieldEntry]:
    """Every audited field change, oldest first, optionally of one table, record or field.

    The rows are read in batches (bounded memory, whatever the length of the trail).

    Parameters
    ----------
    session
        A session on the trial database (only read).
    table, record_id, field
        Only the changes of that table, record (as the trail writes it: ``str`` of its key)
        or field.
    since
        Only the changes committed at or after that time (aware).

    Yields
    ------
    FieldEntry
        In the order written: by row, and within a record's row in table order.

    Raises
    ------
    UnreadableAuditRowError
        On reaching a row whose ``changes`` cannot be read (the entries before it are yielded;
        the rows' cursor is closed).
    """
    statement = select(*_COLUMNS).order_by(AuditLog.seq)
    if table is not None:
        statement = statement.where(AuditLog.table_name == table)
    if record_id is not None:
        statement = statement.where(AuditLog.record_id == record_id)
    if field is not None:
        statement = statement.where(or_(AuditLog.field == field, AuditLog.field.is_(None)))
    if since is not None:
        statement = statement.where(AuditLog.recorded_at >= since)
    result = session.execute(statement.execution_options(yield_per=_BATCH))
    try:
        for row in result:
            for entry in row_fields(row):
                if field is None or entry.field == field:
                    yield entry
    finally:
        result.close()  # a server-side cursor, when the reader stops early or a row is refused
