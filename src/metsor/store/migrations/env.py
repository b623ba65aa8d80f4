"""Alembic environment of the trial database: online migrations on the metsor engine."""

from __future__ import annotations

from alembic import context

from metsor.store import models
from metsor.store.base import Base
from metsor.store.engine import make_engine

assert models.core is not None  # every table is registered on Base.metadata

config = context.config
url = config.attributes.get("metsor_url") or config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL given to the migrations")

# Only the migrations create a missing SQLite file (``metsor db init``); see store/engine.py.
engine = make_engine(url, create=bool(config.attributes.get("metsor_create", True)))
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
