"""The audit history of one field of one casebook record: who, when, old, new, why.

Read from the audit trail (:func:`metsor.store.audit.field_entries`: rows of one field and rows
of one record alike), oldest first, for a user who may see the record (another site's record
is not found).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from metsor.errors import InputError
from metsor.services.access import require
from metsor.services.casebook._registry import column_names, visible_record
from metsor.services.context import ServiceContext
from metsor.store.audit import field_entries

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
    rows = field_entries(ctx.session, table=table, record_id=str(record_id), field=field)
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
