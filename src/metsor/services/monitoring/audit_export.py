"""The whole audit trail as a report, streamed in bounded memory.

:func:`audit_rows` yields the trail one field change a line in the order it was written (read
by :func:`metsor.store.audit.field_entries` in batches, never all at once), each with the
subject the changed record belongs to, optionally only for one site's subjects and from a day
on. The command line writes it as CSV (``metsor audit export --out FILE.csv``); the web offers
the same as a download. Memory grows with the number of records (to name each row's subject),
not with the trail.

The columns (:data:`AUDIT_EXPORT_COLUMNS`): ``seq`` is the audit row the change is stored in
(since revision ``0010_audit_record_rows`` one row per record written, so the fields of one
record share it), ``field_number`` the field's place within that row from 1 (always 1 in a
row of one field, written before that revision): ``(seq, field_number)`` names each line
uniquely and stably. ``field_number`` is the last column, so that readers of the columns
before it keep working.

A row whose changes cannot be read (edited outside metsor) stops the export with
:class:`~metsor.store.audit.UnreadableAuditRowError`, naming the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select

from metsor.errors import InputError
from metsor.services.context import ServiceContext
from metsor.services.monitoring._roles import require_role
from metsor.store.audit import field_entries
from metsor.store.base import Base
from metsor.store.models import casebook as tables
from metsor.store.models.core import Site, Subject

__all__ = ["AUDIT_EXPORT_COLUMNS", "audit_rows"]

AUDIT_EXPORT_COLUMNS: tuple[str, ...] = (
    "seq",
    "recorded_at",
    "actor",
    "subject_id",
    "table",
    "record_id",
    "field",
    "action",
    "old_value",
    "new_value",
    "reason",
    "field_number",
)
"""The columns of the export, in order (see the module docstring)."""

_CHILDREN: dict[str, tuple[type[Any], str, type[Any]]] = {
    "adverse_event_drugs": (tables.AdverseEventDrug, "adverse_event_id", tables.AdverseEvent),
    "tumour_lesions": (tables.TumourLesion, "assessment_id", tables.TumourAssessment),
}


def _owners(ctx: ServiceContext, site_id: int | None) -> dict[str, dict[str, str]]:
    """Per audited table with a subject: record id (as the trail writes it) → subject."""
    subjects = select(Subject.subject_id)
    if site_id is not None:
        subjects = subjects.where(Subject.site_id == site_id)
    owners: dict[str, dict[str, str]] = {
        "subjects": {sid: sid for sid in ctx.session.scalars(subjects)}
    }
    for mapper in Base.registry.mappers:
        model = mapper.class_
        column = getattr(model, "subject_id", None)
        key = getattr(model, "id", None)
        if column is None or key is None or model.__tablename__ == "subjects":
            continue
        statement = select(key, column)
        if site_id is not None:
            statement = statement.where(column.in_(subjects))
        owners[model.__tablename__] = {
            str(rid): str(sid) for rid, sid in ctx.session.execute(statement)
        }
    for table, (model, parent_column, parent) in _CHILDREN.items():
        parents = owners.get(str(parent.__tablename__), {})
        owners[table] = {
            str(rid): parents[str(pid)]
            for rid, pid in ctx.session.execute(select(model.id, getattr(model, parent_column)))
            if str(pid) in parents
        }
    return owners


def audit_rows(
    ctx: ServiceContext, *, site: str | None = None, since: date | None = None
) -> Iterator[tuple[object, ...]]:
    """The audit trail, row by row, as :data:`AUDIT_EXPORT_COLUMNS`.

    Parameters
    ----------
    ctx
        The service context (admin, data manager, monitor; a monitor of a site sees only
        that site's rows).
    site
        A site code: only the rows about that site's subjects.
    since
        Only the rows recorded on or after that day (UTC).

    Yields
    ------
    tuple
        One field change: audit row, time (ISO, UTC), actor, subject (empty when the record
        is not a subject's), table, record id, field, action, old value, new value, reason,
        and the field's place within its audit row.

    Raises
    ------
    InputError
        An unknown site.
    UnreadableAuditRowError
        On reaching an audit row whose changes cannot be read (naming it).
    """
    require_role(ctx, "export_audit")
    site_id = ctx.actor.site_id
    if site is not None:
        row = ctx.session.scalars(select(Site).where(Site.code == site)).one_or_none()
        if row is None or (site_id is not None and row.id != site_id):
            raise InputError(f"no site {site!r}", field="site")
        site_id = row.id
    owners = _owners(ctx, site_id)
    start = datetime.combine(since, time(), UTC) if since is not None else None
    for entry in field_entries(ctx.session, since=start):
        subject = owners.get(entry.table_name, {}).get(entry.record_id)
        if site_id is not None and subject is None:
            continue
        yield (entry.seq, entry.recorded_at.isoformat(), entry.actor, subject or "",
               entry.table_name, entry.record_id, entry.field, entry.action, entry.old_value,
               entry.new_value, entry.reason, entry.number)  # fmt: skip
