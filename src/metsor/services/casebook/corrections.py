"""Correcting a recorded value: one field of one record, with a reason.

The change is written to the record, to ``data_corrections`` (old value, new value, reason,
the query it answers if any) and, through the audit hooks, to the audit trail with the reason.
The record is then checked again as on entry — date-order rules, duplicates, the label's
dosing rules — and what is derived from it is recomputed (a laboratory grade, the tumour
responses), or the whole correction is refused and nothing is written. The service returns
the correction as a frozen :class:`CorrectionRecord`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from metsor.errors import ConflictError, InputError
from metsor.services.access import require
from metsor.services.casebook._registry import (
    TABLES,
    casebook_table,
    column_names,
    parse_value,
    visible_record,
)
from metsor.services.casebook._timeline import text
from metsor.services.casebook.queries import visible_query
from metsor.services.context import ServiceContext
from metsor.services.monitoring.guard import note_corrected
from metsor.store.audit.hooks import encode_column
from metsor.store.models.casebook import DataCorrection

__all__ = ["CORRECTABLE_FIELDS", "CorrectionRecord", "correct_value"]

CORRECTABLE_FIELDS: dict[str, tuple[str, ...]] = {
    name: table.correctable for name, table in TABLES.items()
}
"""For each casebook table, the fields a correction may change."""


@dataclass(frozen=True)
class CorrectionRecord:
    """A correction as written (read-only; the stored row stays inside the service).

    Attributes
    ----------
    id, subject_id, table_name, record_id, field
        The correction and the field of the record it changed.
    old_value, new_value
        The values as the audit trail encodes them.
    reason, query_id, corrected_by, corrected_at
        Why, the query it answers (if any), who and when.
    """

    id: int
    subject_id: str
    table_name: str
    record_id: int
    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    query_id: int | None
    corrected_by: str
    corrected_at: datetime

    @classmethod
    def of(cls, correction: DataCorrection) -> CorrectionRecord:
        """The record of a stored correction."""
        return cls(**{item.name: getattr(correction, item.name) for item in fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        """The fields, the time as ISO 8601 text (JSON-ready)."""
        return {
            item.name: value.isoformat() if isinstance(value, datetime) else value
            for item in fields(self)
            for value in (getattr(self, item.name),)
        }


def correct_value(
    ctx: ServiceContext,
    *,
    table: str,
    record_id: int,
    field: str,
    value: object,
    reason: str,
    query_id: int | None = None,
) -> CorrectionRecord:
    """Change one recorded value, giving the reason.

    Parameters
    ----------
    ctx
        The service context (a role allowed to correct data).
    table
        The casebook table.
    record_id
        The record's id.
    field
        One of :data:`CORRECTABLE_FIELDS` for the table.
    value
        The new value: a value of the column's type, or its text (``2016-03-01``, ``12.5``,
        ``true``; ``null`` to clear an optional field).
    reason
        Why the value is changed; required.
    query_id
        The data query this correction answers, if any (of the same record and field).

    Returns
    -------
    CorrectionRecord
        The correction as stored.

    Raises
    ------
    InputError
        No reason, an unknown table or field, a field that cannot be corrected (derived or
        bookkeeping), a value the column cannot hold or the record's checks refuse, or a new
        value equal to the old one.
    NotFoundError
        No such record or query visible to the user.
    ConflictError
        A new value that breaks the date-order, duplicate or dosing rules, or a query that is
        closed or about another field.
    """
    require(ctx, "correct_data")
    why = text(reason, "reason")
    spec = casebook_table(table)
    if field not in spec.correctable:
        derived = field in column_names(table)
        problem = "is derived or bookkeeping and follows from" if derived else "is not one of"
        raise InputError(
            f"{table}.{field} {problem} the correctable fields: {', '.join(spec.correctable)}",
            field="field",
        )
    record, subject_id = visible_record(ctx, table, record_id)
    if query_id is not None:
        _check_query(ctx, query_id, table, record_id, field)
    new = parse_value(table, field, value)
    old = getattr(record, field)
    model = spec.model
    old_text, new_text = encode_column(model, field, old), encode_column(model, field, new)
    if old_text == new_text:
        raise InputError(f"{table}.{field} of record {record_id} is already {old!r}", field="value")
    ctx.set_reason(why)
    setattr(record, field, new)
    note_corrected(ctx.session, record, (field,))
    try:
        spec.revalidate(ctx, record)
    except Exception:
        setattr(record, field, old)  # the unit of work rolls back; leave nothing changed
        raise
    correction = DataCorrection(
        subject_id=subject_id,
        table_name=table,
        record_id=record_id,
        field=field,
        old_value=old_text,
        new_value=encode_column(model, field, getattr(record, field)),
        reason=why,
        query_id=query_id,
        corrected_by=ctx.username,
    )
    ctx.session.add(correction)
    ctx.session.flush()
    return CorrectionRecord.of(correction)


def _check_query(
    ctx: ServiceContext, query_id: int, table: str, record_id: int, field: str
) -> None:
    query = visible_query(ctx, query_id)
    if (query.table_name, query.record_id, query.field) != (table, record_id, field):
        raise ConflictError(
            f"query {query_id} is about {query.table_name} {query.record_id} "
            f"{query.field}, not {table} {record_id} {field}",
            field="query_id",
        )
    if query.status == "closed":
        raise ConflictError(f"query {query_id} is closed", field="query_id")
