"""Audit trail: one row per record written.

Revision ID: 0010_audit_record_rows
Revises: 0009_session_activity
Create Date: 2026-12-02

``audit_log`` gains ``changes`` (text): from now on a row is one record inserted or updated by
one flush, and ``changes`` holds each field written with its old and new value (see
:mod:`metsor.store.audit.encoding`); ``field`` becomes optional, empty on such rows. The
transactions of such rows are chained under their own schemes (``hmac-sha256-rec``,
``sha256-rec``). Rows already written — one field each, under ``hmac-sha256``, ``sha256`` or
``legacy-rows`` — are not touched: they keep their number, their values and their MACs.

Downgrading writes every per-record row back as one row per field, renumbering the rows after
it and the transactions' row ranges; nothing a row says is lost, but the MACs of the
transactions of per-record rows covered them as they were, so the code of revision 0009
reports those transactions as of an unknown scheme.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010_audit_record_rows"
down_revision: str | None = "0009_session_activity"
branch_labels: str | None = None
depends_on: str | None = None

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
    sa.column("changes", sa.Text()),
)

_transactions = sa.table(
    "audit_transactions",
    sa.column("seq", sa.Integer()),
    sa.column("first_row", sa.Integer()),
    sa.column("last_row", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("changes", sa.Text(), nullable=True))
        batch.alter_column("field", existing_type=sa.String(length=64), nullable=True)


def _expanded(rows: Sequence[Any]) -> tuple[list[dict[str, Any]], dict[int, tuple[int, int]]]:
    """Every row from the first per-record one on as rows of one field, renumbered; and each
    old row number's new range."""
    out: list[dict[str, Any]] = []
    ranges: dict[int, tuple[int, int]] = {}
    number = rows[0].seq
    for row in rows:
        base = {key: getattr(row, key) for key in ("recorded_at", "actor", "table_name",
                                                   "record_id", "action", "reason")}  # fmt: skip
        if row.changes is None:
            fields = [(row.field, row.old_value, row.new_value, row.prev_hash, row.hash)]
        else:
            fields = [(f, old, new, None, None) for f, old, new in json.loads(row.changes)]
        first = number
        for field, old, new, prev_hash, digest in fields:
            out.append({**base, "seq": number, "field": field, "old_value": old,
                        "new_value": new, "prev_hash": prev_hash, "hash": digest})  # fmt: skip
            number += 1
        ranges[row.seq] = (first, number - 1)
    return out, ranges


def downgrade() -> None:
    bind = op.get_bind()
    first = bind.execute(
        sa.select(sa.func.min(_audit_log.c.seq)).where(_audit_log.c.changes.is_not(None))
    ).scalar()
    if first is not None:
        rows = bind.execute(
            sa.select(_audit_log).where(_audit_log.c.seq >= first).order_by(_audit_log.c.seq)
        ).all()
        out, ranges = _expanded(rows)
        moved = bind.execute(
            sa.select(_transactions).where(_transactions.c.last_row >= first)
        ).all()
        bind.execute(sa.delete(_audit_log).where(_audit_log.c.seq >= first))
        bind.execute(sa.insert(_audit_log), [{**row, "changes": None} for row in out])
        for tx in moved:
            start = ranges.get(tx.first_row, (tx.first_row, tx.first_row))[0]
            end = ranges.get(tx.last_row, (tx.last_row, tx.last_row))[1]
            bind.execute(
                sa.update(_transactions)
                .where(_transactions.c.seq == tx.seq)
                .values(first_row=start, last_row=end)
            )
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("field", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("changes")
