"""The application factory: :func:`create_app` builds the site web application.

Nothing is built at import time. The app opens the trial database of its settings, mounts the
routers of each domain (auth, dashboard, subjects, casebook and queries, exports,
administration) — pages and the JSON API under ``/api/v1`` — and serves every asset itself
from ``static/``, the API's Swagger UI at ``/docs`` included (no CDN: a site may be offline).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from metsor.protocol import Protocol
from metsor.services.access import PERMISSIONS
from metsor.services.context import Database, session_scope
from metsor.services.protocol_in_force import protocol_of
from metsor.services.session_activity import ActivityRecorder
from metsor.web.admin.router import router as admin_pages
from metsor.web.api_docs import router as api_docs
from metsor.web.auth.router import api_router as auth_api
from metsor.web.auth.router import router as auth_pages
from metsor.web.casebook.api import router as casebook_api
from metsor.web.casebook.history import router as history_routes
from metsor.web.casebook.router import router as casebook_pages
from metsor.web.dashboard.router import router as dashboard_pages
from metsor.web.errors import install_error_handlers
from metsor.web.exports.router import router as export_pages
from metsor.web.monitoring.api import router as monitoring_api
from metsor.web.settings import WebSettings, csrf_key
from metsor.web.state import STATIC_DIR, TEMPLATES_DIR, WebState, writer_lock
from metsor.web.subjects.api import router as subjects_api
from metsor.web.subjects.router import router as subjects_pages

__all__ = ["create_app"]

_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


_API_ERRORS = """\
Every error answers `{"detail": "...", "field": "...", "errors": [{"field": "...", "message":
"..."}]}`: 401 without a valid token, 403 for a role that may not act (checked before the body
is read, whatever it holds), 404 for another site's subject, 409 for a conflict with what is
recorded, 422 for a value refused, each fault with its field (`labs.0.unit`; `body` for a
body that is not a JSON object).
"""


class SecurityHeaders:
    """Adds :data:`_SECURITY_HEADERS` to every answer that does not set them itself.

    A plain ASGI middleware: it only edits the response's start message, where one written
    with ``@app.middleware("http")`` would run each request through a task and a stream.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


def _environment(trial: Protocol) -> Environment:
    """The templates' environment: every value escaped (the templates are ``.html.j2``).

    ``permissions`` is :data:`metsor.services.access.PERMISSIONS`, so that a page offers an
    action only to the roles the services let perform it; ``trial`` is the protocol stored
    with the database, whose NCT id and title every page's header names, and the filter
    ``arm_label`` writes an arm's code as the protocol labels the arm (``sorafenib_metformin``
    → ``Sorafenib + Metformin``; any other text unchanged) and ``beside`` an error shown
    under its field (:func:`_beside`).
    """
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined
    )
    environment.globals["permissions"] = PERMISSIONS
    environment.globals["trial"] = trial
    labels = trial.arm_labels
    environment.filters["arm_label"] = lambda code: labels.get(code, code)
    environment.filters["beside"] = _beside
    return environment


def _beside(message: str, field: str) -> str:
    """An error shown beside its field, without the field's name in front.

    The form readers word a refusal ``field: message`` (:mod:`metsor.web.casebook.forms`), as
    a page's alert needs it; under the field itself the name is said by the field's label.
    """
    named = f"{field}: "
    return message[len(named) :] if message.startswith(named) else message


def _trial_of(database: Database) -> Protocol:
    """The protocol stored with the trial the database runs (read once, when the app is built)."""
    with session_scope(database, actor="-", readonly=True) as session:
        return protocol_of(session)


def create_app(settings: WebSettings) -> FastAPI:
    """Build the web application on the database of ``settings``.

    Parameters
    ----------
    settings
        Database URL, idle time-out, https, CSRF secret, login policy, clock.

    Returns
    -------
    FastAPI
        The application; its database is closed when the application shuts down.
    """
    database = Database.open(
        settings.database_url, clock=settings.clock, login_policy=settings.login_policy
    )
    try:
        secret = (
            settings.secret if settings.secret is not None else csrf_key(database.settings.home)
        )
        trial = _trial_of(database)
    except BaseException:
        database.close()
        raise

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield
        database.close()

    app = FastAPI(
        title="metsor",
        summary=f"{trial.nct_id}"
        + (f" ({trial.acronym})" if trial.acronym else "")
        + ": screening, randomization and casebooks",
        description=_API_ERRORS,
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    writer = writer_lock(settings.database_url)
    app.state.metsor = WebState(
        settings=settings,
        database=database,
        idle=ActivityRecorder(database, settings.idle_timeout, writer=writer),
        templates=Jinja2Templates(env=_environment(trial)),
        writer=writer,
        secret=secret,
    )
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        api_docs,
        auth_pages,
        auth_api,
        dashboard_pages,
        subjects_pages,
        subjects_api,
        casebook_pages,
        casebook_api,
        history_routes,
        monitoring_api,
        export_pages,
        admin_pages,
    ):
        app.include_router(router)

    app.add_middleware(SecurityHeaders)

    return app
