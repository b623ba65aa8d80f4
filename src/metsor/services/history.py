"""The audit history of one field of one casebook record: who, when, old, new, why.

Read from the audit trail (``audit_log``), oldest first, for a user who may see the record
(another site's record is not found).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from metsor.errors import InputError
from metsor.services.access import require
from metsor.services.casebook._registry import column_names, visible_record
from metsor.services.context import ServiceContext
from metsor.store.models.core import AuditLog

__all__ = ["FieldChange", "field_history"]


@dataclass(frozen=True)
class FieldChange:
    """One audited change of a field."""

    recorded_at: str
    actor: str
    action: str
    old_value: str | None
    new_value: str | None
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)


def field_history(
    ctx: ServiceContext, *, table: str, record_id: int, field: str
) -> tuple[str, list[FieldChange]]:
    """The subject of the record and every audited change of its ``field``, oldest first.

    Raises
    ------
    InputError
        An unknown table or field.
    NotFoundError
        No such record, or one of another site's subject.
    """
    require(ctx, "view_subjects")
    _, subject_id = visible_record(ctx, table, record_id)
    if field not in column_names(table):
        raise InputError(f"{table} has no field {field!r}", field="field")
    rows = ctx.session.scalars(
        select(AuditLog)
        .where(
            AuditLog.table_name == table,
            AuditLog.record_id == str(record_id),
            AuditLog.field == field,
        )
        .order_by(AuditLog.seq)
    )
    return subject_id, [
        FieldChange(
            recorded_at=row.recorded_at.isoformat(),
            actor=row.actor,
            action=row.action,
            old_value=row.old_value,
            new_value=row.new_value,
            reason=row.reason,
        )
        for row in rows
    ]
