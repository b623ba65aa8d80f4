"""Logging in and out: the login form, logout, and ``POST /api/v1/auth/token``.

Passwords are checked, counted toward lock-out and audited by
:mod:`metsor.services.authentication`; they are never logged, echoed back or stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import PermissionDeniedError
from metsor.services.authentication import LoginTicket, end_session, open_session
from metsor.web.auth.schemas import Token
from metsor.web.dependencies import checked_form, render, state_of
from metsor.web.security import (
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    AuthenticationRequiredError,
    new_presession,
    split_credential,
)

__all__ = ["api_router", "router"]

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=state_of(request).settings.https,
        path="/",
    )


@router.get("/login")
def login_form(request: Request) -> Response:
    """The login form (a new pre-session cookie binds its CSRF token)."""
    presession = request.cookies.get(PRESESSION_COOKIE)
    if presession is None:
        presession = new_presession()
        request.cookies[PRESESSION_COOKIE] = presession
    response = render(request, "login.html.j2", {"username": "", "message": None})
    _cookie(request, response, PRESESSION_COOKIE, presession)
    return response


async def _open(request: Request, username: str, password: str) -> LoginTicket:
    state = state_of(request)

    def write() -> LoginTicket:
        with state.writer:
            return open_session(state.database, username, password)

    return await run_in_threadpool(write)


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password; open a session, or show the form again with the refusal."""
    form = await checked_form(request)
    username = form.get("username", "").strip()[:64]
    try:
        ticket = await _open(request, username, form.get("password", ""))
    except PermissionDeniedError as exc:
        return render(
            request,
            "login.html.j2",
            {"username": username, "message": exc.message},
            status_code=401,
        )
    response = RedirectResponse("/", status_code=303)
    _cookie(request, response, SESSION_COOKIE, f"{ticket.username}:{ticket.token}")
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session (audited as a logout) and forget the cookie."""
    await checked_form(request)
    parts = split_credential(request.cookies.get(SESSION_COOKIE))
    if parts is not None:
        state = state_of(request)

        def write() -> None:
            with state.writer:
                end_session(state.database, parts[1])

        await run_in_threadpool(write)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@api_router.post("/token", response_model=Token)
async def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Exchange a username and password for an expiring access token (401 if refused)."""
    try:
        ticket = await _open(request, form.username[:64], form.password)
    except PermissionDeniedError as exc:
        raise AuthenticationRequiredError(exc.message) from None
    return Token(
        access_token=f"{ticket.username}:{ticket.token}",
        expires_at=ticket.expires_at,
        username=ticket.username,
    )
