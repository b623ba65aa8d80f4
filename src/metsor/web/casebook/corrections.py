"""Correcting a recorded value from the casebook: the field's audit history and the form.

``/subjects/{id}/casebook/correct?table=…&record_id=…&field=…`` shows who entered and changed
the value, when and why, and — to a role that may correct data (a data manager; site staff for
their own site's subjects, as the services allow) — a form for the new value, the reason, and
the data query it answers, if any. The correction goes through the services, which check the
record again and recompute what follows from it (a grade, the tumour responses), or refuse it
and write nothing; a refusal shows the form again with the message next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import ConflictError, InputError, NotFoundError
from metsor.services.casebook.corrections import correct_value
from metsor.services.context import ServiceContext
from metsor.services.history import field_history
from metsor.web.casebook.entries import page_context
from metsor.web.casebook.forms import read_form
from metsor.web.casebook.schemas import CorrectionIn
from metsor.web.casebook.sections import SECTIONS
from metsor.web.dependencies import PageUser, checked_form, render, work
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.security import Principal

__all__ = ["correct", "router"]

router = APIRouter(include_in_schema=False, route_class=PermissionFirstRoute)


def correct(ctx: ServiceContext, subject_id: str, body: CorrectionIn) -> Any:
    """Correct the value through the services; a record of another subject is not found.

    Raises
    ------
    NotFoundError
        When the record is not one of ``subject_id``'s (the unit of work then writes nothing).
    """
    correction = correct_value(ctx, **body.model_dump())
    if correction.subject_id != subject_id:
        raise NotFoundError(
            f"no {body.table} record {body.record_id} of subject {subject_id}", field="record_id"
        )
    return correction


def _page_of(table: str) -> str:
    """The casebook page that lists records of ``table``."""
    if table.startswith("tumour_"):
        return "tumour"
    slug = next((s.slug for s in SECTIONS.values() if s.table == table), None)
    return slug or ""


def _page(
    request: Request,
    user: Principal,
    subject_id: str,
    target: tuple[str, int, str],
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    table, record_id, field = target
    context = page_context(request, user, subject_id)
    with work(request, user, readonly=True) as ctx:
        owner, changes = field_history(ctx, table=table, record_id=record_id, field=field)
    if owner != subject_id:
        raise NotFoundError(f"no {table} record {record_id} of subject {subject_id}")
    queries = [
        q
        for q in context["book"].queries
        if (q["table"], q["record_id"], q["field"]) == target and q["status"] != "closed"
    ]
    context.update(
        back=_page_of(table),
        table=table,
        record_id=record_id,
        field=field,
        changes=changes,
        current=changes[-1].new_value if changes else None,
        open_queries=queries,
        errors=errors or {},
        values=values or {},
    )
    return render(request, "correction.html.j2", context, principal=user, status_code=status_code)


@router.get("/subjects/{subject_id}/casebook/correct")
def correction_page(
    request: Request, user: PageUser, subject_id: str, table: str, record_id: int, field: str
) -> Response:
    """The field's audit history and, for a role that may correct, the correction form."""
    return _page(request, user, subject_id, (table, record_id, field))


@router.post("/subjects/{subject_id}/casebook/correct")
@acts("correct_data")
async def correction(
    request: Request, user: PageUser, subject_id: str, table: str, record_id: int, field: str
) -> Response:
    """Correct the value, giving the reason."""
    form = await checked_form(request)
    target = (table, record_id, field)

    def run() -> None:
        entry = {**form, "table": table, "record_id": str(record_id), "field": field}
        if not form.get("value", "").strip():
            entry["value"] = "null"
        with work(request, user) as ctx:  # the service states the correction's reason
            body, _ = read_form(CorrectionIn, entry)
            correct(ctx, subject_id, body)

    try:
        await run_in_threadpool(run)
    except (InputError, ConflictError) as exc:
        name = exc.field if exc.field in ("reason", "query_id") else "value"
        errors = {name: exc.message}
        status = 409 if isinstance(exc, ConflictError) else 422
        return await run_in_threadpool(
            lambda: _page(
                request, user, subject_id, target, errors=errors, values=form, status_code=status
            )
        )
    url = f"/subjects/{subject_id}/casebook/correct?table={table}&record_id={record_id}"
    return RedirectResponse(f"{url}&field={field}", status_code=303)
