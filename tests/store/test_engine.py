"""Engines: SQLite pragmas and locking mode, PostgreSQL driver, URL checks, files refused,
database errors that the input causes."""

from __future__ import annotations

import stat
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from metsor.errors import InputError
from metsor.store.engine import (
    make_engine,
    normalize_url,
    read_only,
    session_factory,
    sqlite_file,
)
from metsor.store.migrate import created_only_on_success, current_revision, upgrade
from metsor.store.models.core import Site


def test_sqlite_connections_have_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}", create=True)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            # FULL (2): a commit is on disk when it returns, power cut or not
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60_000
    finally:
        engine.dispose()


def test_a_database_rebuilt_at_will_may_skip_waiting_for_the_disk(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}", create=True, durable=False)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_sqlite_write_transactions_take_the_write_lock_at_begin(tmp_path):
    """A second BEGIN IMMEDIATE must wait: the first writer holds the lock from its start."""
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    first = make_engine(url, create=True)
    second = make_engine(url, busy_timeout_ms=0)
    try:
        with first.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with first.connect() as holder:
            holder.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE ran: write lock held
            with second.connect() as other, pytest.raises(OperationalError, match="locked"):
                other.exec_driver_sql("SELECT 1")
            with read_only(second).connect() as reader:
                assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        first.dispose()
        second.dispose()


def test_bare_postgresql_url_gets_the_psycopg_driver():
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    "url",
    [pytest.param("mysql://u@h/db", id="unsupported"), pytest.param("not a url", id="malformed")],
)
def test_unsupported_or_malformed_urls_are_input_errors(url):
    """The store names its own setting; the command line shows it as ``--db``."""
    with pytest.raises(InputError) as caught:
        normalize_url(url)
    assert caught.value.field == "database_url"


def test_database_url_fixture_is_migrated_and_empty(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM sites")).scalar() == 0
    finally:
        engine.dispose()


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_opening_a_missing_sqlite_file_creates_nothing(tmp_path):
    path = tmp_path / "metsor.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with pytest.raises(InputError, match="database not initialised: run `metsor db init`"):
            engine.connect()
    finally:
        engine.dispose()
    assert current_revision(f"sqlite:///{path}") is None
    assert list(tmp_path.iterdir()) == []


def test_a_new_database_file_and_its_wal_and_shm_are_for_the_owner_only(tmp_path):
    path = tmp_path / "metsor.sqlite"
    upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sites"))  # WAL and shared memory open
            files = {p.name: _mode(p) for p in tmp_path.iterdir()}
    finally:
        engine.dispose()
    assert files == {"metsor.sqlite": 0o600, "metsor.sqlite-wal": 0o600, "metsor.sqlite-shm": 0o600}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "is empty, not an SQLite database", id="empty-file"),
        pytest.param(b"name,arm\nTJ-001,a\n", "is not an SQLite database", id="csv-file"),
        pytest.param(b"SQLite format", "is not an SQLite database", id="cut-header"),
    ],
)
def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_is(tmp_path, content, message):
    path = tmp_path / "metsor.sqlite"
    path.write_bytes(content)
    for create in (False, True):
        engine = make_engine(f"sqlite:///{path}", create=create)
        try:
            with pytest.raises(InputError, match=message):
                engine.connect()
        finally:
            engine.dispose()
    with pytest.raises(InputError, match="cannot migrate the database"):
        upgrade(f"sqlite:///{path}")
    assert path.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["metsor.sqlite"]


def test_a_migration_that_fails_removes_the_file_it_created(tmp_path):
    path = tmp_path / "metsor.sqlite"
    with pytest.raises(Exception, match="no-such-revision"):
        upgrade(f"sqlite:///{path}", "no-such-revision")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite://", id="memory"),
        pytest.param("sqlite:///:memory:", id="named-memory"),
        pytest.param("postgresql://u@h/db", id="postgresql"),
    ],
)
def test_only_sqlite_files_have_a_file(url):
    assert sqlite_file(url) is None


def test_a_database_without_tables_is_not_initialised(empty_database_url):
    if sqlite_file(empty_database_url):  # an SQLite database with no table, made outside metsor
        make_engine(empty_database_url, create=True).dispose()
        engine = make_engine(empty_database_url, create=True)
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE other (x INTEGER)")
        engine.dispose()
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as conn, pytest.raises(InputError) as caught:
            conn.execute(select(Site))
    finally:
        engine.dispose()
    assert str(caught.value).startswith("database not initialised: run `metsor db init`")
    assert "'sites'" in str(caught.value)


def test_a_whole_number_beyond_64_bits_is_an_input_error_naming_the_column(database_url):
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn, pytest.raises(InputError) as caught:
            conn.execute(
                text("INSERT INTO sites (id, code, name) VALUES (:id, 'XX', 'x')"),
                {"id": 10**20 - 1},
            )
    finally:
        engine.dispose()
    assert caught.value.field == "id"
    assert "99999999999999999999 is beyond the whole numbers the database" in str(caught.value)


def test_looking_up_a_number_beyond_64_bits_names_it(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn, pytest.raises(InputError) as caught:
            conn.execute(select(Site.code).where(Site.id == 10**20))
    finally:
        engine.dispose()
    assert str(caught.value).startswith("field 'id': 100000000000000000000 is beyond the whole")


def test_a_text_with_a_lone_surrogate_is_an_input_error_naming_the_column(database_url):
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn, pytest.raises(InputError) as caught:
            conn.execute(
                text("INSERT INTO sites (code, name) VALUES ('XX', :name)"), {"name": "T\udcffJ"}
            )
    finally:
        engine.dispose()
    assert caught.value.field == "name"
    assert "not valid Unicode" in str(caught.value)


def test_a_text_longer_than_its_column_is_refused_alike_on_both_databases(database_url):
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            session.add(Site(code="TJ", name="x" * 201))
            with pytest.raises(InputError) as caught:
                session.flush()
    finally:
        engine.dispose()
    assert caught.value.field == "name"
    assert str(caught.value) == "field 'name': name holds at most 200 characters, got 201"


def test_a_function_that_fails_after_creating_the_database_leaves_no_file(tmp_path):
    path = tmp_path / "metsor.sqlite"

    @dataclass
    class Named:
        url: str

    @created_only_on_success
    def initialise(database: Named, *, fail: bool) -> str:
        upgrade(database.url)
        if fail:
            raise InputError("the password needs at least 10 characters", field="password")
        return "done"

    with pytest.raises(InputError, match="at least 10"):
        initialise(Named(f"sqlite:///{path}"), fail=True)
    assert list(tmp_path.iterdir()) == []
    assert initialise(Named(f"sqlite:///{path}"), fail=False) == "done"
    with pytest.raises(InputError, match="at least 10"):
        initialise(Named(f"sqlite:///{path}"), fail=True)
    assert path.is_file()  # it existed before the failing call: kept
