"""The casebook and queries API under ``/api/v1``: labs, adverse events, data queries, and
(:mod:`~.api_entries`) every other kind of entry, corrections and the visit schedule.

Status codes as everywhere: 401 without a valid token, 404 for another site's subject or
query, 403 for a role that may not act, 409 for a conflict, 422 naming the field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from metsor.services.casebook.adverse_events import record_adverse_event
from metsor.services.casebook.labs import record_lab
from metsor.services.casebook.queries import answer_query, close_query, list_queries, raise_query
from metsor.services.casebook_view import query_row, subject_casebook
from metsor.web.casebook import api_entries
from metsor.web.casebook.schemas import (
    AdverseEventIn,
    LabIn,
    QueryAnswerIn,
    QueryCloseIn,
    QueryIn,
)
from metsor.web.dependencies import ApiUser, work
from metsor.web.permissions import PermissionFirstRoute, acts

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["casebook"], route_class=PermissionFirstRoute)


@router.get("/subjects/{subject_id}/casebook")
def casebook(request: Request, user: ApiUser, subject_id: str) -> dict[str, Any]:
    """The subject's laboratory values (with grades), adverse events and queries."""
    with work(request, user, readonly=True) as ctx:
        return subject_casebook(ctx, subject_id).to_dict()


@router.post("/subjects/{subject_id}/labs", status_code=201)
@acts("enter_casebook")
def lab(request: Request, user: ApiUser, subject_id: str, body: LabIn) -> dict[str, Any]:
    """Record a laboratory value; the answer carries its CTCAE grade."""
    with work(request, user, reason="laboratory value entered") as ctx:
        result = record_lab(ctx, subject_id=subject_id, **body.model_dump())
        return {
            "id": result.id,
            "analyte": result.analyte,
            "grade": result.ctcae_grade,
            "term": result.ctcae_term,
        }


@router.post("/subjects/{subject_id}/adverse-events", status_code=201)
@acts("enter_casebook")
def adverse_event(
    request: Request, user: ApiUser, subject_id: str, body: AdverseEventIn
) -> dict[str, Any]:
    """Record an adverse event."""
    with work(request, user, reason="adverse event entered") as ctx:
        event = record_adverse_event(ctx, subject_id=subject_id, **body.model_dump())
        return {"id": event.id, "term": event.term, "grade": event.grade}


@router.get("/queries")
def queries(
    request: Request, user: ApiUser, status: str | None = None, subject_id: str | None = None
) -> list[dict[str, Any]]:
    """The data queries the user may see, oldest first."""
    with work(request, user, readonly=True) as ctx:
        return [query_row(q) for q in list_queries(ctx, status=status, subject_id=subject_id)]


@router.post("/queries", status_code=201)
@acts("raise_query")
def raise_one(request: Request, user: ApiUser, body: QueryIn) -> dict[str, Any]:
    """Raise a query on one field of one record (monitor, data manager, admin)."""
    with work(request, user, reason="query raised") as ctx:
        return query_row(raise_query(ctx, **body.model_dump()))


@router.post("/queries/{query_id}/answer")
@acts("answer_query")
def answer(request: Request, user: ApiUser, query_id: int, body: QueryAnswerIn) -> dict[str, Any]:
    """Answer an open query (site staff)."""
    with work(request, user, reason="query answered") as ctx:
        return query_row(answer_query(ctx, query_id=query_id, answer=body.answer))


@router.post("/queries/{query_id}/close")
@acts("raise_query")
def close(request: Request, user: ApiUser, query_id: int, body: QueryCloseIn) -> dict[str, Any]:
    """Close a query with its resolution."""
    with work(request, user, reason="query closed") as ctx:
        return query_row(close_query(ctx, query_id=query_id, resolution=body.resolution))


router.include_router(api_entries.router)
