"""Engines and sessions of the trial database.

:func:`make_engine` builds the engine for a URL:

- SQLite (``sqlite:///path``): WAL journal, ``foreign_keys=ON``, a ``busy_timeout``, and every
  transaction opened with ``BEGIN IMMEDIATE`` so that writers queue for the one write lock at
  the start of a transaction instead of failing half-way (read-only work can ask for a plain
  deferred ``BEGIN`` with the execution option ``metsor_sqlite_begin="DEFERRED"``, which
  :func:`read_only` sets).
- PostgreSQL (``postgresql+psycopg://user@host/db``; a bare ``postgresql://`` is given the
  psycopg 3 driver): READ COMMITTED, with row locks (``SELECT … FOR UPDATE``) taken by the
  services where a decision depends on a count.

:func:`session_factory` makes ORM sessions that do not expire objects on commit.
Engines are built by these factories only, never at import time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from metsor.errors import InputError
from metsor.store.audit import hooks as audit_hooks

__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "describe_url",
    "make_engine",
    "normalize_url",
    "read_only",
    "session_factory",
]

#: How long an SQLite connection waits for a lock before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 60_000

_BEGIN_OPTION = "metsor_sqlite_begin"


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
        raise InputError(f"cannot parse database URL {url!r}: {exc}", field="--db") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    if backend == "sqlite":
        return parsed
    raise InputError(
        f"database {backend!r} is not supported (use sqlite:///FILE or postgresql+psycopg://…)",
        field="--db",
    )


def describe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"


def _sqlite_on_connect(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        _sqlite_connect(dbapi_connection, busy_timeout_ms)

    return on_connect


def _sqlite_connect(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    # Let SQLAlchemy, not the sqlite3 module, issue BEGIN (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
    conn.exec_driver_sql("BEGIN" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


def make_engine(
    url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any
) -> Engine:
    """Build the engine of the trial database at ``url``.

    Parameters
    ----------
    url
        SQLite or PostgreSQL URL (see :func:`normalize_url`).
    busy_timeout_ms
        SQLite only: how long to wait for a lock before failing with "database is locked".
    **kwargs
        Passed to :func:`sqlalchemy.create_engine` (``poolclass``, ``echo``, …).

    Returns
    -------
    Engine
        An engine; on SQLite every transaction begins ``IMMEDIATE`` unless the connection's
        execution options ask for ``metsor_sqlite_begin="DEFERRED"``.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect(busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


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
        audited table (:mod:`metsor.store.audit`).
    """
    return audit_hooks.install(sessionmaker(bind=engine, expire_on_commit=False, autoflush=True))
