"""The sign-off page of a subject: its signatures and, for its site's investigators, signing.

``GET /subjects/{subject_id}/signoff`` shows every signature — printed name, UTC time,
meaning, the rows and digest it is linked to — and a voided one with the change that voided
it. ``POST`` signs the casebook or one visit (21 CFR Part 11): the investigator chooses the
meaning, whose text is shown, and enters the password again; the first signature made in the
browser's login session needs both components, the user ID and the password
(§11.200(a)(1)(i)), later ones in that session the password (signatures made meanwhile from
the command line or the API do not count: :mod:`metsor.web.monitoring.signing_session`). A
wrong password signs nothing, is shown by the field and counts toward lock-out; a role other
than investigator is refused with 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import ConflictError, InputError, PermissionDeniedError
from metsor.services.monitoring._roles import require_role
from metsor.services.monitoring.signatures import (
    MEANINGS,
    list_signatures,
    printed_name_of,
    sign_casebook,
    signable_visits,
)
from metsor.web.dependencies import PageUser, checked_form, render, state_of, work
from metsor.web.monitoring.signing_session import mark_signed, signed_in_session
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.security import Principal

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=PermissionFirstRoute)

_FORM_FIELDS = frozenset({"user_id", "password", "name", "meaning", "scope"})


def _context(request: Request, user: Principal, subject_id: str) -> dict[str, Any]:
    with work(request, user, readonly=True) as ctx:
        signatures = list_signatures(ctx, subject_id)
        visits = signable_visits(ctx, subject_id)
        printed_name = printed_name_of(ctx, user.username)
    return {
        "active": "subjects",
        "subject_id": signatures[0].subject_id if signatures else subject_id,
        "signatures": signatures,
        "signoff_subject": subject_id,
        "signoff_link": False,
        "visits": visits,
        "meanings": MEANINGS,
        "printed_name": printed_name,
        "first_in_session": not signed_in_session(request, user),
        "can_sign": user.role == "investigator",
        "errors": {},
        "values": {},
    }


def _page(
    request: Request,
    user: Principal,
    subject_id: str,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = _context(request, user, subject_id)
    context["errors"] = dict(errors or {})
    context["values"] = {k: v for k, v in (values or {}).items() if k != "password"}
    return render(
        request, "monitoring/signoff.html.j2", context, principal=user, status_code=status_code
    )


@router.get("/subjects/{subject_id}/signoff")
async def signoff(request: Request, user: PageUser, subject_id: str) -> Response:
    """The subject's signatures and the signing form."""
    return await run_in_threadpool(lambda: _page(request, user, subject_id))


def _scope(form: Mapping[str, str]) -> int | None:
    scope = form.get("scope", "casebook")
    if scope == "casebook":
        return None
    if scope.startswith("visit:") and scope[6:].isdigit():
        return int(scope[6:])
    raise InputError("choose the casebook or one of its visits", field="scope")


@router.post("/subjects/{subject_id}/signoff")
@acts("sign_casebook", require_role)
async def sign(request: Request, user: PageUser, subject_id: str) -> Response:
    """Sign the subject's casebook or one visit with the password entered again."""
    form = await checked_form(request)
    both = not signed_in_session(request, user)

    def run() -> None:
        user_id = form.get("user_id", "").strip()
        if both and not user_id:
            raise InputError(
                "the first signature of a session needs both components: enter your user ID "
                "and your password",
                field="user_id",
            )
        if not form.get("password"):
            raise InputError("enter your password to sign", field="password")
        sign_casebook(
            state_of(request).database, acting_user=user.username,
            user_id=user_id or user.username, password=form.get("password", ""),
            subject_id=subject_id, meaning=form.get("meaning", ""), visit_id=_scope(form),
            printed_name=form.get("printed_name") or None,
        )  # fmt: skip

    try:
        await run_in_threadpool(run)
    except (InputError, ConflictError, PermissionDeniedError) as exc:
        if isinstance(exc, PermissionDeniedError) and user.role != "investigator":
            raise
        status = 422 if isinstance(exc, InputError) else 409
        if isinstance(exc, PermissionDeniedError):
            status = 403
        field = exc.field if exc.field in _FORM_FIELDS else None
        if isinstance(exc, PermissionDeniedError) and exc.field in (None, "user"):
            field = "password"
        errors = {field or "form": exc.message}
        return await run_in_threadpool(
            lambda: _page(request, user, subject_id, errors=errors, values=form, status_code=status)
        )
    response = RedirectResponse(f"/subjects/{subject_id}/signoff#signatures", status_code=303)
    mark_signed(request, response, user)
    return response
