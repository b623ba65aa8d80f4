"""``metsor serve``: the site web application under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from metsor.cli._common import DbOption, abort_on_user_error
from metsor.errors import InputError

__all__ = ["register", "serve"]


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
) -> None:
    """Serve the web application: login, screening, randomization and the JSON API."""
    from datetime import timedelta

    import uvicorn

    from metsor.config import settings
    from metsor.services.context import Database, session_scope
    from metsor.services.scheme import current_scheme
    from metsor.store.engine import describe_url
    from metsor.web import WebSettings, create_app

    with abort_on_user_error():
        resolved = settings(db)
        database = Database.open(resolved.database_url)
        try:
            with session_scope(database, actor="-", readonly=True) as session:
                current_scheme(session)
        except Exception as exc:
            message = getattr(exc, "message", str(exc))
            raise InputError(
                f"cannot serve {describe_url(resolved.database_url)}: {message}", field="--db"
            ) from None
        finally:
            database.close()
        app = create_app(
            WebSettings(
                database_url=resolved.database_url,
                idle_timeout=timedelta(minutes=idle_minutes),
                https=https,
                login_policy=resolved.login,
            )
        )
    typer.echo(f"metsor: serving {describe_url(resolved.database_url)} on http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
