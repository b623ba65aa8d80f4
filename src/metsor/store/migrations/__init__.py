"""Alembic environment and revisions of the trial database."""
