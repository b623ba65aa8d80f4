"""Who is asking: session cookies, bearer tokens, idle time-out and CSRF tokens.

A login (:func:`metsor.services.authentication.open_session`) gives a token; the browser keeps
``username:token`` in an HttpOnly, SameSite=Strict cookie (``Secure`` over https), an API
client sends the same text as a bearer token. Every request proves it again through
:func:`~metsor.services.authentication.check_session` (ended, expired and deactivated are
refused there) and the idle time-out here: a session unused for ``idle_timeout`` is ended as a
logout, audited. The database keeps only the token's digest, and the time of each session's
last request (:mod:`metsor.services.session_activity`), so that the time-out holds across a
restart and between worker processes.

Every form carries a CSRF token: an HMAC of the session token (or, before login, of a random
pre-session cookie) under the application's secret; a form without it, or with another, is
refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from metsor.errors import PermissionDeniedError
from metsor.services.authentication import check_session, end_session
from metsor.services.context import Database
from metsor.services.session_activity import ActivityRecorder

__all__ = [
    "PRESESSION_COOKIE",
    "SESSION_COOKIE",
    "AuthenticationRequiredError",
    "Principal",
    "csrf_matches",
    "csrf_token",
    "new_presession",
    "prove",
    "split_credential",
]

#: Cookie of the logged-in browser: ``username:token``.
SESSION_COOKIE = "metsor_session"
#: Cookie of a browser not yet logged in, binding the login form's CSRF token.
PRESESSION_COOKIE = "metsor_presession"


class AuthenticationRequiredError(Exception):
    """No valid session or token: a page redirects to the login, the API answers 401."""

    def __init__(self, message: str = "log in first") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Principal:
    """The user a request is proved to come from.

    Attributes
    ----------
    username, role
        The user and their role.
    site_id
        Their site, or None for a user of every site.
    token
        The session token that proved them.
    """

    username: str
    role: str
    site_id: int | None
    token: str


def split_credential(text: str | None) -> tuple[str, str] | None:
    """``(username, token)`` from a cookie or bearer value, or None if it has not that form."""
    if not text or ":" not in text or len(text) > 200:
        return None
    username, token = text.split(":", 1)
    if not username or not token:
        return None
    return username, token


def prove(database: Database, idle: ActivityRecorder, credential: str | None) -> Principal:
    """The user that a cookie or bearer value proves.

    Raises
    ------
    AuthenticationRequiredError
        When there is no credential, it opens no valid session, or the session was idle
        longer than the time-out (it is then ended, audited as a logout).
    """
    parts = split_credential(credential)
    if parts is None:
        raise AuthenticationRequiredError()
    username, token = parts
    try:
        user = check_session(database, username, token)
    except PermissionDeniedError as exc:
        raise AuthenticationRequiredError(exc.message) from None
    if not idle.note_request(user.username, token):
        with idle.writer:
            end_session(database, token, reason="logout")
        raise AuthenticationRequiredError("the session was idle too long: log in again")
    return Principal(username=user.username, role=user.role, site_id=user.site_id, token=token)


def new_presession() -> str:
    """A random value for the pre-session cookie."""
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, binding: str) -> str:
    """The CSRF token of a session (or pre-session) value."""
    return hmac.new(secret, binding.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_matches(secret: bytes, binding: str | None, given: object) -> bool:
    """Whether ``given`` is the CSRF token of ``binding`` (constant-time)."""
    if not binding or not isinstance(given, str):
        return False
    return hmac.compare_digest(csrf_token(secret, binding), given)
