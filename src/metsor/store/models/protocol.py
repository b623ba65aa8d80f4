"""The protocol the trial runs, stored with its database.

One audited row (``trial_protocol``, ``id = 1``), written by ``metsor db init``: the NCT id,
the protocol as JSON text exactly as validated (:class:`metsor.protocol.Protocol`) and the
SHA-256 digest of that text. Services read the protocol from here, so a database carries the
arms, drugs, strata, schedule and cut-offs of its own trial wherever it is opened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from metsor.store.base import AuditedMixin, Base, utcnow

__all__ = ["TrialProtocol"]


class TrialProtocol(AuditedMixin, Base):
    """The protocol of the trial (one row)."""

    __tablename__ = "trial_protocol"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nct_id: Mapped[str] = mapped_column(String(16))
    document: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)
