"""The trial database: tables, engines, sessions, the audit chain and migrations.

- :mod:`metsor.store.base` — ``Base``, ``AuditedMixin``, ``UtcDateTime``, ``utcnow``.
- :mod:`metsor.store.engine` — ``make_engine(url)``, ``session_factory(engine)``.
- :mod:`metsor.store.models` — the tables (``core``; ``casebook``).
- :mod:`metsor.store.audit` — the hash-chained audit trail and ``verify``.
- :mod:`metsor.store.migrate` — ``upgrade(url)``: Alembic to head.

Only :mod:`metsor.services` writes through these modules.
"""

__all__: list[str] = []
