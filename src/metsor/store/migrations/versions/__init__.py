"""Alembic revisions, in order: 0001_core, 0002_casebook."""
