"""Who is asking: session cookies, bearer tokens, idle time-out and CSRF tokens.

A login (:func:`metsor.services.authentication.open_session`) gives a token; the browser keeps
``username:token`` in an HttpOnly, SameSite=Strict cookie (``Secure`` over https), an API
client sends the same text as a bearer token. Every request proves it again through
:func:`~metsor.services.authentication.check_session` (ended, expired and deactivated are
refused there) and the idle time-out here: a session unused for ``idle_timeout`` is ended as a
logout, audited. The database keeps only the token's digest; this process keeps, per digest,
the moment of its last request — a session this process has not seen (after a restart) must
log in again.

Every form carries a CSRF token: an HMAC of the session token (or, before login, of a random
pre-session cookie) under the application's secret; a form without it, or with another, is
refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from metsor.errors import PermissionDeniedError
from metsor.services.authentication import check_session, end_session, token_digest
from metsor.services.context import Database

__all__ = [
    "PRESESSION_COOKIE",
    "SESSION_COOKIE",
    "AuthenticationRequiredError",
    "IdleTracker",
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


class IdleTracker:
    """The last request of each session this process has seen (monotonic seconds)."""

    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def start(self, token: str) -> None:
        """Record a session just opened."""
        with self._lock:
            self._last[token_digest(token)] = time.monotonic()

    def touch(self, token: str) -> bool:
        """Record a request; False when the session was idle too long or is unknown here."""
        digest = token_digest(token)
        now = time.monotonic()
        with self._lock:
            last = self._last.get(digest)
            if last is None or now - last > self.idle_seconds:
                self._last.pop(digest, None)
                return False
            self._last[digest] = now
            return True

    def forget(self, token: str) -> None:
        """Drop a session that ended."""
        with self._lock:
            self._last.pop(token_digest(token), None)


def split_credential(text: str | None) -> tuple[str, str] | None:
    """``(username, token)`` from a cookie or bearer value, or None if it has not that form."""
    if not text or ":" not in text or len(text) > 200:
        return None
    username, token = text.split(":", 1)
    if not username or not token:
        return None
    return username, token


def prove(database: Database, idle: IdleTracker, credential: str | None) -> Principal:
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
        idle.forget(token)
        raise AuthenticationRequiredError(exc.message) from None
    if not idle.touch(token):
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
