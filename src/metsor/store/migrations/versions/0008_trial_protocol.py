"""The protocol stored with the trial.

Revision ID: 0008_trial_protocol
Revises: 0007_monitoring
Create Date: 2026-12-02

New audited table ``trial_protocol`` (see :mod:`metsor.store.models.protocol`): the protocol
the trial runs, as JSON text with its digest, written by ``metsor db init``. A database
initialised before has no row; its services read the built-in NCT02672488, the only protocol
such a database can have been set up with. No existing row is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008_trial_protocol"
down_revision: str | None = "0007_monitoring"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "trial_protocol",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_protocol")),
    )


def downgrade() -> None:
    op.drop_table("trial_protocol")
