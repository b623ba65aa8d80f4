"""What the application holds while it runs: the database, the idle tracker, the templates,
and the lock that queues this process's SQLite writers."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

from metsor.services.context import Database
from metsor.services.session_activity import ActivityRecorder
from metsor.web.settings import WebSettings

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "WebState", "writer_lock"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def writer_lock(database_url: str) -> AbstractContextManager[Any]:
    """What this process's writing transactions hold: one lock on SQLite, none on PostgreSQL.

    SQLite has one write lock per database file, and a transaction that finds it taken sleeps
    in its busy handler (1 ms, 2 ms, … up to 100 ms at a time) rather than being woken when it
    is free: many request threads writing at once mostly sleep. Queued on a lock of the process
    instead, each begins as soon as the one before commits. PostgreSQL wakes a waiting
    transaction itself (row locks), so nothing is added there.
    """
    return threading.RLock() if database_url.startswith("sqlite") else nullcontext()


@dataclass(frozen=True)
class WebState:
    """The running application's resources (``app.state.metsor``).

    Attributes
    ----------
    settings, database, idle, templates
        What :func:`metsor.web.create_app` was given and built.
    writer
        Held around every writing transaction of this process (see :func:`writer_lock`).
    secret
        The key of the CSRF tokens (:attr:`WebSettings.secret`, else the one in the home
        folder of the database's settings).
    site_codes
        Code of each site by id, as pages have shown them (sites are never renamed).
    """

    settings: WebSettings
    database: Database
    idle: ActivityRecorder
    templates: Jinja2Templates
    writer: AbstractContextManager[Any]
    secret: bytes = field(repr=False)
    site_codes: dict[int, str] = field(default_factory=dict)
