"""The audit history of a field: a page and ``GET /api/v1/history``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from metsor.services.history import field_history
from metsor.web.casebook.entries import rights_of
from metsor.web.dependencies import ApiUser, PageUser, render, work

__all__ = ["router"]

router = APIRouter()


@router.get("/history", include_in_schema=False)
def history_page(
    request: Request, user: PageUser, table: str, record_id: int, field: str
) -> Response:
    """Who changed the field, when, from what to what, and why."""
    with work(request, user, readonly=True) as ctx:
        subject_id, changes = field_history(ctx, table=table, record_id=record_id, field=field)
    context = {
        **rights_of(user),
        "subject_id": subject_id,
        "table": table,
        "record_id": record_id,
        "field": field,
        "changes": changes,
    }
    return render(request, "history.html.j2", context, principal=user)


@router.get("/api/v1/history", tags=["casebook"])
def history(
    request: Request, user: ApiUser, table: str, record_id: int, field: str
) -> dict[str, Any]:
    """The audit history of one field of one casebook record, oldest first."""
    with work(request, user, readonly=True) as ctx:
        subject_id, changes = field_history(ctx, table=table, record_id=record_id, field=field)
    return {"subject_id": subject_id, "changes": [c.to_dict() for c in changes]}
