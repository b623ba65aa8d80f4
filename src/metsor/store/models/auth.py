"""Tables of authentication: login sessions and the log of login attempts.

- ``login_sessions``: one row per ``metsor login``. The token given to the user is never
  stored, only its SHA-256 (``token_digest``), so that the database alone opens no session.
  A session proves its user until ``expires_at``, unless ended before (``ended_at``, with
  ``end_reason``: a logout, a new login, a password reset, a deactivation). The table is
  audited: each login and logout is an audit row whose actor is the user who proved it.
- ``login_attempts``: every attempt to prove an identity with a password, successful or not,
  with the username as given (which may name nobody) and the outcome; never the password.
  It is not audited field by field: a failed attempt for a name that is no user has no actor
  the audit trail could name. Wrong passwords for an existing user are also audited, through
  ``users.failed_logins`` (:class:`metsor.store.models.core.User`).
- ``session_activity``: when a login session last made a request of the web application, so
  that its idle time-out holds across restarts and between worker processes. Not audited: it
  is no clinical data, and the idle logout that it may cause is audited on ``login_sessions``.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from metsor.store.base import AuditedMixin, Base, utcnow

__all__ = [
    "LOGIN_OUTCOMES",
    "SESSION_END_REASONS",
    "LoginAttempt",
    "LoginSession",
    "SessionActivity",
]

#: Why a login session ended before it expired.
SESSION_END_REASONS: tuple[str, ...] = ("logout", "new_login", "password_reset", "deactivated")

#: Outcomes of a login attempt.
LOGIN_OUTCOMES: tuple[str, ...] = (
    "success",
    "wrong_password",
    "unknown_user",
    "locked",
    "inactive",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LoginSession(AuditedMixin, Base):
    """A login of one user: valid from ``opened_at`` until ``expires_at`` or ``ended_at``."""

    __tablename__ = "login_sessions"
    __table_args__ = (
        CheckConstraint(
            f"end_reason IS NULL OR {_in('end_reason', SESSION_END_REASONS)}", name="end_reason"
        ),
    )
    __audit_redacted__: ClassVar[frozenset[str]] = frozenset({"token_digest"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(String(16))


class LoginAttempt(Base):
    """One attempt to prove an identity with a password (never the password itself)."""

    __tablename__ = "login_attempts"
    __table_args__ = (CheckConstraint(_in("outcome", LOGIN_OUTCOMES), name="outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))


class SessionActivity(Base):
    """The last request recorded for a login session (none yet: it is ``opened_at``)."""

    __tablename__ = "session_activity"

    login_session_id: Mapped[int] = mapped_column(ForeignKey("login_sessions.id"), primary_key=True)
    last_request_at: Mapped[datetime] = mapped_column()
