"""Entry safety: the eGFR override column and other entry rules.

Revision ID: 0006_entry_safety
Revises: 0005_audit_key
Create Date: 2026-12-02

Reserved for the work named above; filled in by that change.
"""

from __future__ import annotations

from alembic import op  # noqa: F401

revision: str = "0006_entry_safety"
down_revision: str | None = "0005_audit_key"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
