"""Statements sent straight to SQLite's driver (:mod:`metsor.store.driver`) read what SQLAlchemy
reads, are seen by the engine's listeners, and fail with SQLAlchemy's own errors; on
PostgreSQL they are SQLAlchemy's execution."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert, literal, null, select, union_all
from sqlalchemy.exc import DBAPIError, IntegrityError

from metsor.errors import InputError
from metsor.store.driver import Prepared, Rows, prepared, run
from metsor.store.models.casebook import MissedVisit, Visit
from metsor.store.models.core import Site

#: A union of typed columns: text, whole numbers, dates, a boolean, a null, a literal.
_UNION = union_all(
    select(
        literal("visit").label("kind"),
        Visit.id,
        Visit.number,
        Visit.actual_date.label("day"),
        Visit.in_window.label("flag"),
        null().label("reason"),
    ).where(Visit.subject_id == bindparam("subject_id")),
    select(
        literal("missed"),
        MissedVisit.id,
        MissedVisit.number,
        MissedVisit.missed_on,
        MissedVisit.retracted,
        MissedVisit.reason,
    ).where(MissedVisit.subject_id == bindparam("subject_id")),
)

_SITES = select(Site.id, Site.code, Site.created_at).where(Site.code == bindparam("code"))


@contextmanager
def _sent(database: Any) -> Iterator[list[str]]:
    sent: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", before)


@contextmanager
def _connection(database: Any) -> Iterator[Any]:
    """A connection in a transaction rolled back at the end, foreign keys not enforced."""
    with database.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        transaction = connection.begin()
        if connection.dialect.name != "sqlite":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        try:
            yield connection
        finally:
            transaction.rollback()


def _visits(connection: Any) -> None:
    connection.execute(
        insert(Visit.__table__),
        [
            {"subject_id": "TJ-001", "visit_type": "treatment", "number": n,
             "actual_date": date(2020, 1, n), "planned_date": None, "in_window": n % 2 == 0,
             "recorded_by": "coord_tj", "recorded_at": datetime(2020, 1, 1, tzinfo=UTC)}
            for n in (1, 2)
        ],
    )  # fmt: skip
    connection.execute(
        insert(MissedVisit.__table__),
        {"subject_id": "TJ-001", "visit_type": "treatment", "number": 3,
         "missed_on": date(2020, 1, 3), "reason": "in hospital", "retracted": False,
         "planned_date": None, "recorded_by": "coord_tj",
         "recorded_at": datetime(2020, 1, 1, tzinfo=UTC)},
    )  # fmt: skip
    connection.execute(
        insert(Site.__table__),
        {"code": "TJ", "name": "Tianjin", "created_at": datetime(2020, 1, 1, 9, tzinfo=UTC)},
    )


def _sql(connection: Any, sql: str) -> str:
    return sql if connection.dialect.name == "sqlite" else sql.replace("?", "%s")


_SITE = "INSERT INTO sites (code, name, created_at) VALUES (?, ?, ?)"


def test_rows_are_those_sqlalchemy_reads(database: Any) -> None:
    with _connection(database) as connection:
        _visits(connection)
        for statement, values in [
            (_UNION, {"subject_id": "TJ-001"}),
            (_SITES, {"code": "TJ"}),
        ]:
            ours = Prepared(statement).rows(connection, values)
            theirs = connection.execute(statement, values).all()
            assert [tuple(row) for row in ours] == [tuple(row) for row in theirs]
            assert len(ours) == len(theirs) > 0
        site = Prepared(_SITES).rows(connection, {"code": "TJ"}).one()
        assert site.created_at == datetime(2020, 1, 1, 9, tzinfo=UTC)  # aware UTC, as stored
        read = Prepared(_UNION).rows(connection, {"subject_id": "TJ-001"})
        kinds = {row.kind: row for row in read}
        assert kinds["missed"].day == date(2020, 1, 3)
        assert kinds["missed"].flag is False
        assert kinds["missed"].reason == "in hospital"


def test_the_engine_listeners_see_each_statement_once(database: Any) -> None:
    with _sent(database) as sent, _connection(database) as connection:
        before = len(sent)
        prepared(_SITES).rows(connection, {"code": "none"})
        assert run(connection, "SELECT 1", ()) == [(1,)]
        assert len(sent) == before + 2


def test_a_failing_statement_raises_sqlalchemy_errors(database: Any) -> None:
    with _connection(database) as connection:
        moment = datetime(2020, 1, 1)
        run(connection, _sql(connection, _SITE), ("TJ", "Tianjin", moment))
        with pytest.raises(IntegrityError):
            run(connection, _sql(connection, _SITE), ("TJ", "Tianjin again", moment))


def test_a_missing_table_is_the_engine_s_own_message(database: Any) -> None:
    with _connection(database) as connection, pytest.raises(InputError, match="no_such_table"):
        run(connection, "SELECT * FROM no_such_table", ())


def test_a_failing_executemany_is_wrapped_and_not_sent_again(database: Any) -> None:
    with _sent(database) as sent, _connection(database) as connection:
        moment = datetime(2020, 1, 1)
        rows = [("A", "a", moment), ("A", "b", moment)]
        with pytest.raises(DBAPIError):
            run(connection, _sql(connection, _SITE), rows, many=True)
        assert sum(s.startswith("INSERT INTO sites") for s in sent) == 1


@pytest.mark.parametrize(
    ("rows", "call", "expected"),
    [
        pytest.param([], "one_or_none", None, id="none"),
        pytest.param([(1, "a")], "one", (1, "a"), id="one"),
        pytest.param([(1, "a"), (2, "b")], "first", (1, "a"), id="first"),
        pytest.param([(1, "a")], "scalar", 1, id="scalar"),
        pytest.param([], "scalar", None, id="scalar-of-none"),
    ],
)
def test_rows_read_as_a_result_reads(rows: list[Any], call: str, expected: Any) -> None:
    assert getattr(Rows(rows), call)() == expected


@pytest.mark.parametrize(
    ("rows", "call"),
    [
        pytest.param([], "one", id="one-of-none"),
        pytest.param([(1,), (2,)], "one", id="one-of-two"),
        pytest.param([(1,), (2,)], "one_or_none", id="at-most-one-of-two"),
    ],
)
def test_rows_refuse_what_a_result_refuses(rows: list[Any], call: str) -> None:
    with pytest.raises(LookupError):
        getattr(Rows(rows), call)()
