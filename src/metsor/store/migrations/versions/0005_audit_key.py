"""Audit chain keyed and anchored.

Revision ID: 0005_audit_key
Revises: 0004_authentication
Create Date: 2026-12-02

The audit trail is chained per committed transaction (``audit_transactions``: the rows it
wrote, who, when, and a MAC — HMAC-SHA-256 with a key kept outside the database — chained to
the transaction before) instead of row by row. ``audit_log.prev_hash`` and ``hash`` become
optional: rows written before this revision keep their row-by-row SHA-256 chain, and are
gathered into one ``legacy-rows`` transaction whose MAC is the hash of the last of them, so
that the first keyed transaction chains to them. Downgrading hash-chains every row written
per transaction row by row again (the formula of revision 0001), then drops the table.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005_audit_key"
down_revision: str | None = "0004_authentication"
branch_labels: str | None = None
depends_on: str | None = None

_GENESIS = "0" * 64

_audit_log = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer()),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("table_name", sa.String()),
    sa.column("record_id", sa.String()),
    sa.column("field", sa.String()),
    sa.column("action", sa.String()),
    sa.column("old_value", sa.Text()),
    sa.column("new_value", sa.Text()),
    sa.column("reason", sa.Text()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)

_transactions = sa.table(
    "audit_transactions",
    sa.column("seq", sa.Integer()),
    sa.column("first_row", sa.Integer()),
    sa.column("last_row", sa.Integer()),
    sa.column("committed_at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("scheme", sa.String()),
    sa.column("key_fingerprint", sa.String()),
    sa.column("prev_mac", sa.String()),
    sa.column("mac", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "audit_transactions",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_row", sa.Integer(), nullable=False),
        sa.Column("last_row", sa.Integer(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("prev_mac", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_transactions")),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_hash", type_="unique")
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
    bind = op.get_bind()
    last = bind.execute(
        sa.select(_audit_log.c.seq, _audit_log.c.recorded_at, _audit_log.c.actor, _audit_log.c.hash)
        .order_by(_audit_log.c.seq.desc())
        .limit(1)
    ).first()
    if last is not None:
        bind.execute(
            sa.insert(_transactions).values(
                seq=1,
                first_row=1,
                last_row=last.seq,
                committed_at=last.recorded_at,
                actor=last.actor,
                scheme="legacy-rows",
                key_fingerprint=None,
                prev_mac=_GENESIS,
                mac=last.hash,
            )
        )


def _row_hash(row: sa.Row[tuple[object, ...]], prev_hash: str) -> str:
    """The row-by-row SHA-256 of revision 0001 (``metsor.store.audit.chain`` before 0005)."""
    at = row.recorded_at
    assert isinstance(at, datetime)
    stamp = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    content = [
        row.seq,
        stamp.isoformat(timespec="microseconds"),
        row.actor,
        row.table_name,
        row.record_id,
        row.field,
        row.action,
        row.old_value,
        row.new_value,
        row.reason,
        prev_hash,
    ]
    data = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def downgrade() -> None:
    bind = op.get_bind()
    prev_hash = _GENESIS
    updates = []
    for row in bind.execute(sa.select(_audit_log).order_by(_audit_log.c.seq)):
        if row.hash is None:
            digest = _row_hash(row, prev_hash)
            updates.append({"key": row.seq, "prev": prev_hash, "digest": digest})
            prev_hash = digest
        else:
            prev_hash = row.hash
    if updates:
        bind.execute(
            sa.update(_audit_log)
            .where(_audit_log.c.seq == sa.bindparam("key"))
            .values(prev_hash=sa.bindparam("prev"), hash=sa.bindparam("digest")),
            updates,
        )
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_audit_log_hash", ["hash"])
    op.drop_table("audit_transactions")
