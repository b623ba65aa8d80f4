"""Dependencies shared by the routers: the state, the proved user, units of work, forms."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import PermissionDeniedError
from metsor.services.context import ServiceContext, unit_of_work
from metsor.services.dashboard import acting_site
from metsor.web.security import (
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    Principal,
    csrf_matches,
    csrf_token,
    prove,
)
from metsor.web.state import WebState

__all__ = [
    "ApiUser",
    "PageUser",
    "api_user_of",
    "checked_form",
    "page_user_of",
    "render",
    "state_of",
    "work",
]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def state_of(request: Request) -> WebState:
    """The application's :class:`~metsor.web.state.WebState`."""
    state: WebState = request.app.state.metsor
    return state


def _proved(request: Request, credential: str | None) -> Principal:
    """The user ``credential`` proves, proved once per request: a route that checks the
    user's permission before reading the body (:mod:`metsor.web.permissions`) has proved
    them already, and the endpoint's dependency finds them in the request's state."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    state = state_of(request)
    principal = prove(state.database, state.idle, credential)
    request.state.principal = principal
    return principal


def page_user_of(request: Request) -> Principal:
    """The user of a page request, proved by the session cookie."""
    return _proved(request, request.cookies.get(SESSION_COOKIE))


async def api_user_of(request: Request) -> Principal:
    """The user of an API request, proved by the bearer token."""
    return await run_in_threadpool(_proved, request, await _bearer(request))


def page_user(request: Request) -> Principal:
    """The user of a page request, proved by the session cookie (a dependency)."""
    return page_user_of(request)


def api_user(request: Request, token: Annotated[str | None, Depends(_bearer)]) -> Principal:
    """The user of an API request, proved by the bearer token (a dependency)."""
    return _proved(request, token)


PageUser = Annotated[Principal, Depends(page_user)]
ApiUser = Annotated[Principal, Depends(api_user)]


@contextmanager
def work(
    request: Request, principal: Principal, *, readonly: bool = False, reason: str | None = None
) -> Iterator[ServiceContext]:
    """One unit of work for the proved user: one transaction, audited with their name.

    A writing one holds the process's writer lock (:func:`metsor.web.state.writer_lock`).
    """
    state = state_of(request)
    with (
        nullcontext() if readonly else state.writer,
        unit_of_work(state.database, principal.username, readonly=readonly, reason=reason) as ctx,
    ):
        yield ctx


def csrf_binding(request: Request) -> str | None:
    """What this browser's CSRF token is bound to: its session, else its pre-session."""
    session = request.cookies.get(SESSION_COOKIE)
    if session and ":" in session:
        return session.split(":", 1)[1]
    return request.cookies.get(PRESESSION_COOKIE)


async def checked_form(request: Request) -> dict[str, str]:
    """The submitted form's text fields, after checking its CSRF token.

    Raises
    ------
    PermissionDeniedError
        When the form has no CSRF token or another browser's.
    """
    form = await request.form()
    if not csrf_matches(state_of(request).secret, csrf_binding(request), form.get("csrf_token")):
        raise PermissionDeniedError(
            "the form's CSRF token is missing or stale: reload the page and submit again",
            field="csrf_token",
        )
    return {key: value for key, value in form.items() if isinstance(value, str)}


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
) -> Response:
    """A page from ``templates/``, given the user, their CSRF token and the context."""
    state = state_of(request)
    binding = csrf_binding(request)
    values: dict[str, Any] = {
        "user": principal,
        "csrf_token": csrf_token(state.secret, binding) if binding else "",
        "site_code": _site_code(request, principal),
    }
    values.update(context or {})
    return state.templates.TemplateResponse(request, template, values, status_code=status_code)


def _site_code(request: Request, principal: Principal | None) -> str | None:
    """The code of the user's site for the page's header, read once per site and process (a
    site's code never changes)."""
    if principal is None or principal.site_id is None:
        return None
    codes = state_of(request).site_codes
    code = codes.get(principal.site_id)
    if code is None:
        with work(request, principal, readonly=True) as ctx:
            code = acting_site(ctx)
        if code is not None:
            codes[principal.site_id] = code
    return code
