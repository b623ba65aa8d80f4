"""Monitoring and sign-off tables: source data verification, signatures, freezes and locks.

- ``sdv_marks``: a monitor's mark that one casebook entry was verified against source; a
  later change of the entry clears it (``status = "cleared"``, with the change that did).
- ``signers`` and ``signatures``: electronic signatures under 21 CFR Part 11 — the signer's
  printed name, the time (UTC), the meaning, and the digest of the rows signed; a later change
  of a signed row voids the signature (``status = "voided"``, with the change that did).
- ``data_locks``: the freeze or lock of a subject, a site or the study.
- ``edit_check_queries``: which edit-check rule raised a data query, and about what.
- ``monitoring_settings``: the trial's monitoring settings (the SDV plan).

Every table is audited and no row is deleted: a mark cleared or a signature voided keeps its
row, and a new mark or signature is a new row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from metsor.store.base import AuditedMixin, Base, utcnow

__all__ = ["DataLock", "EditCheckQuery", "MonitoringSetting", "SdvMark", "Signature", "Signer"]

_SUBJECT = "subjects.subject_id"


class SdvMark(AuditedMixin, Base):
    """One entry verified against source by a monitor, until a change of the entry clears it."""

    __tablename__ = "sdv_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16))
    verified_by: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column()
    cleared_by: Mapped[str | None] = mapped_column(String(64))
    cleared_because: Mapped[str | None] = mapped_column(Text)


class Signer(AuditedMixin, Base):
    """A user's printed name as their electronic signatures show it (21 CFR 11.50)."""

    __tablename__ = "signers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    printed_name: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Signature(AuditedMixin, Base):
    """An investigator's signature of a subject's casebook or of one visit."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    signer: Mapped[str] = mapped_column(String(64))
    printed_name: Mapped[str] = mapped_column(String(200))
    meaning: Mapped[str] = mapped_column(String(32))
    meaning_text: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_rows: Mapped[list[str]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    voided_at: Mapped[datetime | None] = mapped_column()
    voided_by: Mapped[str | None] = mapped_column(String(64))
    voided_because: Mapped[str | None] = mapped_column(Text)


class DataLock(AuditedMixin, Base):
    """The state of a subject, a site or the study: ``open``, ``frozen`` or ``locked``."""

    __tablename__ = "data_locks"
    __table_args__ = (UniqueConstraint("scope", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class EditCheckQuery(AuditedMixin, Base):
    """A data query raised by an edit check: the rule and the finding it is about."""

    __tablename__ = "edit_check_queries"
    __table_args__ = (UniqueConstraint("query_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("data_queries.id"))
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    finding: Mapped[str] = mapped_column(String(64))


class MonitoringSetting(AuditedMixin, Base):
    """One monitoring setting of the trial (``sdv_plan``: ``full`` or ``targeted``)."""

    __tablename__ = "monitoring_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    value: Mapped[str] = mapped_column(String(64))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
