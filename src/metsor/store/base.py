"""Declarative base of every table of the trial database.

Every table derives from :class:`Base`, a SQLAlchemy 2 ``DeclarativeBase`` with typed
``Mapped[...]`` columns and a naming convention for constraints, so that Alembic migrations
name indexes, keys and checks the same way on SQLite and PostgreSQL.

Clinical tables also derive from :class:`AuditedMixin`. It marks a table whose every insert
and update is written to the hash-chained audit trail in the same transaction (see
:mod:`metsor.store.audit`) and whose rows are never deleted. Such a table needs a one-column
primary key; columns named in ``__audit_redacted__`` (a password hash, say) are written to the
trail as a digest, not in clear.

Time is always UTC: :class:`UtcDateTime` stores naive UTC on SQLite and ``timestamptz`` on
PostgreSQL, refuses naive datetimes and reads back aware UTC datetimes on both; :func:`utcnow`
is the one clock of the store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

__all__ = ["NAMING_CONVENTION", "AuditedMixin", "Base", "UtcDateTime", "utcnow"]

#: Names of constraints and indexes, the same on every database and in every migration.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, aware, in UTC, to the microsecond.

    Returns
    -------
    datetime
        ``datetime.now(UTC)``.
    """
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time stored as UTC and read back as an aware UTC ``datetime``.

    Raises
    ------
    ValueError
        On binding a naive ``datetime``: a time without a zone is ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to what the database stores."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; times are stored in UTC")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read a stored time back as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every table; constraint names follow :data:`NAMING_CONVENTION`."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class AuditedMixin:
    """Marks a clinical table: every insert and update is audited, rows are never deleted.

    Attributes
    ----------
    __audit_redacted__
        Columns whose values the audit trail records only as a SHA-256 digest.
    """

    __audit_redacted__: ClassVar[frozenset[str]] = frozenset()
