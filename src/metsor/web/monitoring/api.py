"""Monitoring and sign-off in the JSON API, through the same services as the command line.

- ``GET /api/v1/sdv`` (``site``, ``subject_id``): entries verified and to verify, worklists;
- ``POST /api/v1/sdv/{table}/{record_id}``: a monitor marks an entry verified;
- ``GET /api/v1/subjects/{subject_id}/signatures``: the signatures, valid and voided, with why;
- ``POST /api/v1/subjects/{subject_id}/signatures``: an investigator signs by giving user ID
  and password again (a wrong password signs nothing and counts toward lock-out);
- ``GET /api/v1/audit/export.csv`` (``site``, ``since``): the whole trail, streamed as CSV.

:data:`router` is what the application mounts for monitoring: this API and the pages
(:mod:`.pages`, :mod:`.signoff`, :mod:`.locks`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from metsor.services.monitoring._roles import require_role
from metsor.services.monitoring.sdv import sdv_status, verify_entry
from metsor.services.monitoring.signatures import list_signatures, sign_casebook
from metsor.web.dependencies import ApiUser, state_of, work
from metsor.web.monitoring.audit_csv import audit_csv
from metsor.web.monitoring.locks import router as locks_router
from metsor.web.monitoring.pages import router as pages_router
from metsor.web.monitoring.signoff import router as signoff_router
from metsor.web.permissions import PermissionFirstRoute, acts

__all__ = ["api_router", "router"]

api_router = APIRouter(prefix="/api/v1", tags=["monitoring"], route_class=PermissionFirstRoute)


class SignatureRequest(BaseModel):
    """Both components of the signature, entered again, and what it means."""

    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    meaning: str = "approve"
    visit_id: int | None = None
    printed_name: str | None = Field(default=None, max_length=200)


@api_router.get("/sdv")
def sdv(
    request: Request, user: ApiUser, site: str | None = None, subject_id: str | None = None
) -> dict[str, Any]:
    """SDV per site and subject under the plan in force."""
    with work(request, user, readonly=True) as ctx:
        return sdv_status(ctx, site=site, subject_id=subject_id).to_dict()


@api_router.post("/sdv/{table}/{record_id}")
@acts("verify_source", require_role)
def sdv_verify(request: Request, user: ApiUser, table: str, record_id: int) -> dict[str, Any]:
    """Mark one entry verified against source (monitor)."""
    with work(request, user) as ctx:
        mark = verify_entry(ctx, table=table, record_id=record_id)
        return {"id": mark.id, "subject_id": mark.subject_id, "table": table,
                "record_id": record_id, "verified_by": mark.verified_by}  # fmt: skip


@api_router.get("/subjects/{subject_id}/signatures")
def signatures(request: Request, user: ApiUser, subject_id: str) -> dict[str, Any]:
    """The subject's signatures, oldest first."""
    with work(request, user, readonly=True) as ctx:
        return {"signatures": [s.to_dict() for s in list_signatures(ctx, subject_id)]}


@api_router.post("/subjects/{subject_id}/signatures")
@acts("sign_casebook", require_role)
def sign(
    request: Request, user: ApiUser, subject_id: str, body: SignatureRequest
) -> dict[str, Any]:
    """Sign the subject's casebook (or a visit) with user ID and password entered again."""
    signature = sign_casebook(
        state_of(request).database, acting_user=user.username, user_id=body.user_id,
        password=body.password, subject_id=subject_id, meaning=body.meaning,
        visit_id=body.visit_id, printed_name=body.printed_name,
    )  # fmt: skip
    return signature.to_dict()


@api_router.get("/audit/export.csv")
def audit_export(
    request: Request, user: ApiUser, site: str | None = None, since: date | None = None
) -> StreamingResponse:
    """The audit trail of every subject as CSV, streamed (admin, data manager, monitor)."""
    return audit_csv(request, user, site, since)


router = APIRouter()
"""The monitoring API and pages, mounted together by the application."""
router.include_router(api_router)
router.include_router(pages_router)
router.include_router(signoff_router)
router.include_router(locks_router)
