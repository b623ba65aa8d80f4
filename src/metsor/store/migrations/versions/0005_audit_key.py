"""Audit chain keyed and anchored.

Revision ID: 0005_audit_key
Revises: 0004_authentication
Create Date: 2026-12-02

Reserved for the work named above; filled in by that change.
"""

from __future__ import annotations

from alembic import op  # noqa: F401

revision: str = "0005_audit_key"
down_revision: str | None = "0004_authentication"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
