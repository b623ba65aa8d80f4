"""When each login session last made a request: the web's idle time-out kept in the database.

Revision ID: 0009_session_activity
Revises: 0008_trial_protocol
Create Date: 2026-12-02

New table ``session_activity`` (not audited; see :mod:`metsor.store.models.auth`): one row per
login session that has made a request of the web application, with the time of its last
request. A session without a row counts from its ``opened_at``. No existing row is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009_session_activity"
down_revision: str | None = "0008_trial_protocol"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "session_activity",
        sa.Column("login_session_id", sa.Integer(), nullable=False),
        sa.Column("last_request_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["login_session_id"],
            ["login_sessions.id"],
            name=op.f("fk_session_activity_login_session_id_login_sessions"),
        ),
        sa.PrimaryKeyConstraint("login_session_id", name=op.f("pk_session_activity")),
    )


def downgrade() -> None:
    op.drop_table("session_activity")
