"""``metsor login`` and ``metsor logout``: proving who acts, once per working session.

``metsor login`` checks the password (typed at a hidden prompt, or read by
``--password-stdin``, or from ``METSOR_PASSWORD``), opens a login session in the database and
keeps its token in a 0600 file under ``METSOR_HOME`` (one per database,
:mod:`metsor.cli._login_file`). Until the session expires (``METSOR_SESSION_MINUTES``,
default 8 hours) every command on that database acts for that user without asking again;
``--user`` is then optional. ``metsor logout`` ends the session in the database and removes
the file. A wrong password counts toward lock-out (5 in a row lock the user for 15 minutes).
"""

from __future__ import annotations

from typing import Annotated

import typer

from metsor.cli._common import (
    PASSWORD_ENV,
    DbOption,
    JsonOption,
    abort_on_user_error,
    emit,
    open_database,
    password_from_stdin,
    resolve_username,
)
from metsor.errors import InputError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``login`` and ``logout`` to the application."""
    app.command("login")(login)
    app.command("logout")(logout)


def _password(password_stdin: bool) -> str:
    import os

    if password_stdin:
        return password_from_stdin("--password-stdin")
    from_environment = os.environ.get(PASSWORD_ENV)
    if from_environment:
        return from_environment
    return str(typer.prompt("Password", hide_input=True))


def login(
    user: Annotated[
        str | None,
        typer.Option("--user", envvar="METSOR_USER", help="Who logs in (METSOR_USER; else asked)."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help=f"Read the password from standard input (or {PASSWORD_ENV})."
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log in: prove who you are once, for the commands that follow on this database."""
    from metsor.cli._login_file import SavedLogin, read_login, save_login
    from metsor.services.authentication import end_session, open_session
    from metsor.services.context import describe_database

    with abort_on_user_error():
        if user is None and password_stdin:
            raise InputError(
                "--password-stdin needs the user named by --user or METSOR_USER", field="--user"
            )
        username = resolve_username(user or str(typer.prompt("Username")), None)
        password = _password(password_stdin)
        with open_database(db) as database:
            before = read_login(database.url)
            ticket = open_session(database, username, password)
            if before is not None:
                end_session(database, before.token, reason="new_login")
            where = describe_database(database.url)
            expires = ticket.expires_at.isoformat(timespec="seconds")
            path = save_login(database.url, where, SavedLogin(username, ticket.token, expires))
    payload = {"username": username, "database": where, "expires_at": expires, "file": str(path)}
    emit(
        as_json,
        payload,
        f"logged in as {username} on {where} until {ticket.expires_at:%Y-%m-%d %H:%M} UTC "
        f"(session kept in {path}); 'metsor logout' ends it",
    )


def logout(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Log out: end the login session on this database and remove its file."""
    from metsor.cli._login_file import forget_login, read_login
    from metsor.config import settings
    from metsor.services.authentication import end_session
    from metsor.services.context import describe_database

    with abort_on_user_error():
        url = settings(db).database_url
        where = describe_database(url)
        saved = read_login(url)
        ended = None
        if saved is not None:
            with open_database(db) as database:
                ended = end_session(database, saved.token)
            forget_login(url)
    if saved is None:
        emit(as_json, {"username": None, "database": where, "ended": False},
             f"not logged in on {where}")  # fmt: skip
        return
    note = "" if ended else " (the session had already expired or ended)"
    emit(
        as_json,
        {"username": saved.username, "database": where, "ended": ended is not None},
        f"logged out {saved.username} from {where}{note}",
    )
