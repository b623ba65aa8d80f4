"""Statements sent straight to SQLite's driver, for the few that every casebook page sends.

SQLAlchemy spends about 30–40 µs of Python on each statement it executes — a compiled-cache
lookup, an execution context, a result with its metadata — where SQLite itself answers a
casebook's small read in 2 µs (``benchmarks/driver.py`` measures both in the same run). A page
sends a dozen statements, so that overhead was a sixth of its time. On SQLite, :func:`run`
sends SQL text on the DBAPI cursor of the transaction's own connection, and
:class:`Prepared` is a Core statement compiled once, its parameters and columns converted by
their types' own processors, run so:

- the engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners are called as
  SQLAlchemy calls them (statement counts, logging of the benchmarks and tests see them);
- a statement that fails is sent again through
  :meth:`~sqlalchemy.engine.Connection.exec_driver_sql`, so that the error is raised, wrapped
  and translated exactly as SQLAlchemy does (SQLite undoes a failed statement whole, so the
  second try meets the same state); a failed ``executemany``, whose earlier rows stand, is
  wrapped as SQLAlchemy wraps a driver's error, and not sent again;
- on any other database, or outside a transaction, both are plain SQLAlchemy execution.

Only statements written once, at import, are prepared: their text does not change from one
execution to the next (no ``IN`` list of varying length).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

__all__ = ["Prepared", "Rows", "prepared", "run"]


def run(
    connection: Connection, sql: str, parameters: Sequence[Any], *, many: bool = False
) -> list[tuple[Any, ...]]:
    """Send SQL text with positional parameters; the rows it returns (none for an insert
    without ``RETURNING``).

    Parameters
    ----------
    connection
        The connection of the caller's transaction.
    sql
        The statement in the driver's parameter style (``?`` on SQLite).
    parameters
        Its values, already as the database stores them; with ``many``, one sequence a row.
    many
        Send it once per row of ``parameters`` (``executemany``).

    Returns
    -------
    list of tuple
        The rows returned.
    """
    if connection.dialect.name != "sqlite" or not connection.in_transaction():
        result = connection.exec_driver_sql(sql, list(parameters) if many else tuple(parameters))
        return [tuple(row) for row in result] if result.returns_rows else []
    dispatch = connection.dispatch
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for listener in dispatch.before_cursor_execute:
            listener(connection, cursor, sql, parameters, None, many)
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        except dialect_errors(connection) as exc:
            if many:  # the rows before the failing one are written: not sent again
                raise DBAPIError.instance(
                    sql, parameters, exc, connection.dialect.loaded_dbapi.Error,
                    dialect=connection.dialect,
                ) from exc  # fmt: skip
            # raised, wrapped and translated as SQLAlchemy does it
            connection.exec_driver_sql(sql, tuple(parameters))
            raise
        for listener in dispatch.after_cursor_execute:
            listener(connection, cursor, sql, parameters, None, many)
        return rows
    finally:
        cursor.close()


def dialect_errors(connection: Connection) -> tuple[type[BaseException], ...]:
    """What the driver raises for a statement it cannot run (and Python's own errors of
    binding a value, such as an integer too large)."""
    return (connection.dialect.loaded_dbapi.Error, OverflowError, ValueError, TypeError)


class Rows(list[Any]):
    """A statement's rows, each with its columns by name (``row.arm``) and by position."""

    def one(self) -> Any:
        """The only row (an error unless there is exactly one)."""
        if len(self) != 1:
            raise LookupError(f"expected one row, got {len(self)}")
        return self[0]

    def one_or_none(self) -> Any:
        """The only row, or None (an error for more than one)."""
        if len(self) > 1:
            raise LookupError(f"expected at most one row, got {len(self)}")
        return self[0] if self else None

    def first(self) -> Any:
        """The first row, or None."""
        return self[0] if self else None

    def scalar(self) -> Any:
        """The first column of the first row, or None."""
        return self[0][0] if self else None

    def all(self) -> list[Any]:
        """The rows, as a list."""
        return list(self)


class _Plan:
    """A statement as compiled for one dialect: its text, each parameter's name, value when
    bound at build time and type processor, and the columns' names and (where their type has
    one) processors."""

    __slots__ = ("parameters", "processed", "row", "sql")

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        assert isinstance(statement, ClauseElement)
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        binds = compiled.binds
        if compiled.positiontup is None:
            raise TypeError("prepared statements are for SQLite's positional parameters")
        parameters = []
        for name in compiled.positiontup:
            bind = binds[name]
            if bind.expanding:
                raise TypeError(f"parameter {name!r}: a prepared statement's text is fixed")
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            parameters.append((name, bind.required, bind.value, process))
        self.parameters: tuple[tuple[str, bool, Any, Callable[[Any], Any] | None], ...] = tuple(
            parameters
        )
        names = [column[0] for column in compiled._result_columns]
        processors = (
            column[3].dialect_impl(dialect).result_processor(dialect, None)
            for column in compiled._result_columns
        )
        self.processed: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (index, process) for index, process in enumerate(processors) if process is not None
        )
        self.row: Any = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        self.sql = compiled.string

    def values(self, given: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, required, default, process in self.parameters:
            value = given[name] if required or name in given else default
            out.append(value if process is None else process(value))
        return out

    def rows(self, found: Iterable[tuple[Any, ...]]) -> Rows:
        make = self.row._make
        if not self.processed:
            return Rows(map(make, found))
        rows = Rows()
        for row in found:
            values = list(row)
            for index, process in self.processed:
                values[index] = process(values[index])
            rows.append(make(values))
        return rows


class Prepared:
    """A Core statement (a select, an insert, a union …) compiled once per dialect and run by
    :func:`run` on SQLite, by SQLAlchemy elsewhere.

    Parameters
    ----------
    statement
        The statement; its parameters without a value are given to :meth:`rows`.
    """

    __slots__ = ("_plans", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> Rows:
        """Run the statement in the connection's transaction with ``values``; its rows.

        Parameters
        ----------
        connection
            The connection of the caller's transaction.
        values
            A value for each parameter the statement left without one.

        Returns
        -------
        Rows
            Each row with its columns by their labels, their values as SQLAlchemy reads them.
        """
        if connection.dialect.name != "sqlite":
            return Rows(connection.execute(self.statement, dict(values)))
        plan = self._plans.get("sqlite")
        if plan is None:
            plan = self._plans["sqlite"] = _Plan(self.statement, connection.dialect)
        return plan.rows(run(connection, plan.sql, plan.values(values)))


#: The statements prepared by :func:`prepared`, by identity (each kept, so that its identity
#: is not reused); statements written once, at import: a few dozen.
_PREPARED: dict[int, Prepared] = {}


def prepared(statement: Executable) -> Prepared:
    """The :class:`Prepared` of a statement written once, made at its first use.

    Parameters
    ----------
    statement
        A statement built at import (a module's constant).

    Returns
    -------
    Prepared
        The same one at every call with this statement.
    """
    found = _PREPARED.get(id(statement))
    if found is None or found.statement is not statement:
        found = _PREPARED[id(statement)] = Prepared(statement)
    return found
