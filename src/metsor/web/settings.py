"""Settings of the web application: database, idle time-out, cookie security, CSRF key."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from metsor.config import HOME_ENV, LoginPolicy
from metsor.errors import InputError

__all__ = ["CSRF_KEY_FILE", "DEFAULT_IDLE_TIMEOUT", "DEFAULT_THREADS", "WebSettings", "csrf_key"]

#: Requests a server process works on at once, by default (see :attr:`WebSettings.threads`).
DEFAULT_THREADS = 8

#: File of the CSRF key in ``METSOR_HOME``, shared by the server's processes.
CSRF_KEY_FILE = "metsor-web.key"

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
        Key of the CSRF tokens; by default :func:`csrf_key` of the home folder of the
        database's settings (:attr:`metsor.config.Settings.home`, ``METSOR_HOME``), so that a
        form served by one worker process (or before a restart) is accepted by another.
    login_policy
        Session lifetime and lock-out; by default those of the settings the database is
        opened with (:attr:`metsor.config.Settings.login`).
    clock
        The trial's clock (default the real UTC time).
    threads
        Requests this process works on at once (its thread pool; default
        :data:`DEFAULT_THREADS`). Each holds Python's interpreter lock while it runs Python,
        so more threads than this only make them take turns more often.
    """

    database_url: str
    idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT
    https: bool = False
    secret: bytes | None = field(default=None, repr=False)
    login_policy: LoginPolicy | None = None
    clock: Callable[[], datetime] | None = None
    threads: int = DEFAULT_THREADS


def csrf_key(home: Path) -> bytes:
    """The CSRF key in the home folder, created 0600 when missing.

    Processes starting at once agree: the key is written to a temporary file and linked into
    place, and whoever links second reads the first one's key.

    Parameters
    ----------
    home
        The home folder of the settings the database was opened with
        (:attr:`metsor.config.Settings.home`).

    Returns
    -------
    bytes
        The key.

    Raises
    ------
    InputError
        When the key file can be neither read nor created (naming ``METSOR_HOME``).
    """
    path = home / CSRF_KEY_FILE
    where = HOME_ENV
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=".metsor-web-")
            try:
                with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                    handle.write(secrets.token_hex(32) + "\n")
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                os.unlink(draft)
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read or create the CSRF key {path}: {exc}", field=where) from None
    if len(key) < 16:
        raise InputError(f"the CSRF key {path} is too short", field=where)
    return key
