"""Subject pages: the list, the screening form with its live checklist, consent, randomize.

A form with a bad value is shown again with the message next to the field and every other
value kept; nothing is written (the service's transaction is rolled back).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import InputError
from metsor.services.dashboard import subject_overview
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject
from metsor.services.reports import list_subjects
from metsor.services.screening_preview import preview_screening
from metsor.web.dependencies import PageUser, checked_form, render, work
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.security import Principal
from metsor.web.subjects.dependencies import site_choices, today_text
from metsor.web.subjects.form import record_from_form, sections

__all__ = ["router"]

router = APIRouter(prefix="/subjects", include_in_schema=False, route_class=PermissionFirstRoute)


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


@router.get("")
def subject_list(request: Request, user: PageUser, q: str = "") -> Response:
    """The subjects the user may see, searched by identifier, status or arm."""
    with work(request, user, readonly=True) as ctx:
        rows = list_subjects(ctx)
    needle = q.strip().lower()[:64]
    if needle:
        rows = [
            r
            for r in rows
            if needle in r.subject_id.lower() or needle in r.status or needle in (r.arm or "")
        ]
    return render(request, "subjects.html.j2", {"rows": rows, "q": q[:64]}, principal=user)


def _screening_page(
    request: Request,
    user: Principal,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status_code: int = 200,
) -> Response:
    record = record_from_form(values)
    context = {
        "sections": sections(),
        "values": values,
        "errors": errors,
        "sites": site_choices(request, user),
        "today": today_text(request),
        "preview": preview_screening(request.app.state.metsor.database, record),
    }
    return render(request, "screening.html.j2", context, principal=user, status_code=status_code)


@router.get("/new")
def screening_form(request: Request, user: PageUser) -> Response:
    """An empty screening form (units and upper limits of normal pre-filled)."""
    values = {f.name: f.default for _, fields in sections() for f in fields if f.default}
    return _screening_page(request, user, values, {})


@router.post("/new")
@acts("register_subject")
async def register(request: Request, user: PageUser) -> Response:
    """Register and screen the candidate of the form, or show the form again with the error."""
    form = await checked_form(request)

    def write() -> str:
        screened_on = _day(form.get("screened_on", ""), "screened_on")
        with work(request, user, reason="subject registered") as ctx:
            return register_subject(
                ctx,
                record=record_from_form(form),
                site=form.get("site") or None,
                screened_on=screened_on,
            ).subject_id

    try:
        subject_id = await run_in_threadpool(write)
    except InputError as exc:
        errors = {exc.field or "form": exc.message}
        return await run_in_threadpool(_screening_page, request, user, form, errors, 422)
    return RedirectResponse(f"/subjects/{subject_id}", status_code=303)


@router.post("/check")
async def check(request: Request, user: PageUser) -> Response:
    """The live checklist: the form's record screened, nothing stored (JSON)."""
    form = await checked_form(request)
    database = request.app.state.metsor.database
    return JSONResponse(
        await run_in_threadpool(preview_screening, database, record_from_form(form))
    )


def _subject_page(
    request: Request,
    user: Principal,
    subject_id: str,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with work(request, user, readonly=True) as ctx:
        overview = subject_overview(ctx, subject_id)
    context: dict[str, Any] = {
        "subject": overview,
        "errors": errors or {},
        "values": values or {},
        "today": today_text(request),
    }
    return render(request, "subject.html.j2", context, principal=user, status_code=status_code)


@router.get("/{subject_id}")
def subject_page(request: Request, user: PageUser, subject_id: str) -> Response:
    """A subject: status, screening checklist, consent, allocation."""
    return _subject_page(request, user, subject_id)


@router.post("/{subject_id}/consent")
@acts("record_consent")
async def consent(request: Request, user: PageUser, subject_id: str) -> Response:
    """Record the subject's consent on the day given."""
    form = await checked_form(request)

    def write() -> None:
        day = _day(form.get("consent_date", ""), "consent_date")
        with work(request, user, reason="consent recorded") as ctx:
            record_consent(ctx, subject_id, consent_date=day)

    try:
        await run_in_threadpool(write)
    except InputError as exc:
        errors = {exc.field or "consent_date": exc.message}
        return await run_in_threadpool(_subject_page, request, user, subject_id, errors, form, 422)
    return RedirectResponse(f"/subjects/{subject_id}", status_code=303)


@router.get("/{subject_id}/randomize")
def confirm_randomization(request: Request, user: PageUser, subject_id: str) -> Response:
    """The confirmation step: who is about to be randomized (nothing of the next arm)."""
    with work(request, user, readonly=True) as ctx:
        overview = subject_overview(ctx, subject_id)
    return render(
        request, "randomize.html.j2", {"subject": overview, "result": None}, principal=user
    )


@router.post("/{subject_id}/randomize")
@acts("randomize")
async def randomize(request: Request, user: PageUser, subject_id: str) -> Response:
    """Randomize the subject once confirmed; show the arm, list position and time."""
    await checked_form(request)

    def write() -> Any:
        with work(request, user, reason="randomized") as ctx:
            result = randomize_subject(ctx, subject_id)
        with work(request, user, readonly=True) as ctx:
            return subject_overview(ctx, subject_id), result

    overview, result = await run_in_threadpool(write)
    return render(
        request, "randomize.html.j2", {"subject": overview, "result": result}, principal=user
    )
