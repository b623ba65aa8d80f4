"""Migrations: an empty database reaches head, the schema matches the models, 0001 reverses."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from metsor.store import models
from metsor.store.base import Base
from metsor.store.engine import make_engine
from metsor.store.migrate import alembic_config, current_revision, head_revision, upgrade

CORE_TABLES = {
    "allocation_list",
    "allocations",
    "audit_log",
    "consents",
    "decisions",
    "randomization_scheme",
    "screenings",
    "sites",
    "stratum_counters",
    "subjects",
    "users",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_empty_database_upgrades_to_head_and_again_without_change(empty_database_url):
    assert current_revision(empty_database_url) is None
    upgrade(empty_database_url)
    assert current_revision(empty_database_url) == head_revision()
    assert _tables(empty_database_url) >= CORE_TABLES
    upgrade(empty_database_url)
    assert current_revision(empty_database_url) == head_revision()


def test_migrated_schema_matches_the_models(database_url):
    assert models.core is not None
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_core_revision_downgrades_to_an_empty_database(empty_database_url):
    upgrade(empty_database_url, "0001_core")
    assert current_revision(empty_database_url) == "0001_core"
    command.downgrade(alembic_config(empty_database_url), "base")
    assert _tables(empty_database_url) <= {"alembic_version"}
