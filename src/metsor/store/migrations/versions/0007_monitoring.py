"""Monitoring and sign-off: SDV marks, signers and signatures, freezes and locks, edit checks.

Revision ID: 0007_monitoring
Revises: 0006_entry_safety
Create Date: 2026-12-02

New audited tables (see :mod:`metsor.store.models.monitoring`): ``sdv_marks``, ``signers``,
``signatures``, ``data_locks``, ``edit_check_queries`` and ``monitoring_settings``. No
existing row is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007_monitoring"
down_revision: str | None = "0006_entry_safety"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)


def _subject() -> sa.Column[str]:
    return sa.Column("subject_id", sa.String(length=32), nullable=False)


def _subject_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["subject_id"], ["subjects.subject_id"], name=op.f(f"fk_{table}_subject_id_subjects")
    )


def upgrade() -> None:
    op.create_table(
        "sdv_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        _subject(),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verified_by", sa.String(length=64), nullable=False),
        sa.Column("verified_at", _WHEN, nullable=False),
        sa.Column("cleared_at", _WHEN, nullable=True),
        sa.Column("cleared_by", sa.String(length=64), nullable=True),
        sa.Column("cleared_because", sa.Text(), nullable=True),
        _subject_key("sdv_marks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sdv_marks")),
    )
    op.create_index(op.f("ix_sdv_marks_subject_id"), "sdv_marks", ["subject_id"])
    op.create_index(op.f("ix_sdv_marks_record_id"), "sdv_marks", ["record_id"])
    op.create_table(
        "signers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("printed_name", sa.String(length=200), nullable=False),
        sa.Column("registered_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signers")),
        sa.UniqueConstraint("username", name=op.f("uq_signers_username")),
    )
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        _subject(),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("signer", sa.String(length=64), nullable=False),
        sa.Column("printed_name", sa.String(length=200), nullable=False),
        sa.Column("meaning", sa.String(length=32), nullable=False),
        sa.Column("meaning_text", sa.Text(), nullable=False),
        sa.Column("signed_at", _WHEN, nullable=False),
        sa.Column("signed_rows", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("voided_at", _WHEN, nullable=True),
        sa.Column("voided_by", sa.String(length=64), nullable=True),
        sa.Column("voided_because", sa.Text(), nullable=True),
        _subject_key("signatures"),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_signatures_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
    )
    op.create_index(op.f("ix_signatures_subject_id"), "signatures", ["subject_id"])
    op.create_table(
        "data_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_locks")),
        sa.UniqueConstraint("scope", "target", name=op.f("uq_data_locks_scope_target")),
    )
    op.create_table(
        "edit_check_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query_id", sa.Integer(), nullable=False),
        _subject(),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("finding", sa.String(length=64), nullable=False),
        _subject_key("edit_check_queries"),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["data_queries.id"],
            name=op.f("fk_edit_check_queries_query_id_data_queries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edit_check_queries")),
        sa.UniqueConstraint("query_id", name=op.f("uq_edit_check_queries_query_id")),
    )
    op.create_index(op.f("ix_edit_check_queries_subject_id"), "edit_check_queries", ["subject_id"])
    op.create_table(
        "monitoring_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_settings")),
        sa.UniqueConstraint("name", name=op.f("uq_monitoring_settings_name")),
    )


def downgrade() -> None:
    for table in (
        "monitoring_settings",
        "edit_check_queries",
        "data_locks",
        "signatures",
        "signers",
        "sdv_marks",
    ):
        op.drop_table(table)
