"""Follow-up after study treatment: new anticancer therapies and survival contacts.

Revision ID: 0003_follow_up
Revises: 0002_casebook
Create Date: 2026-12-03

Both tables are audited field by field (``metsor.store.models.casebook``); times are
``timestamp with time zone`` as in ``0001_core``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_follow_up"
down_revision: str | None = "0002_casebook"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "anticancer_therapies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_anticancer_therapies_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anticancer_therapies")),
        sa.UniqueConstraint(
            "subject_id",
            "name",
            "started_on",
            name=op.f("uq_anticancer_therapies_subject_id_name_started_on"),
        ),
    )
    op.create_index(
        op.f("ix_anticancer_therapies_subject_id"),
        "anticancer_therapies",
        ["subject_id"],
        unique=False,
    )

    op.create_table(
        "survival_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("contact_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_survival_contacts_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survival_contacts")),
        sa.UniqueConstraint(
            "subject_id",
            "contact_on",
            name=op.f("uq_survival_contacts_subject_id_contact_on"),
        ),
    )
    op.create_index(
        op.f("ix_survival_contacts_subject_id"),
        "survival_contacts",
        ["subject_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_survival_contacts_subject_id"), table_name="survival_contacts")
    op.drop_table("survival_contacts")
    op.drop_index(op.f("ix_anticancer_therapies_subject_id"), table_name="anticancer_therapies")
    op.drop_table("anticancer_therapies")
