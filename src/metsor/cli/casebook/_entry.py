"""One casebook entry from the command line: written in one unit of work, then shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from metsor.cli._common import abort_on_user_error, acting, emit

if TYPE_CHECKING:
    from metsor.services.context import ServiceContext

__all__ = ["record_fields", "run_entry"]


def record_fields(record: Any) -> dict[str, Any]:
    """The fields of a casebook record a service returned, dates as ``YYYY-MM-DD``.

    A frozen record (:class:`metsor.services.casebook.queries.QueryRecord`) says them itself;
    services that still return the stored row are read by its columns.
    """
    if hasattr(record, "to_dict"):
        return dict(record.to_dict())
    from sqlalchemy import inspect

    values = {}
    for column in inspect(type(record)).columns:
        value = getattr(record, column.key)
        values[column.key] = value.isoformat() if isinstance(value, date) else value
    return values


def run_entry(
    db: str | None,
    user: str | None,
    as_json: bool,
    action: Callable[[ServiceContext], Any],
    describe: Callable[[Any], str],
) -> None:
    """Run ``action`` for ``user`` and print the record it returns, as JSON or one line.

    Parameters
    ----------
    db, user
        The ``--db`` and ``--user`` options.
    as_json
        Print the record's fields as JSON instead of ``describe(record)``.
    action
        The service call; it returns the record written.
    describe
        The line shown for the record.
    """
    with abort_on_user_error(), acting(db, user) as ctx:
        record = action(ctx)
        payload = record_fields(record)
        line = describe(record)
    emit(as_json, payload, line)
