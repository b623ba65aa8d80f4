"""The dashboard: enrollment by site and arm against the target, and the overdue visits."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from metsor.services.dashboard import enrollment_overview
from metsor.services.visit_status import overdue_visits
from metsor.web.dependencies import ApiUser, PageUser, render, work

__all__ = ["router"]

router = APIRouter()


@router.get("/", include_in_schema=False)
def dashboard(request: Request, user: PageUser) -> Response:
    """Enrollment against the target of the trial, by site and arm; the overdue visits."""
    with work(request, user, readonly=True) as ctx:
        overview = enrollment_overview(ctx)
        overdue = overdue_visits(ctx)
    context = {"overview": overview, "overdue": overdue}
    return render(request, "dashboard.html.j2", context, principal=user)


@router.get("/api/v1/enrollment", tags=["dashboard"])
def enrollment(request: Request, user: ApiUser) -> dict[str, object]:
    """Randomized subjects by site and arm, and the target."""
    with work(request, user, readonly=True) as ctx:
        return enrollment_overview(ctx).to_dict()
