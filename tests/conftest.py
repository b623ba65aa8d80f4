"""Fixtures shared by every test: the trial database on SQLite and on PostgreSQL.

``database_backend`` is parametrized over ``"sqlite"`` and ``"postgresql"``, so any test that
uses one of the database fixtures runs on both:

- ``database_url``: URL of a database migrated to head (every revision, casebook included) and
  holding no rows. SQLite: a copy of a migrated template file in ``tmp_path``. PostgreSQL: one
  throwaway database ``metsor_test_<random>`` per test run on ``127.0.0.1:5432`` (user
  ``postgres``, trust auth), migrated once and emptied (``DELETE`` from every table) before
  each test, other connections to it closed first.
- ``empty_database_url``: a database with no tables at all, for migration tests (PostgreSQL: a
  database of its own, dropped after the test).
- ``database``: :class:`metsor.services.context.Database` opened on ``database_url``, closed
  after the test.

The PostgreSQL server must be up: if it cannot be reached the PostgreSQL variants FAIL with a
message saying so, unless ``METSOR_SKIP_POSTGRES=1`` is set, which skips them. Another server
can be named with ``METSOR_TEST_POSTGRES`` (a libpq connection string of an account allowed to
create databases; default ``host=127.0.0.1 port=5432 user=postgres dbname=postgres``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Hypothesis profiles: "ci" draws the same examples on every run (derandomize: a seed fixed by
# the test's source) so that a failure in CI reproduces, and prints the blob to replay it;
# "dev" is Hypothesis's default search; "fuzz" (`make fuzz`) draws fresh random examples, many
# more of them. CI=true selects "ci", else HYPOTHESIS_PROFILE, else "dev".
settings.register_profile("ci", derandomize=True, print_blob=True, database=None, deadline=None)
settings.register_profile("dev", deadline=None)
settings.register_profile("fuzz", max_examples=2000, derandomize=False, deadline=None)
settings.load_profile(
    "ci" if os.environ.get("CI") == "true" else os.environ.get("HYPOTHESIS_PROFILE", "dev")
)

_DEFAULT_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@dataclass(frozen=True)
class _PostgresServer:
    admin_dsn: str
    params: dict[str, Any]

    def url(self, dbname: str) -> str:
        user = self.params.get("user", "postgres")
        host = self.params.get("host", "127.0.0.1")
        port = self.params.get("port", "5432")
        password = self.params.get("password")
        auth = f"{user}:{password}" if password else user
        return f"postgresql+psycopg://{auth}@{host}:{port}/{dbname}"

    def connect(self, dbname: str | None = None) -> Any:
        import psycopg

        dsn = (
            self.admin_dsn
            if dbname is None
            else psycopg.conninfo.make_conninfo(self.admin_dsn, dbname=dbname)
        )
        return psycopg.connect(dsn, autocommit=True)

    def create(self, dbname: str) -> None:
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')

    def drop(self, dbname: str) -> None:
        with self.connect() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')


@pytest.fixture(scope="session", autouse=True)
def _metsor_home_of_the_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The same for session fixtures (a virtual trial run once), which run before any test's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METSOR_HOME", str(tmp_path_factory.mktemp("home-of-the-run")))
        for name in ("METSOR_AUDIT_KEY", "METSOR_AUDIT_KEY_FILE", "METSOR_AUDIT_ANCHOR_FILE"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(autouse=True)
def _metsor_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``METSOR_HOME`` of each test's own, and no audit key or anchor from the environment.

    ``metsor db init`` writes the audit key and the anchor file into ``METSOR_HOME``; a test
    never writes them into the working folder nor reads another test's.
    """
    monkeypatch.setenv("METSOR_HOME", str(tmp_path_factory.mktemp("home")))
    for name in ("METSOR_AUDIT_KEY", "METSOR_AUDIT_KEY_FILE", "METSOR_AUDIT_ANCHOR_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def postgres_server() -> _PostgresServer:
    """The PostgreSQL server of the test run (fails the test if it cannot be reached)."""
    if os.environ.get("METSOR_SKIP_POSTGRES") == "1":
        pytest.skip("METSOR_SKIP_POSTGRES=1: PostgreSQL variants skipped")
    import psycopg

    dsn = os.environ.get("METSOR_TEST_POSTGRES", _DEFAULT_ADMIN_DSN)
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {dsn!r} ({exc}). The PostgreSQL tests need it: "
            "start the server, point METSOR_TEST_POSTGRES at another, or set "
            "METSOR_SKIP_POSTGRES=1 to skip them explicitly.",
            pytrace=False,
        )
    return _PostgresServer(admin_dsn=dsn, params=psycopg.conninfo.conninfo_to_dict(dsn))


@pytest.fixture(scope="session")
def _postgres_migrated(postgres_server: _PostgresServer) -> Iterator[str]:
    from metsor.store.migrate import upgrade

    dbname = f"metsor_test_{secrets.token_hex(6)}"
    postgres_server.create(dbname)
    try:
        upgrade(postgres_server.url(dbname))
        yield dbname
    finally:
        postgres_server.drop(dbname)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from metsor.store.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "metsor.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``: every database test runs on both."""
    return str(request.param)


def _empty_postgres(server: _PostgresServer, dbname: str) -> None:
    from metsor.store import models
    from metsor.store.base import Base

    assert models.core is not None
    with server.connect(dbname) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        present = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        }
        # DELETE, children first, is much faster than TRUNCATE on small tables.
        ordered = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in present]
        ordered += sorted(present - set(ordered))
        with conn.transaction():
            for table in ordered:
                conn.execute(f'DELETE FROM "{table}"')


@pytest.fixture
def database_url(request: pytest.FixtureRequest, database_backend: str, tmp_path: Path) -> str:
    """URL of a migrated, empty trial database (see the module docstring)."""
    if database_backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "metsor.sqlite"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    server: _PostgresServer = request.getfixturevalue("postgres_server")
    dbname: str = request.getfixturevalue("_postgres_migrated")
    _empty_postgres(server, dbname)
    return server.url(dbname)


@pytest.fixture
def empty_database_url(
    request: pytest.FixtureRequest, database_backend: str, tmp_path: Path
) -> Iterator[str]:
    """URL of a database without any table (for migration tests)."""
    if database_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    server: _PostgresServer = request.getfixturevalue("postgres_server")
    dbname = f"metsor_test_{secrets.token_hex(6)}"
    server.create(dbname)
    try:
        yield server.url(dbname)
    finally:
        server.drop(dbname)


@pytest.fixture
def database(database_url: str) -> Iterator[Any]:
    """The trial database at ``database_url``, opened, and closed after the test."""
    from metsor.services.context import Database

    # a test's database is thrown away: its commits need not wait for the disk
    db = Database.open(database_url, durable=False)
    try:
        yield db
    finally:
        db.close()


#: Limit of one property's run in a fresh interpreter, under pytest's own 600 s per test.
PROPERTY_SUBPROCESS_TIMEOUT_S = 540


@pytest.fixture
def fresh_interpreter() -> Callable[[Path, str], None]:
    """Check one Hypothesis property of a test module in a new Python process.

    The module, run as a script with the property's name and the loaded profile's settings,
    checks that property and prints ``NAME: ok``; a crash (a signal) then fails the test
    instead of killing the run.
    """

    def check(script: Path, name: str) -> None:
        current = settings()
        chosen = {
            "max_examples": current.max_examples,
            "derandomize": current.derandomize,
            "print_blob": current.print_blob,
        }
        done = subprocess.run(
            [sys.executable, str(script), name, json.dumps(chosen)],
            capture_output=True,
            text=True,
            timeout=PROPERTY_SUBPROCESS_TIMEOUT_S,
            check=False,
        )
        how = f"killed by signal {-done.returncode}" if done.returncode < 0 else "failed"
        assert done.returncode == 0, (
            f"property {name} exited with {done.returncode} ({how}):\n{done.stdout}\n{done.stderr}"
        )
        assert f"{name}: ok" in done.stdout

    return check
