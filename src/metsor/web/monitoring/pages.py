"""The monitoring pages: source data verification, edit checks and the audit trail download.

- ``GET /monitoring/sdv`` (``site``, ``subject``): entries verified and to verify per site and
  subject under the SDV plan, the monitor's worklist with a Verify button per entry; one
  subject's entries with who verified each, and for an entry to verify again the change that
  cleared its mark;
- ``POST /monitoring/sdv/verify``: a monitor marks an entry verified (others: 403);
- ``POST /monitoring/sdv/plan``: a data manager chooses 100% or targeted SDV, with the reason;
- ``GET``/``POST /monitoring/checks``: the edit checks run on demand (data manager, monitor);
- ``GET /monitoring/audit`` and ``GET /monitoring/audit.csv``: the whole audit trail as a
  streamed CSV download (data manager, monitor, administrator).

Every page goes through the same services as the command line and the API: the roles, the
site of a site user and the locks are checked there.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import InputError
from metsor.services.monitoring._roles import MONITORING_ROLES, require_role
from metsor.services.monitoring.edit_checks import run_edit_checks
from metsor.services.monitoring.entries import ENTRY_LABELS
from metsor.services.monitoring.sdv import (
    SDV_PLANS,
    sdv_status,
    set_sdv_plan,
    subject_entries,
    verify_entry,
)
from metsor.web.dependencies import PageUser, checked_form, render, work
from metsor.web.monitoring.audit_csv import audit_csv
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.security import Principal

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=PermissionFirstRoute)

_WORKLIST_SHOWN = 200


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _day(value: str | None, field: str) -> date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{field} must be a date (YYYY-MM-DD), got {text[:40]!r}", field=field
        ) from None


def _sdv_context(
    user: Principal, request: Request, site: str | None, subject: str | None
) -> dict[str, Any]:
    with work(request, user, readonly=True) as ctx:
        status = sdv_status(ctx, site=site)
        entries = subject_entries(ctx, subject) if subject else ()
    worklist = [
        (row.subject_id, row.site, item.split(" ")[0], int(item.split(" ")[1]))
        for row in status.subjects
        for item in row.worklist
    ]
    return {
        "active": "monitoring",
        "tab": "sdv",
        "status": status,
        "sites": sorted(status.per_site().items()),
        "site": site or "",
        "subject": subject,
        "entries": entries,
        "worklist": worklist[:_WORKLIST_SHOWN],
        "worklist_total": len(worklist),
        "labels": ENTRY_LABELS,
        "can_verify": user.role in MONITORING_ROLES["verify_source"],
        "plans": SDV_PLANS,
        "can_set_plan": user.role in MONITORING_ROLES["set_sdv_plan"],
        "errors": {},
        "values": {},
    }


@router.get("/monitoring")
def monitoring(user: PageUser) -> Response:
    """The monitoring pages start at SDV."""
    return RedirectResponse("/monitoring/sdv", status_code=303)


@router.get("/monitoring/sdv")
async def sdv_page(
    request: Request, user: PageUser, site: str | None = None, subject: str | None = None
) -> Response:
    """SDV per site and subject, the worklist, and one subject's entries."""
    context = await run_in_threadpool(_sdv_context, user, request, _text(site), _text(subject))
    return render(request, "monitoring/sdv.html.j2", context, principal=user)


@router.post("/monitoring/sdv/verify")
@acts("verify_source", require_role)
async def sdv_verify(request: Request, user: PageUser) -> Response:
    """Mark one entry verified against source, then show the page it was verified from."""
    form = await checked_form(request)
    record = form.get("record_id", "")
    if not record.isdigit():
        raise InputError("the entry's record id must be a whole number", field="record_id")

    def run() -> str:
        with work(request, user, reason="verified against source") as ctx:
            mark = verify_entry(ctx, table=form.get("table", ""), record_id=int(record))
            return mark.subject_id

    subject_id = await run_in_threadpool(run)
    back = (
        "/monitoring/sdv?subject=" + subject_id
        if form.get("back") == "subject"
        else (
            "/monitoring/sdv" + (f"?site={form['site']}" if form.get("site", "").isalnum() else "")
        )
    )
    return RedirectResponse(f"{back}#{form.get('table', '')}-{record}", status_code=303)


@router.post("/monitoring/sdv/plan")
@acts("set_sdv_plan", require_role)
async def sdv_plan_change(request: Request, user: PageUser) -> Response:
    """Choose 100% (``full``) or ``targeted`` SDV, giving the reason."""
    form = await checked_form(request)

    def run() -> None:
        with work(request, user) as ctx:
            set_sdv_plan(ctx, plan=form.get("plan", ""), reason=form.get("reason", ""))

    try:
        await run_in_threadpool(run)
    except InputError as exc:
        context = await run_in_threadpool(_sdv_context, user, request, None, None)
        context["errors"] = {exc.field or "form": exc.message}
        context["values"] = form
        return render(request, "monitoring/sdv.html.j2", context, principal=user,
                      status_code=422)  # fmt: skip
    return RedirectResponse("/monitoring/sdv", status_code=303)


@router.get("/monitoring/checks")
def checks_page(request: Request, user: PageUser) -> Response:
    """The edit checks, with a button to run them now."""
    context = {"active": "monitoring", "tab": "checks", "run": None, "site": "", "error": None}
    return render(request, "monitoring/checks.html.j2", context, principal=user)


@router.post("/monitoring/checks")
async def checks_run(request: Request, user: PageUser) -> Response:
    """Run every edit check now (on a site's subjects, if one is given) and show what it did."""
    form = await checked_form(request)
    site = _text(form.get("site"))

    def run() -> Any:
        with work(request, user) as ctx:
            return run_edit_checks(ctx, site=site)

    try:
        result = await run_in_threadpool(run)
    except InputError as exc:
        context = {"active": "monitoring", "tab": "checks", "run": None, "site": site or "",
                   "error": exc.message}  # fmt: skip
        return render(request, "monitoring/checks.html.j2", context, principal=user,
                      status_code=422)  # fmt: skip
    context = {"active": "monitoring", "tab": "checks", "run": result, "site": site or "",
               "error": None}  # fmt: skip
    return render(request, "monitoring/checks.html.j2", context, principal=user)


@router.get("/monitoring/audit")
def audit_page(request: Request, user: PageUser) -> Response:
    """The audit trail download form."""
    context = {
        "active": "monitoring",
        "tab": "audit",
        "can_export": user.role in MONITORING_ROLES["export_audit"],
    }
    return render(request, "monitoring/audit.html.j2", context, principal=user)


@router.get("/monitoring/audit.csv")
def audit_download(
    request: Request, user: PageUser, site: str | None = None, since: str | None = None
) -> StreamingResponse:
    """The whole audit trail (or a site's, or since a day) as CSV, streamed."""
    return audit_csv(request, user, _text(site), _day(since, "since"))
