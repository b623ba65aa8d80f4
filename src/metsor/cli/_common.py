"""What the command modules share: the common options, the trial database, JSON in and out.

Only Typer, the standard library and :mod:`metsor.errors` are imported here at module level;
the configuration and the services are imported when a database is opened.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.cli._refusal import current, option_names, refusal
from metsor.errors import InputError, MetsorError, NotFoundError, PermissionDeniedError

if TYPE_CHECKING:
    from metsor.cli._login_file import SavedLogin
    from metsor.config import Settings
    from metsor.services.context import Database, ServiceContext

__all__ = [
    "PASSWORD_ENV",
    "DbOption",
    "JsonOption",
    "UserOption",
    "abort_on_user_error",
    "acting",
    "emit",
    "open_database",
    "option_names",
    "parse_date",
    "password_from_stdin",
    "prove_user",
    "read_json_file",
    "read_json_object",
    "read_text_file",
    "resolve_username",
]

#: ``--db URL``: the trial database (else ``METSOR_DATABASE_URL``, else the SQLite file).
DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: METSOR_DATABASE_URL or SQLite).")
]
#: ``--json``: print the result as JSON instead of text.
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
#: ``--user NAME``: the acting user (else ``METSOR_USER``, else the user logged in).
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        envvar="METSOR_USER",
        help="Acting user (METSOR_USER; default the one logged in). Proved by 'metsor login' "
        "or the password in METSOR_PASSWORD.",
    ),
]


@contextmanager
def abort_on_user_error() -> Iterator[None]:
    """Turn an error of :mod:`metsor.errors` into ``error: …`` on stderr and its exit code.

    The entry point does the same for every command; this lets a command that is invoked
    directly (as by Typer's test runner) end the same way.
    """
    try:
        yield
    except MetsorError as exc:
        typer.echo(refusal(exc, current()), err=True)
        raise typer.Exit(exc.exit_code) from None


@contextmanager
def open_database(db: str | None, resolved: Settings | None = None) -> Iterator[Database]:
    """Open the trial database of ``--db`` (or of the settings) and close it afterwards.

    Parameters
    ----------
    db
        A database URL, or ``None`` for ``METSOR_DATABASE_URL`` or the default SQLite file.
    resolved
        The settings already read for this command (:func:`metsor.config.settings` of
        ``db``); default they are read now. The database keeps them for its services.

    Raises
    ------
    InputError
        If the URL is not supported, the database cannot be opened, or a setting it needs
        when opened is malformed (a login setting, the audit key).
    """
    from metsor.config import settings
    from metsor.services.context import Database

    chosen = resolved if resolved is not None else settings(db)
    database = Database.open(chosen.database_url, settings=chosen)
    try:
        yield database
    finally:
        database.close()


#: Environment variable of the acting user's password, for scripts.
PASSWORD_ENV = "METSOR_PASSWORD"


def resolve_username(user: str | None, saved: str | None) -> str:
    """The acting user: ``--user``/``METSOR_USER``, else the one logged in; checked in form.

    Raises
    ------
    InputError
        Naming ``--user`` when there is no user or the name cannot be a username.
    """
    from metsor.services.users import valid_username

    username = user or saved
    if not username:
        raise InputError(
            "name the acting user with --user or METSOR_USER, or log in first: "
            "metsor login --user NAME",
            field="--user",
        )
    if not valid_username(username):
        shown = repr(username) if len(username) <= 64 else repr(username[:64]) + "…"
        raise InputError(f"{shown} is not a username", field="--user")
    return username


def prove_user(database: Database, username: str, saved: SavedLogin | None) -> None:
    """Prove that ``username`` acts on ``database``: by ``METSOR_PASSWORD`` or a login session.

    Parameters
    ----------
    database
        The open database.
    username
        The user who claims to act.
    saved
        The login session saved for this database (:func:`metsor.cli._login_file.read_login`).

    Raises
    ------
    PermissionDeniedError
        When the password is wrong (it counts toward lock-out), the session has expired or
        ended, or the user has neither given a password nor logged in; the message says how
        to log in.
    """
    import os

    from metsor.services.authentication import authenticate, check_session
    from metsor.services.context import describe_database

    login_hint = f"metsor login --user {username}"
    password = os.environ.get(PASSWORD_ENV)
    if password:
        authenticate(database, username, password)
    elif saved is not None and saved.username == username:
        try:
            check_session(database, username, saved.token)
        except PermissionDeniedError as exc:
            raise PermissionDeniedError(f"{exc.message} ({login_hint})", field="user") from None
    else:
        logged_in = f" (logged in there: {saved.username})" if saved is not None else ""
        raise PermissionDeniedError(
            f"{username!r} has not proved who they are on {describe_database(database.url)}"
            f"{logged_in}: log in with '{login_hint}', or give the password in {PASSWORD_ENV} "
            "for a script",
            field="user",
        )


@contextmanager
def acting(db: str | None, user: str | None, *, readonly: bool = False) -> Iterator[ServiceContext]:
    """One unit of work on the database of ``--db``, for a user who proved who they are.

    The one place where the command line proves the acting user (:func:`prove_user`): every
    command that reads or writes trial data goes through it. The user is named (or taken
    from the saved login) before the database is opened.

    Parameters
    ----------
    db
        As for :func:`open_database`.
    user
        The acting user's name (``--user``/``METSOR_USER``), or None for the user logged in.
    readonly
        Whether the unit of work only reads.

    Raises
    ------
    InputError
        If no user is named or logged in, or as :func:`open_database`.
    PermissionDeniedError
        If the user does not prove who they are (:func:`prove_user`).
    """
    from metsor.cli._login_file import read_login
    from metsor.config import settings
    from metsor.services.context import unit_of_work

    resolved = settings(db)  # the environment read once for the command
    saved = read_login(resolved.database_url)
    username = resolve_username(user, saved.username if saved else None)
    with open_database(db, resolved) as database:
        prove_user(database, username, saved)
        with unit_of_work(database, username, readonly=readonly) as ctx:
            yield ctx


def password_from_stdin(option: str) -> str:
    """The first line of standard input, as a password given by ``option``.

    Raises
    ------
    InputError
        Naming ``option`` when standard input holds no password.
    """
    import sys

    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InputError("no password on standard input", field=option)
    return password


def emit(as_json: bool, payload: Any, text: str) -> None:
    """Print ``payload`` as JSON (keys sorted) when ``as_json``, else ``text``."""
    if as_json:
        typer.echo(json.dumps(payload, indent=2, sort_keys=True, default=str))
    else:
        typer.echo(text)


def parse_date(value: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option value as a date (``None`` stays ``None``).

    Raises
    ------
    InputError
        If the value is not an ISO date; the error names ``option``.
    """
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{option} must be a date YYYY-MM-DD, got {value!r}", field=option
        ) from None


def read_text_file(path: Path, what: str) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped).

    Parameters
    ----------
    path
        The file.
    what
        The argument or option that named it (``PATH``, ``--file``), for the error.

    Raises
    ------
    NotFoundError
        If there is no such file.
    InputError
        If it cannot be read or is not UTF-8 text.
    """
    if not path.is_file():
        raise NotFoundError(f"no such file: {path}", field=what)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text ({exc.reason})", field=what) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", field=what) from None


class _RepeatedKeyError(ValueError):
    """A key given twice in one JSON object (the last would silently win)."""


class _ConstantError(ValueError):
    """``NaN`` or ``Infinity`` in a JSON text (not JSON, though Python reads it)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKeyError(key)
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise _ConstantError(name)


def read_json_file(path: Path, what: str) -> Any:
    """The parsed content of a JSON file; a key repeated in one object is refused.

    Parameters
    ----------
    path
        The file.
    what
        The argument or option that named it, for the error.

    Raises
    ------
    NotFoundError
        If there is no such file.
    InputError
        If it cannot be read, is not valid JSON (the error gives line and column), repeats a
        key within one object, or holds ``NaN`` or ``Infinity``.
    """
    text = read_text_file(path, what)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except _RepeatedKeyError as exc:
        raise InputError(
            f"{path}: key {exc.args[0]!r} appears twice in one object; give each key once",
            field=what,
        ) from None
    except _ConstantError as exc:
        raise InputError(
            f"{path}: {exc.args[0]} is not a number JSON allows; give a finite number",
            field=what,
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            field=what,
        ) from None
    except RecursionError:
        raise InputError(f"{path}: the JSON is nested too deeply to read", field=what) from None


def read_json_object(path: Path, what: str, *, kind: str | None = None) -> dict[str, Any]:
    """The JSON object a file holds, as :func:`read_json_file` reads it.

    Parameters
    ----------
    path, what
        As for :func:`read_json_file`.
    kind
        What the object is, for the error (``"a screening record"``).

    Raises
    ------
    InputError
        As :func:`read_json_file`, or if the file holds something other than one object.
    """
    data = read_json_file(path, what)
    if not isinstance(data, dict):
        described = f" ({kind})" if kind else ""
        raise InputError(f"{path} must hold one JSON object{described}", field=what)
    return data
