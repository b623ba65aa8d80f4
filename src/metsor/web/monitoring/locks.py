"""The freeze and lock page of data managers.

``GET /monitoring/locks`` lists every freeze and lock with its state, who set it, when and
why; for a data manager (or an administrator) it offers freezing, locking, unlocking and
unfreezing a subject, a site or the study, each with its reason (required). Unlocking and
unfreezing void the signatures of the subjects they reopen, and the page says how many.
Another role sees the list; its ``POST`` is refused with 403. A change done redirects to the
list (``?scope=…&target=…&voided=N``), which says what changed, so that reloading the page
does not submit it again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import ConflictError, InputError, NotFoundError
from metsor.services.monitoring._roles import MONITORING_ROLES, require_role
from metsor.services.monitoring.locks import (
    LOCK_ACTIONS,
    LOCK_SCOPES,
    LockRow,
    change_lock,
    list_locks,
)
from metsor.web.dependencies import PageUser, checked_form, render, work
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.security import Principal

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=PermissionFirstRoute)


def _page(
    request: Request,
    user: Principal,
    *,
    done: LockRow | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with work(request, user, readonly=True) as ctx:
        locks = list_locks(ctx)
    if done is not None:  # as it stands now, with the signatures its change voided
        done = next(
            (replace(row, voided_signatures=done.voided_signatures) for row in locks
             if (row.scope, row.target) == (done.scope, done.target)),
            None,
        )  # fmt: skip
    context: dict[str, Any] = {
        "active": "monitoring",
        "tab": "locks",
        "locks": locks,
        "done": done,
        "actions": tuple(LOCK_ACTIONS),
        "scopes": LOCK_SCOPES,
        "can_lock": user.role in MONITORING_ROLES["freeze_lock"],
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "monitoring/locks.html.j2", context, principal=user,
                  status_code=status_code)  # fmt: skip


@router.get("/monitoring/locks")
async def locks(
    request: Request,
    user: PageUser,
    scope: str | None = None,
    target: str = "",
    voided: int = 0,
) -> Response:
    """Freezes and locks in force, the change just made, and the form to change one."""
    done = None
    if scope in LOCK_SCOPES:
        done = LockRow(scope, target, "", "", "", datetime.min, max(voided, 0))
    return await run_in_threadpool(lambda: _page(request, user, done=done))


@router.post("/monitoring/locks")
@acts("freeze_lock", require_role)
async def change(request: Request, user: PageUser) -> Response:
    """Freeze, lock, unlock or unfreeze a subject, a site or the study, with the reason."""
    form = await checked_form(request)
    scope = form.get("scope", "")
    target = form.get("target", "").strip() or None

    def run() -> LockRow:
        with work(request, user) as ctx:
            return change_lock(ctx, action=form.get("action", ""), scope=scope,
                               target=None if scope == "study" else target,
                               reason=form.get("reason", ""))  # fmt: skip

    try:
        done = await run_in_threadpool(run)
    except (InputError, ConflictError, NotFoundError) as exc:
        status = 422 if isinstance(exc, InputError) else (
            409 if isinstance(exc, ConflictError) else 404
        )  # fmt: skip
        field = exc.field if exc.field in {"action", "scope", "target", "reason"} else "form"
        if isinstance(exc, NotFoundError):
            field = "target"
        errors = {field: exc.message}
        return await run_in_threadpool(
            lambda: _page(request, user, errors=errors, values=form, status_code=status)
        )
    query = urlencode(
        {"scope": done.scope, "target": done.target, "voided": done.voided_signatures}
    )
    return RedirectResponse(f"/monitoring/locks?{query}", status_code=303)
