"""Settings of the web application: database, idle time-out, cookie security."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from metsor.config import LoginPolicy

__all__ = ["DEFAULT_IDLE_TIMEOUT", "WebSettings"]

#: A web session unused this long is ended (the user logs in again).
DEFAULT_IDLE_TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class WebSettings:
    """What :func:`metsor.web.create_app` needs.

    Attributes
    ----------
    database_url
        The trial database (SQLite or PostgreSQL URL).
    idle_timeout
        A session without a request for this long is ended (default 30 minutes).
    https
        Whether the application is served over https: its cookies are then ``Secure``.
    secret
        Key of the CSRF tokens (random per process unless given).
    login_policy
        Session lifetime and lock-out (default :class:`metsor.config.LoginPolicy`).
    clock
        The trial's clock (default the real UTC time).
    """

    database_url: str
    idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT
    https: bool = False
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    login_policy: LoginPolicy = field(default_factory=LoginPolicy)
    clock: Callable[[], datetime] | None = None
