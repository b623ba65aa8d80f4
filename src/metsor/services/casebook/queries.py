"""Data queries: a question raised on one field of one casebook record, answered by the site,
closed by whoever raised it (or a data manager or an administrator): a monitor closes only the
queries they raised.

Life cycle: ``open`` → ``answered`` → ``closed``; an open query may also be closed directly
(withdrawn), with a resolution that says why. Every step is audited. The services return the
query as it then stands, a frozen :class:`QueryRecord`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select

from metsor.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from metsor.services.access import require, subject_for, visible
from metsor.services.casebook._registry import column_names, record_id_of, visible_record
from metsor.services.casebook._timeline import choice, text
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import DataQuery
from metsor.store.models.core import Subject

__all__ = [
    "QUERY_STATUSES",
    "QueryRecord",
    "answer_query",
    "close_query",
    "list_queries",
    "raise_query",
    "visible_query",
]

QUERY_STATUSES: tuple[str, ...] = ("open", "answered", "closed")
"""States of a data query."""

_CLOSE_ANY = frozenset({"admin", "data_manager"})
"""Roles that may close any query they can see; others close only those they raised."""


@dataclass(frozen=True)
class QueryRecord:
    """A data query as it stands (read-only; the stored row stays inside the service).

    Attributes
    ----------
    id, subject_id, table_name, record_id, field, question, status
        The query: its id, the subject, the record and field queried, what is asked, and
        ``open``, ``answered`` or ``closed``.
    raised_by, raised_at, answer, answered_by, answered_at, resolution, closed_by, closed_at
        Who did what, when.
    """

    id: int
    subject_id: str
    table_name: str
    record_id: int
    field: str
    question: str
    status: str
    raised_by: str
    raised_at: datetime
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    resolution: str | None
    closed_by: str | None
    closed_at: datetime | None

    @classmethod
    def of(cls, query: DataQuery) -> QueryRecord:
        """The record of a stored query."""
        return cls(**{item.name: getattr(query, item.name) for item in fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        """The fields, times as ISO 8601 text (JSON-ready)."""
        return {
            item.name: value.isoformat() if isinstance(value, datetime) else value
            for item in fields(self)
            for value in (getattr(self, item.name),)
        }


def raise_query(
    ctx: ServiceContext, *, table: str, record_id: int, field: str, question: str
) -> QueryRecord:
    """Raise a query on one field of one record.

    Parameters
    ----------
    ctx
        The service context (monitor, data manager or admin).
    table
        The casebook table (``lab_results``, ``adverse_events``, …).
    record_id
        The record's id.
    field
        The column queried.
    question
        What is asked.

    Returns
    -------
    QueryRecord
        The open query.

    Raises
    ------
    InputError
        An unknown table or field, or an empty question.
    NotFoundError
        No such record, or one of another site's subject.
    """
    require(ctx, "raise_query")
    _, subject_id = visible_record(ctx, table, record_id)
    if field not in column_names(table):
        raise InputError(
            f"{table} has no field {field!r}; fields: {', '.join(column_names(table))}",
            field="field",
        )
    query = DataQuery(
        subject_id=subject_id,
        table_name=table,
        record_id=record_id,
        field=field,
        question=text(question, "question"),
        status="open",
        raised_by=ctx.username,
    )
    ctx.session.add(query)
    ctx.session.flush()
    return QueryRecord.of(query)


def answer_query(ctx: ServiceContext, *, query_id: int, answer: str) -> QueryRecord:
    """Answer an open query (site staff).

    Raises
    ------
    NotFoundError
        No such query visible to the user.
    ConflictError
        The query is not open.
    """
    require(ctx, "answer_query")
    query = visible_query(ctx, query_id)
    if query.status != "open":
        raise ConflictError(f"query {query_id} is {query.status}, not open", field="query_id")
    query.answer = text(answer, "answer")
    query.answered_by = ctx.username
    query.answered_at = ctx.now()
    query.status = "answered"
    ctx.session.flush()
    return QueryRecord.of(query)


def close_query(ctx: ServiceContext, *, query_id: int, resolution: str) -> QueryRecord:
    """Close a query, answered or not, with a resolution.

    Whoever raised a query may close it, and so may a data manager or an administrator; a
    monitor may not close a query another user raised.

    Raises
    ------
    NotFoundError
        No such query visible to the user.
    PermissionDeniedError
        A monitor closing a query raised by someone else.
    ConflictError
        The query is already closed.
    """
    require(ctx, "raise_query")
    query = visible_query(ctx, query_id)
    if ctx.actor.role not in _CLOSE_ANY and query.raised_by != ctx.username:
        raise PermissionDeniedError(
            f"query {query_id} was raised by {query.raised_by!r}; a {ctx.actor.role} closes "
            "only the queries they raised (or a data manager does)",
            field="query_id",
        )
    if query.status == "closed":
        raise ConflictError(f"query {query_id} is already closed", field="query_id")
    query.resolution = text(resolution, "resolution")
    query.closed_by = ctx.username
    query.closed_at = ctx.now()
    query.status = "closed"
    ctx.session.flush()
    return QueryRecord.of(query)


def list_queries(
    ctx: ServiceContext, *, status: str | None = None, subject_id: str | None = None
) -> list[QueryRecord]:
    """The queries the user may see, oldest first, optionally of one status or subject."""
    require(ctx, "view_subjects")
    statement = visible(
        ctx, select(DataQuery).join(Subject, Subject.subject_id == DataQuery.subject_id)
    )
    if status is not None:
        statement = statement.where(DataQuery.status == choice(status, "status", QUERY_STATUSES))
    if subject_id is not None:
        subject_for(ctx, subject_id)
        statement = statement.where(DataQuery.subject_id == subject_id)
    return [QueryRecord.of(q) for q in ctx.session.scalars(statement.order_by(DataQuery.id))]


def visible_query(ctx: ServiceContext, query_id: int) -> DataQuery:
    """The query ``query_id`` if it exists and its subject is of the user's site.

    Raises
    ------
    NotFoundError
        ``no query N`` (naming ``query_id``) alike for a query that does not exist and for one
        of another site's subject, so that nothing of another site is revealed.
    InputError
        When ``query_id`` is not a whole number from 1 to 2^63 − 1.
    """
    query_id = record_id_of(query_id, "query_id")
    query = ctx.session.get(DataQuery, query_id)
    if query is None:
        raise NotFoundError(f"no query {query_id}", field="query_id")
    try:
        subject_for(ctx, query.subject_id)
    except NotFoundError:
        raise NotFoundError(f"no query {query_id}", field="query_id") from None
    return query
