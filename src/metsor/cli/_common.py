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

from metsor.errors import InputError, MetsorError, NotFoundError

if TYPE_CHECKING:
    from metsor.services.context import Database, ServiceContext

__all__ = [
    "DbOption",
    "JsonOption",
    "UserOption",
    "abort_on_user_error",
    "acting",
    "emit",
    "open_database",
    "parse_date",
    "read_json_file",
    "read_json_object",
    "read_text_file",
]

#: ``--db URL``: the trial database (else ``METSOR_DATABASE_URL``, else the SQLite file).
DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: METSOR_DATABASE_URL or SQLite).")
]
#: ``--json``: print the result as JSON instead of text.
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
#: ``--user NAME``: the acting user (else ``METSOR_USER``).
UserOption = Annotated[
    str | None, typer.Option("--user", envvar="METSOR_USER", help="Acting user (METSOR_USER).")
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
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


@contextmanager
def open_database(db: str | None) -> Iterator[Database]:
    """Open the trial database of ``--db`` (or of the settings) and close it afterwards.

    Parameters
    ----------
    db
        A database URL, or ``None`` for ``METSOR_DATABASE_URL`` or the default SQLite file.

    Raises
    ------
    InputError
        If the URL is not supported or the database cannot be opened.
    """
    from metsor.config import settings
    from metsor.services.context import Database

    database = Database.open(settings(db).database_url)
    try:
        yield database
    finally:
        database.close()


@contextmanager
def acting(db: str | None, user: str | None, *, readonly: bool = False) -> Iterator[ServiceContext]:
    """One unit of work on the database of ``--db``, for the user of ``--user``.

    Parameters
    ----------
    db
        As for :func:`open_database`.
    user
        The acting user's name.
    readonly
        Whether the unit of work only reads.

    Raises
    ------
    InputError
        If no user is named, or as :func:`open_database`.
    """
    from metsor.services.context import unit_of_work

    if not user:
        raise InputError("name the acting user with --user or METSOR_USER", field="--user")
    with open_database(db) as database, unit_of_work(database, user, readonly=readonly) as ctx:
        yield ctx


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
