"""The subjects API under ``/api/v1``: list, read, register, consent, randomize.

401 without a valid token, 404 for another site's subject, 403 for a role that may not act,
409 for a conflict (already randomized, cap reached), 422 naming the field for bad input.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from metsor.services.dashboard import subject_overview
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject
from metsor.services.reports import list_subjects
from metsor.services.screening_preview import preview_screening
from metsor.web.dependencies import ApiUser, work
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.subjects.schemas import ConsentIn, RegistrationIn, ScreeningCheckIn

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["subjects"], route_class=PermissionFirstRoute)


@router.get("/subjects")
def subjects(request: Request, user: ApiUser, status: str | None = None) -> list[dict[str, Any]]:
    """The subjects the user may see (their site's, for a site user)."""
    with work(request, user, readonly=True) as ctx:
        return [row.to_dict() for row in list_subjects(ctx, status=status)]


@router.get("/subjects/{subject_id}")
def subject(request: Request, user: ApiUser, subject_id: str) -> dict[str, Any]:
    """One subject: status, latest screening, consent and allocation."""
    with work(request, user, readonly=True) as ctx:
        return subject_overview(ctx, subject_id).to_dict()


@router.post("/subjects", status_code=201)
@acts("register_subject")
def register(request: Request, user: ApiUser, body: RegistrationIn) -> dict[str, Any]:
    """Register and screen a candidate; the verdict sets their status."""
    with work(request, user, reason="subject registered") as ctx:
        result = register_subject(
            ctx, record=body.record, site=body.site, screened_on=body.screened_on
        )
    return result.to_dict()


@router.post("/subjects/{subject_id}/consent")
@acts("record_consent")
def consent(request: Request, user: ApiUser, subject_id: str, body: ConsentIn) -> dict[str, Any]:
    """Record an eligible subject's written informed consent."""
    with work(request, user, reason="consent recorded") as ctx:
        result = record_consent(ctx, subject_id, consent_date=body.consent_date)
    return result.to_dict()


@router.post("/subjects/{subject_id}/randomize")
@acts("randomize")
def randomize(request: Request, user: ApiUser, subject_id: str) -> dict[str, Any]:
    """Randomize a consented subject (409 if already randomized or the cap is reached)."""
    with work(request, user, reason="randomized") as ctx:
        result = randomize_subject(ctx, subject_id)
    return result.to_dict()


@router.post("/screening/check")
def check(request: Request, user: ApiUser, body: ScreeningCheckIn) -> dict[str, Any]:
    """Screen a record without storing it: criteria, derived stages and verdict."""
    return preview_screening(request.app.state.metsor.database, body.record)
