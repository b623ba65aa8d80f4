"""The casebook pages: the subject's casebook with its visit schedule (where a visit due or
overdue is recorded as not done, with its reason), labs (with CTCAE grades), adverse events
and queries, and — from :mod:`~.entries`, :mod:`~.tumour` and
:mod:`~.corrections` — a page for each other kind of entry and for corrections.

Each entry form posts to the services (one audited transaction each); a bad value shows the
form again with the message next to its field and the other values kept, nothing written.
A query's field is highlighted in the table it points at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import ConflictError, InputError
from metsor.services.casebook.adverse_events import record_adverse_event
from metsor.services.casebook.labs import record_lab
from metsor.services.casebook.missed_visits import record_missed_visit
from metsor.services.casebook.queries import answer_query, close_query, raise_query
from metsor.services.casebook_view import (
    ACTIONS_TAKEN,
    LAB_ANALYTES,
    OUTCOMES,
    RELATEDNESS,
    subject_casebook,
)
from metsor.services.context import ServiceContext
from metsor.services.monitoring.signatures import list_signatures
from metsor.web.casebook import corrections, entries, tumour
from metsor.web.casebook.forms import read_form
from metsor.web.casebook.schemas import AdverseEventIn, LabIn, MissedVisitIn
from metsor.web.dependencies import PageUser, checked_form, render, state_of, work
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.security import Principal

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=PermissionFirstRoute)


def _page(
    request: Request,
    user: Principal,
    subject_id: str,
    *,
    form: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with work(request, user, readonly=True) as ctx:
        view = subject_casebook(ctx, subject_id)
        signatures = list_signatures(ctx, subject_id)
    queried = {
        (q["table"], q["record_id"], q["field"]) for q in view.queries if q["status"] != "closed"
    }
    context: dict[str, Any] = {
        "book": view,
        "signatures": signatures,
        "signoff_subject": view.subject_id,
        "queried": queried,
        "form": form,
        "errors": errors or {},
        "values": values or {},
        "today": state_of(request).database.clock().date().isoformat(),
        "analytes": LAB_ANALYTES,
        "outcomes": OUTCOMES,
        "relatedness": RELATEDNESS,
        "actions": ACTIONS_TAKEN,
        **entries.rights_of(user),
    }
    return render(request, "casebook.html.j2", context, principal=user, status_code=status_code)


async def _submit(
    request: Request,
    user: Principal,
    subject_id: str,
    form_name: str,
    reason: str,
    write: Callable[[ServiceContext, dict[str, str]], object],
) -> Response:
    form = await checked_form(request)

    def run() -> None:
        with work(request, user, reason=reason) as ctx:
            write(ctx, form)

    try:
        await run_in_threadpool(run)
    except (InputError, ConflictError) as exc:
        errors = {exc.field or "form": exc.message}
        status = 409 if isinstance(exc, ConflictError) else 422
        return await run_in_threadpool(
            lambda: _page(
                request,
                user,
                subject_id,
                form=form_name,
                errors=errors,
                values=form,
                status_code=status,
            )
        )
    return RedirectResponse(f"/subjects/{subject_id}/casebook", status_code=303)


@router.get("/subjects/{subject_id}/casebook")
def casebook(request: Request, user: PageUser, subject_id: str) -> Response:
    """The subject's casebook."""
    return _page(request, user, subject_id)


@router.post("/subjects/{subject_id}/casebook/labs")
@acts("enter_casebook")
async def lab(request: Request, user: PageUser, subject_id: str) -> Response:
    """Record a laboratory value (graded by CTCAE)."""

    def write(ctx: ServiceContext, form: dict[str, str]) -> object:
        body, _ = read_form(LabIn, form)
        return record_lab(ctx, subject_id=subject_id, **body.model_dump())

    return await _submit(request, user, subject_id, "lab", "laboratory value entered", write)


@router.post("/subjects/{subject_id}/casebook/missed-visits")
@acts("enter_casebook")
async def missed_visit(request: Request, user: PageUser, subject_id: str) -> Response:
    """Record a visit of the schedule as not done, with its reason."""

    def write(ctx: ServiceContext, form: dict[str, str]) -> object:
        body, _ = read_form(MissedVisitIn, form)
        return record_missed_visit(ctx, subject_id=subject_id, **body.model_dump())

    return await _submit(request, user, subject_id, "missed", "visit recorded as not done", write)


@router.post("/subjects/{subject_id}/casebook/adverse-events")
@acts("enter_casebook")
async def adverse_event(request: Request, user: PageUser, subject_id: str) -> Response:
    """Record an adverse event."""

    def write(ctx: ServiceContext, form: dict[str, str]) -> object:
        body, _ = read_form(AdverseEventIn, form)
        return record_adverse_event(ctx, subject_id=subject_id, **body.model_dump())

    return await _submit(request, user, subject_id, "ae", "adverse event entered", write)


@router.post("/subjects/{subject_id}/casebook/queries")
@acts("raise_query")
async def raise_one(request: Request, user: PageUser, subject_id: str) -> Response:
    """Raise a query on one field of one record."""

    def write(ctx: ServiceContext, form: dict[str, str]) -> object:
        table, _, record = form.get("record", "").partition(":")
        if not record.isdigit():
            raise InputError("choose the record the query is about", field="record")
        return raise_query(
            ctx,
            table=table,
            record_id=int(record),
            field=form.get("field", ""),
            question=form.get("question", ""),
        )

    return await _submit(request, user, subject_id, "query", "query raised", write)


@router.post("/subjects/{subject_id}/casebook/queries/{query_id}/answer")
@acts("answer_query")
async def answer(request: Request, user: PageUser, subject_id: str, query_id: int) -> Response:
    """Answer an open query."""

    def write(ctx: ServiceContext, form: dict[str, str]) -> object:
        return answer_query(ctx, query_id=query_id, answer=form.get("answer", ""))

    return await _submit(request, user, subject_id, f"answer-{query_id}", "query answered", write)


@router.post("/subjects/{subject_id}/casebook/queries/{query_id}/close")
@acts("raise_query")
async def close(request: Request, user: PageUser, subject_id: str, query_id: int) -> Response:
    """Close a query with its resolution."""

    def write(ctx: ServiceContext, form: dict[str, str]) -> object:
        return close_query(ctx, query_id=query_id, resolution=form.get("resolution", ""))

    return await _submit(request, user, subject_id, f"close-{query_id}", "query closed", write)


# The pages of the other entries, of tumour assessments and of corrections.
for _pages in (corrections.router, tumour.router, entries.router):
    router.include_router(_pages)
