"""Engines and sessions of the trial database.

:func:`make_engine` builds the engine for a URL:

- SQLite (``sqlite:///path``): WAL journal with ``synchronous=FULL`` (a commit returns once
  the journal is on disk, so a committed transaction survives a power cut or a crash of the
  machine, as on PostgreSQL; ``NORMAL`` would keep it only through a crash of the program —
  SQLite, "PRAGMA synchronous" and "Write-Ahead Logging" — and an anchor line written after
  the commit could then name a transaction the database lost; ``make_engine(durable=False)``
  asks for it where the database is rebuilt at will), ``foreign_keys=ON``, a
  ``busy_timeout``, and every transaction opened with ``BEGIN IMMEDIATE`` so that writers
  queue for the one write lock at the start of a transaction instead of failing half-way
  (read-only work can ask for a plain deferred ``BEGIN`` with the execution option
  ``metsor_sqlite_begin="DEFERRED"``, which :func:`read_only` sets).
- PostgreSQL (``postgresql+psycopg://user@host/db``; a bare ``postgresql://`` is given the
  psycopg 3 driver): READ COMMITTED, with row locks (``SELECT … FOR UPDATE``) taken by the
  services where a decision depends on a count.

An SQLite file is never created by opening it: only an engine made with ``create=True`` (the
migrations of ``metsor db init``, :func:`metsor.store.migrate.upgrade`) creates a missing file,
with mode 0600 (SQLite gives its ``-wal`` and ``-shm`` files the mode of the database). Any
other engine refuses, when it connects, a file that does not exist ("database not initialised:
run `metsor db init`"); every engine refuses a file that is empty (unless it made it itself) or
does not begin with the SQLite header, and never writes to it.

Errors of the database that a user's input causes become :class:`~metsor.errors.InputError`
naming the column (:func:`_user_error`): a table that does not exist (the database was never
initialised, or is older than this version: run ``metsor db init``), a whole number beyond the
64-bit integers both databases store, text that is not valid Unicode (a lone surrogate) and,
on PostgreSQL, a NUL character in text. Sessions refuse a text longer than its column before
writing it, on both databases alike (:func:`session_factory`).

:func:`session_factory` makes ORM sessions that do not expire objects on commit.
Engines are built by these factories only, never at import time.
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, String, create_engine, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import URL, Connection, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from metsor.errors import InputError, shown
from metsor.extras import import_extra
from metsor.store.audit import hooks as audit_hooks

__all__ = [
    "DATABASE_FILE_MODE",
    "NOT_INITIALISED",
    "SQLITE_BUSY_TIMEOUT_MS",
    "describe_url",
    "locks_on_begin",
    "make_engine",
    "normalize_url",
    "read_only",
    "session_factory",
    "sqlite_file",
]

#: How long an SQLite connection waits for a lock before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 60_000

#: Mode of a new SQLite database file: read and write for its owner only.
DATABASE_FILE_MODE = 0o600

#: What a command on a database without metsor's tables is told.
NOT_INITIALISED = "database not initialised: run `metsor db init`"

_BEGIN_OPTION = "metsor_sqlite_begin"
_SQLITE_HEADER = b"SQLite format 3\x00"
_INT64 = 2**63


def normalize_url(url: str) -> URL:
    """Parse a database URL and give PostgreSQL the psycopg 3 driver.

    Parameters
    ----------
    url
        ``sqlite:///file``, ``postgresql://…`` or ``postgresql+psycopg://…``.

    Returns
    -------
    URL
        The parsed URL.

    Raises
    ------
    InputError
        When the URL cannot be parsed or names a database other than SQLite or PostgreSQL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(
            f"cannot parse database URL {url!r}: {exc}", field="database_url"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    if backend == "sqlite":
        return parsed
    raise InputError(
        f"database {backend!r} is not supported (use sqlite:///FILE or postgresql+psycopg://…)",
        field="database_url",
    )


def describe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"


def sqlite_file(url: str | URL) -> Path | None:
    """The file of an SQLite URL, or None (PostgreSQL, in-memory, or a ``file:`` URI).

    Parameters
    ----------
    url
        A database URL.

    Returns
    -------
    Path or None
        The absolute path of the database file.
    """
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database
    if not name or name == ":memory:" or name.startswith("file:") or "uri" in parsed.query:
        return None
    return Path(name).absolute()


def _check_sqlite_file(path: Path, *, create: bool, made: list[Path]) -> None:
    """Refuse a file that is missing (unless ``create``), empty or not an SQLite database.

    ``made`` holds the file once this engine created it, so that its own new, still empty
    file is not refused on the next connection.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        if not create:
            raise InputError(f"{NOT_INITIALISED} (there is no file {path})") from None
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DATABASE_FILE_MODE))
        except OSError as exc:
            raise InputError(
                f"cannot create the database file {path}: {exc.strerror or exc}",
                field="database_url",
            ) from None
        made.append(path)
        return
    except OSError as exc:
        raise InputError(
            f"cannot open the database file {path}: {exc.strerror}", field="database_url"
        ) from None
    if not path.is_file():
        raise InputError(f"the database {path} is not a file", field="database_url")
    if size == 0:
        if path in made:
            return
        raise InputError(
            f"the database file {path} is empty, not an SQLite database: metsor neither uses "
            "nor rewrites it (remove it to create a new database with `metsor db init`)",
            field="database_url",
        )
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise InputError(
            f"cannot read the database file {path}: {exc.strerror}", field="database_url"
        ) from None
    if header != _SQLITE_HEADER:
        raise InputError(
            f"the file {path} is not an SQLite database (it lacks the SQLite header): metsor "
            "neither uses nor rewrites it",
            field="database_url",
        )


def _sqlite_opener(path: Path, *, create: bool) -> Any:
    """A ``do_connect`` hook: check the file, then open it without ever creating it."""
    made: list[Path] = []
    checked: list[Path] = []
    uri = f"file:{quote(str(path))}?mode=rw"

    def do_connect(dialect: Any, record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        # Checked before the engine's first connection only: reading the header opens and
        # closes the file, and a close() drops every POSIX lock this process holds on it —
        # the locks of the engine's open connections too, which lets another process write
        # at the same time and corrupts the database.
        if not checked:
            _check_sqlite_file(path, create=create, made=made)
            checked.append(path)
        cargs[:] = [uri]
        cparams["uri"] = True

    return do_connect


def _column_of(context: ExceptionContext, value_test: Any) -> tuple[str, Any] | None:
    """The column and value of the first bound parameter for which ``value_test`` holds."""
    parameters = context.parameters
    if (
        isinstance(parameters, list | tuple)
        and parameters
        and isinstance(parameters[0], list | tuple | dict)
    ):
        parameters = parameters[0]
    if isinstance(parameters, dict):
        pairs = list(parameters.items())
    elif isinstance(parameters, list | tuple):
        compiled = getattr(context.execution_context, "compiled", None)
        names = list(getattr(compiled, "positiontup", None) or [])
        names = (names + ["?"] * len(parameters))[: len(parameters)]
        pairs = list(zip(names, parameters, strict=True))
    else:
        return None
    for name, value in pairs:
        if value_test(value):
            column = re.sub(r"_\d+$", "", str(name))
            return ("id" if column == "pk" else column), value
    return None


def _too_large(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64


def _not_unicode(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _user_error(context: ExceptionContext) -> None:
    """A ``handle_error`` hook: raise an InputError for a database error the input caused."""
    error = context.original_exception
    text = str(error)
    if "no such table" in text or type(error).__name__ == "UndefinedTable":
        table = re.search(r"no such table: (\S+)|relation \"([^\"]+)\" does not exist", text)
        name = next((g for g in table.groups() if g), "?") if table else "?"
        raise InputError(
            f"{NOT_INITIALISED} (it has no table {name!r}; `metsor db init` also migrates a "
            "database made by an earlier version of metsor)"
        ) from None
    overflow = isinstance(error, OverflowError) or type(error).__name__ == "NumericValueOutOfRange"
    if overflow:
        found = _column_of(context, _too_large)
        raise InputError(
            f"{shown(found[1]) if found else 'a number'} is beyond the whole numbers the "
            f"database stores ({-_INT64:,} to {_INT64 - 1:,})",
            field=found[0] if found else None,
        ) from None
    if isinstance(error, UnicodeEncodeError) or "surrogates not allowed" in text:
        found = _column_of(context, _not_unicode)
        raise InputError(
            "the text is not valid Unicode (it holds an undecodable byte or a lone surrogate "
            "such as \\udcff)",
            field=found[0] if found else None,
        ) from None
    if type(error).__name__ == "StringDataRightTruncation":
        raise InputError(f"a text is longer than its column holds: {error}") from None
    if "NUL (0x00)" in text:
        found = _column_of(context, lambda v: isinstance(v, str) and "\x00" in v)
        raise InputError(
            "the text holds a NUL character (\\x00)", field=found[0] if found else None
        ) from None


def _sqlite_on_connect(busy_timeout_ms: int, durable: bool) -> Any:
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        _sqlite_connect(dbapi_connection, busy_timeout_ms, durable)

    return on_connect


def _sqlite_connect(dbapi_connection: Any, busy_timeout_ms: int, durable: bool = True) -> None:
    # Let SQLAlchemy, not the sqlite3 module, issue BEGIN (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
    finally:
        cursor.close()


#: The SQLite engines of :func:`make_engine`: each of their transactions begins ``IMMEDIATE``.
_IMMEDIATE: weakref.WeakSet[Engine] = weakref.WeakSet()


def locks_on_begin(engine: Engine) -> bool:
    """Whether every transaction of ``engine`` holds the database's write lock from its first
    statement on: an SQLite engine of :func:`make_engine` (``BEGIN IMMEDIATE``), not its
    :func:`read_only` twin nor a PostgreSQL engine.

    Parameters
    ----------
    engine
        An engine.

    Returns
    -------
    bool
        True when no other transaction can write between this one's first statement and
        its end.
    """
    return engine in _IMMEDIATE


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
    conn.exec_driver_sql("BEGIN" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    create: bool = False,
    durable: bool = True,
    **kwargs: Any,
) -> Engine:
    """Build the engine of the trial database at ``url``.

    Parameters
    ----------
    url
        SQLite or PostgreSQL URL (see :func:`normalize_url`).
    busy_timeout_ms
        SQLite only: how long to wait for a lock before failing with "database is locked".
    create
        SQLite only: create the file (mode 0600) when it is missing. Without it, connecting to
        a missing file raises :class:`~metsor.errors.InputError` ("database not initialised").
    durable
        SQLite only: ``synchronous=FULL``, every commit on disk when it returns (default);
        False: ``NORMAL``, a commit kept through a crash of the program but not always through
        a power cut — for a database rebuilt at will, as the virtual trial's.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine` (``poolclass``, ``echo``, …).

    Returns
    -------
    Engine
        An engine; on SQLite every transaction begins ``IMMEDIATE`` unless the connection's
        execution options ask for ``metsor_sqlite_begin="DEFERRED"``.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "postgresql":
        import_extra(
            "psycopg", "postgresql", needed_for="a PostgreSQL database", field="database_url"
        )
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **kwargs)
        path = sqlite_file(parsed)
        if path is not None:
            event.listen(engine, "do_connect", _sqlite_opener(path, create=create))
        event.listen(engine, "connect", _sqlite_on_connect(busy_timeout_ms, durable))
        event.listen(engine, "begin", _sqlite_begin)
        _IMMEDIATE.add(engine)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(parsed, **kwargs)
    event.listen(engine, "handle_error", _user_error)
    return engine


def read_only(engine: Engine) -> Engine:
    """The same engine whose SQLite transactions begin deferred (a reader takes no write lock).

    Parameters
    ----------
    engine
        An engine from :func:`make_engine`.

    Returns
    -------
    Engine
        An engine sharing the pool of ``engine``; on PostgreSQL it behaves the same.
    """
    return engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})


_TEXT_LIMITS: dict[Any, tuple[tuple[str, str, int], ...]] = {}


def _text_limits(mapper: Any) -> tuple[tuple[str, str, int], ...]:
    """``(attribute, column, length)`` of a mapper's texts of bounded length (cached)."""
    limits = _TEXT_LIMITS.get(mapper)
    if limits is None:
        limits = tuple(
            (prop.key, prop.columns[0].name, prop.columns[0].type.length or 0)
            for prop in mapper.column_attrs
            if isinstance(prop.columns[0].type, String) and (prop.columns[0].type.length or 0) > 0
        )
        _TEXT_LIMITS[mapper] = limits
    return limits


def _check_text_lengths(session: Session, flush_context: Any, instances: Any) -> None:
    """Refuse a text longer than its column, the same on SQLite (which would store it whole)
    and on PostgreSQL (which would fail)."""
    _check_texts((*session.new, *session.dirty))


def _check_inserted_text_lengths(session: Session, records: Sequence[Any]) -> None:
    """The same for records inserted at once (:func:`metsor.store.audit.hooks.insert_records`)."""
    _check_texts(records)


def _check_texts(objects: Iterable[Any]) -> None:
    for obj in objects:
        state = sa_inspect(obj, raiseerr=False)
        if state is None:
            continue  # not a mapped object: refused by whoever writes it
        values = state.dict
        for key, name, length in _text_limits(state.mapper):
            value = values.get(key)
            if isinstance(value, str) and len(value) > length:
                raise InputError(
                    f"{name} holds at most {length:,} characters, got {len(value):,}",
                    field=name,
                )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep their objects loaded after commit.

    Parameters
    ----------
    engine
        The engine to bind.

    Returns
    -------
    sessionmaker
        A factory of :class:`sqlalchemy.orm.Session` whose sessions audit every write of an
        audited table (:mod:`metsor.store.audit`) and refuse, before writing, a text longer
        than its column (an :class:`~metsor.errors.InputError` naming the column), whether
        the ORM flushes it or it is inserted at once
        (:func:`metsor.store.audit.hooks.insert_records`).
    """
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
    event.listen(factory, "before_flush", _check_text_lengths)
    audit_hooks.listen_inserts(factory, _check_inserted_text_lengths)
    return audit_hooks.install(factory)
