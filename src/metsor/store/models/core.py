"""Core tables of the trial database: sites, users, subjects, screening, consent, allocation.

Tables that hold trial data derive from :class:`~metsor.store.base.AuditedMixin`: each insert
and update is written to ``audit_log`` in the same transaction, and rows are never deleted.
Two tables are deliberately not audited field by field:

- ``allocation_list``: the concealed randomization list. Writing its arms to the audit trail
  would reveal them. Its integrity is held by ``randomization_scheme.list_digest`` (audited), a
  SHA-256 over every entry that ``metsor audit verify`` recomputes.
- ``stratum_counters``: the next unused list position per stratum, the row the randomization
  service locks. ``metsor audit verify`` checks it against the allocations made.

The seed the list was generated from is never stored: only its SHA-256 fingerprint
(``randomization_scheme.seed_fingerprint``). See :mod:`metsor.services.allocation_seed` for
where the seed lives.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from metsor.store.base import AuditedMixin, Base, utcnow

__all__ = [
    "ROLES",
    "SUBJECT_STATUSES",
    "Allocation",
    "AllocationListEntry",
    "AuditLog",
    "Consent",
    "Decision",
    "RandomizationScheme",
    "Screening",
    "Site",
    "StratumCounter",
    "Subject",
    "User",
]

#: Roles a user may hold.
ROLES: tuple[str, ...] = (
    "admin",
    "data_manager",
    "investigator",
    "coordinator",
    "monitor",
    "statistician",
)

#: Statuses of a subject (checked by the services, not by the database, so that a later
#: part of the trial can add one without a migration).
SUBJECT_STATUSES: tuple[str, ...] = (
    "screen_failed",
    "screening_incomplete",
    "eligible",
    "consented",
    "randomized",
    "on_treatment",
    "off_treatment",
    "withdrawn",
    "lost_to_follow_up",
    "dead",
    "completed",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Site(AuditedMixin, Base):
    """A trial site; its ``code`` prefixes the identifiers of its subjects (``TJ-001``)."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(AuditedMixin, Base):
    """A person who uses the system, with one role and, for site staff, one site.

    ``failed_logins`` counts wrong passwords given in a row (a correct one resets it);
    ``locked_until`` is set when they reach the login policy's limit, and no login succeeds
    before then (:mod:`metsor.services.authentication`). Both changes are audited, so every
    wrong password leaves an audit row whose actor is the user it was given for.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    __audit_redacted__: ClassVar[frozenset[str]] = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()


class Subject(AuditedMixin, Base):
    """A person screened for the trial, known by a site-prefixed identifier."""

    __tablename__ = "subjects"

    subject_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Screening(AuditedMixin, Base):
    """One eligibility check of a subject: the record as given, and the result."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.subject_id"), index=True)
    screened_on: Mapped[date] = mapped_column(Date)
    verdict: Mapped[str] = mapped_column(String(16))
    rules_version: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    screened_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(AuditedMixin, Base):
    """Written informed consent of a subject."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.subject_id"), unique=True)
    consent_date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class RandomizationScheme(AuditedMixin, Base):
    """How subjects are randomized; one row (``id = 1``), locked by every randomization."""

    __tablename__ = "randomization_scheme"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32))
    arms: Mapped[list[str]] = mapped_column(JSON)
    ratio: Mapped[list[int]] = mapped_column(JSON)
    strata: Mapped[list[str]] = mapped_column(JSON)
    block_sizes: Mapped[list[int]] = mapped_column(JSON)
    length_per_stratum: Mapped[int] = mapped_column(Integer)
    seed_fingerprint: Mapped[str] = mapped_column(String(64))
    list_digest: Mapped[str] = mapped_column(String(64))
    target_enrollment: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AllocationListEntry(Base):
    """One concealed entry of the allocation list (not audited: see the module docstring)."""

    __tablename__ = "allocation_list"
    __table_args__ = (UniqueConstraint("stratum", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stratum: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    arm: Mapped[str] = mapped_column(String(64))
    block_index: Mapped[int] = mapped_column(Integer)
    block_size: Mapped[int] = mapped_column(Integer)


class StratumCounter(Base):
    """The next unused list position of a stratum; locked ``FOR UPDATE`` while allocating."""

    __tablename__ = "stratum_counters"

    stratum: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_position: Mapped[int] = mapped_column(Integer)


class Allocation(AuditedMixin, Base):
    """The arm a subject was randomized to, and from where."""

    __tablename__ = "allocations"
    __table_args__ = (UniqueConstraint("stratum", "list_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.subject_id"), unique=True)
    arm: Mapped[str] = mapped_column(String(64))
    stratum: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    list_position: Mapped[int | None] = mapped_column(Integer)
    enrollment_number: Mapped[int] = mapped_column(Integer, unique=True)
    randomized_at: Mapped[datetime] = mapped_column(default=utcnow)
    randomized_by: Mapped[str] = mapped_column(String(64))


class Decision(AuditedMixin, Base):
    """A recorded trial decision, e.g. raising the enrollment cap."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    rationale: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(Base):
    """One audited write of one record: who, when, which table and record, and what changed.

    Since revision ``0010_audit_record_rows`` a row is one record inserted or updated by one
    flush: ``changes`` holds, in table order, each field written with its old and new value
    (an insert: every column; an update: each changed column), and ``field``, ``old_value``
    and ``new_value`` are empty. Rows written before hold one field each (``field``,
    ``old_value``, ``new_value``; ``changes`` empty) and stay as they were written.
    :func:`metsor.store.audit.field_entries` reads both as one entry per field.

    Rows are chained per committed transaction (``audit_transactions``,
    :mod:`metsor.store.models.audit`), not one by one. ``prev_hash`` and ``hash`` are set only
    on rows written before that (revision ``0005_audit_key``), which were SHA-256-chained row
    by row; they stay as they were written and are still checked.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[str | None] = mapped_column(Text)
