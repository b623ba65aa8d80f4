"""Authentication: failed logins, lock-out, login sessions.

Revision ID: 0004_authentication
Revises: 0003_follow_up
Create Date: 2026-12-02

Reserved for the work named above; filled in by that change.
"""

from __future__ import annotations

from alembic import op  # noqa: F401

revision: str = "0004_authentication"
down_revision: str | None = "0003_follow_up"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
