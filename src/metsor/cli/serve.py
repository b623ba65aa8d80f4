"""``metsor serve``: the site web application under uvicorn."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.cli._common import DbOption, abort_on_user_error
from metsor.errors import InputError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from metsor.config import LoginPolicy

__all__ = ["app_from_environment", "register", "serve", "worker_settings"]

#: Most worker processes ``--workers`` accepts (each opens its own database connections).
MAX_WORKERS = 32

#: The environment variable through which ``metsor serve`` hands each worker its settings.
_SERVE_SETTINGS = "METSOR_SERVE_SETTINGS"


def register(app: typer.Typer) -> None:
    """Add ``metsor serve`` to the application."""
    app.command("serve")(serve)


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    idle_minutes: Annotated[
        int,
        typer.Option("--idle-minutes", min=1, max=24 * 60, help="Idle time-out of a session."),
    ] = 30,
    https: Annotated[
        bool, typer.Option("--https", help="Served over https (behind a proxy): Secure cookies.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=MAX_WORKERS,
            help="Worker processes, each serving requests with its own database connections.",
        ),
    ] = 1,
) -> None:
    """Serve the web application: login, screening, randomization and the JSON API."""

    import uvicorn

    from metsor.config import settings
    from metsor.services.context import Database, describe_database, session_scope
    from metsor.services.scheme import current_scheme

    with abort_on_user_error():
        resolved = settings(db)
        database = Database.open(resolved.database_url, settings=resolved)
        try:
            with session_scope(database, actor="-", readonly=True) as session:
                current_scheme(session)
        except Exception as exc:
            message = getattr(exc, "message", str(exc))
            raise InputError(
                f"cannot serve {describe_database(resolved.database_url)}: {message}",
                field="database_url",
            ) from None
        finally:
            database.close()
        # Each worker process builds its own application from these settings (by import
        # string, as uvicorn requires for more than one worker).
        os.environ[_SERVE_SETTINGS] = worker_settings(
            resolved.database_url, idle_minutes=idle_minutes, https=https, login=resolved.login
        )
    processes = f" ({workers} worker processes)" if workers > 1 else ""
    typer.echo(
        f"metsor: serving {describe_database(resolved.database_url)} on http://{host}:{port}/"
        + processes
    )
    uvicorn.run(
        f"{__name__}:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )


def worker_settings(
    database_url: str, *, idle_minutes: int, https: bool, login: LoginPolicy
) -> str:
    """What ``metsor serve`` hands its worker processes (in ``METSOR_SERVE_SETTINGS``).

    Parameters
    ----------
    database_url
        The database ``metsor serve`` checked.
    idle_minutes, https
        Its options.
    login
        The login policy it resolved (:attr:`metsor.config.Settings.login`): the workers
        serve with it rather than reading ``METSOR_SESSION_MINUTES`` and the others again.

    Returns
    -------
    str
        JSON text, read by :func:`app_from_environment`.
    """
    return json.dumps(
        {
            "database_url": database_url,
            "idle_minutes": idle_minutes,
            "https": https,
            "login_policy": {  # durations in seconds
                "session_lifetime_s": login.session_lifetime.total_seconds(),
                "max_failed_logins": login.max_failed_logins,
                "lockout_s": login.lockout.total_seconds(),
            },
        }
    )


def _policy_of(fields: dict[str, Any]) -> LoginPolicy:
    """The login policy :func:`worker_settings` wrote."""
    from metsor.config import LoginPolicy

    return LoginPolicy(
        session_lifetime=timedelta(seconds=float(fields["session_lifetime_s"])),
        max_failed_logins=int(fields["max_failed_logins"]),
        lockout=timedelta(seconds=float(fields["lockout_s"])),
    )


def app_from_environment() -> FastAPI:
    """The web application of the settings ``metsor serve`` left in the environment
    (:func:`worker_settings`).

    Each worker process calls it (uvicorn's application factory, by import string). The login
    policy is the one ``metsor serve`` resolved, not read again.

    Returns
    -------
    FastAPI
        The application on the database ``metsor serve`` checked.
    """
    from metsor.web import WebSettings, create_app

    given = json.loads(os.environ[_SERVE_SETTINGS])
    return create_app(
        WebSettings(
            database_url=str(given["database_url"]),
            idle_timeout=timedelta(minutes=int(given["idle_minutes"])),
            https=bool(given["https"]),
            login_policy=_policy_of(given["login_policy"]),
        )
    )
