"""Engines: SQLite pragmas and locking mode, PostgreSQL driver, URL checks."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from metsor.errors import InputError
from metsor.store.engine import make_engine, normalize_url, read_only


def test_sqlite_connections_have_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60_000
    finally:
        engine.dispose()


def test_sqlite_write_transactions_take_the_write_lock_at_begin(tmp_path):
    """A second BEGIN IMMEDIATE must wait: the first writer holds the lock from its start."""
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    first = make_engine(url)
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


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_or_malformed_urls_are_input_errors(url):
    with pytest.raises(InputError, match="--db"):
        normalize_url(url)


def test_database_url_fixture_is_migrated_and_empty(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM sites")).scalar() == 0
    finally:
        engine.dispose()
