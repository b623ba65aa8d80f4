"""The chained transactions of the audit trail.

Every record written is one ``audit_log`` row holding its changed fields (rows written before
revision ``0010_audit_record_rows`` hold one field each; see
:class:`metsor.store.models.core.AuditLog`); the rows written by one committed transaction are
chained together as one ``audit_transactions`` row: the range of audit rows it wrote, who
committed it and when, and a MAC over the canonical encoding of its header and all its rows,
chained to the transaction before (see :mod:`metsor.store.audit.chain`). Neither table is
itself audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from metsor.store.base import Base

__all__ = ["AuditTransaction"]


class AuditTransaction(Base):
    """One committed transaction of the audit trail, chained to the one before by its MAC.

    Attributes
    ----------
    seq
        Position in the chain (1, 2, … without gaps).
    first_row, last_row
        The ``audit_log.seq`` range the transaction wrote (every row of it, none of another).
    committed_at
        When it was written (the time stamp of its rows).
    actor
        The acting user when it committed.
    scheme
        ``"hmac-sha256-rec"`` (keyed) or ``"sha256-rec"`` (no key was set): rows of one record
        each; ``"hmac-sha256"`` or ``"sha256"``: rows of one field each, written before
        revision ``0010_audit_record_rows``; ``"legacy-rows"`` (rows written before the chain
        was kept per transaction, hash-chained row by row).
    key_fingerprint
        SHA-256 of the key of a keyed transaction (the key itself is never stored).
    prev_mac, mac
        The MAC of the transaction before (64 zeros for the first) and its own.
    """

    __tablename__ = "audit_transactions"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_row: Mapped[int] = mapped_column(Integer)
    last_row: Mapped[int] = mapped_column(Integer)
    committed_at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))
    scheme: Mapped[str] = mapped_column(String(16))
    key_fingerprint: Mapped[str | None] = mapped_column(String(64))
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
