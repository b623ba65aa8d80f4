"""Scheduled visits recorded as not done.

Revision ID: 0011_missed_visits
Revises: 0010_audit_record_rows
Create Date: 2026-12-02

New audited casebook table ``missed_visits``
(:class:`metsor.store.models.casebook.MissedVisit`): one row per visit of the schedule that did
not take place — subject, visit type and number, the schedule's planned day, the day it was
missed, the reason, and whether the mark was retracted. One mark per subject, visit type and
number. No existing row is touched; the downgrade drops the table, and the marks with it (their
audit rows stay in the trail).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011_missed_visits"
down_revision: str | None = "0010_audit_record_rows"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "missed_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("visit_type", sa.String(length=24), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("missed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("retracted", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_missed_visits_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missed_visits")),
        sa.UniqueConstraint(
            "subject_id",
            "visit_type",
            "number",
            name=op.f("uq_missed_visits_subject_id_visit_type_number"),
        ),
    )
    op.create_index(
        op.f("ix_missed_visits_subject_id"), "missed_visits", ["subject_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_missed_visits_subject_id"), table_name="missed_visits")
    op.drop_table("missed_visits")
