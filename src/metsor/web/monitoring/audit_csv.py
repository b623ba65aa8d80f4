"""The audit trail as a streamed CSV answer, for the API and the pages alike.

An audit row whose changes cannot be read (the trail edited outside metsor) is answered like
any domain error (409 with the message naming the row) when it is met before the answer
starts. Met later, when the status has been sent, the download ends with one line holding
:data:`STOPPED` and the message, so that the file says it is cut short, and why.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from fastapi import Request
from fastapi.responses import StreamingResponse

from metsor.errors import MetsorError
from metsor.services.monitoring.audit_export import AUDIT_EXPORT_COLUMNS, audit_rows
from metsor.web.dependencies import work
from metsor.web.security import Principal

__all__ = ["STOPPED", "audit_csv"]

STOPPED = "export stopped"
"""The first cell of the line that ends a download cut short by an unreadable audit row."""

_ROWS_PER_CHUNK = 1000


def audit_csv(
    request: Request, user: Principal, site: str | None, since: date | None
) -> StreamingResponse:
    """The audit trail of every subject the user sees (or of a site, or since a day) as CSV.

    The rows are read from one read-only transaction while they are sent, a thousand at a
    time, so memory does not grow with the trail. A refusal (role, unknown site) is raised
    before the answer starts, so it is answered with its status, not a broken download.
    """
    context = work(request, user, readonly=True)
    ctx = context.__enter__()
    try:
        rows = audit_rows(ctx, site=site, since=since)
        first = next(rows, None)
    except BaseException as exc:
        context.__exit__(type(exc), exc, exc.__traceback__)
        raise

    def stream() -> Iterator[str]:
        try:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(AUDIT_EXPORT_COLUMNS)
            if first is not None:
                writer.writerow(first)
            try:
                for count, row in enumerate(rows, start=1):
                    writer.writerow(row)
                    if count % _ROWS_PER_CHUNK == 0:
                        yield buffer.getvalue()
                        buffer.seek(0)
                        buffer.truncate()
            except MetsorError as exc:
                writer.writerow((STOPPED, exc.message))
            yield buffer.getvalue()
        finally:
            context.__exit__(None, None, None)

    name = "audit-trail" + (f"-{site}" if site else "") + (f"-since-{since}" if since else "")
    return StreamingResponse(
        stream(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
