"""Entry safety: the metformin eGFR override in a column of its own.

Revision ID: 0006_entry_safety
Revises: 0005_audit_key
Create Date: 2026-12-02

``dose_events.egfr_override`` holds why metformin was started at an eGFR from 30 to below
45 mL/min/1.73 m², where the label does not recommend starting it. Only the override
parameter of a metformin start sets it (:func:`metsor.services.casebook.record_dose`); it is
audited like every casebook column and is not among the fields a correction may change. The
free-text ``reason`` is never searched for an override any more, so a reason written before
this revision grants none: existing rows are left as they were (no row is rewritten behind the
audit trail's back).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_entry_safety"
down_revision: str | None = "0005_audit_key"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("dose_events", sa.Column("egfr_override", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dose_events") as batch:
        batch.drop_column("egfr_override")
