"""Proving who acts: passwords, lock-out and login sessions.

Every face proves the user before it opens a unit of work for them (the command line in
:func:`metsor.cli._common.acting`). A user proves who they are by one of:

- their password (:func:`authenticate`): scrypt-verified against ``users.password_hash``;
- a login session (:func:`check_session`): the token :func:`open_session` gave them after a
  password, valid until it expires (the login policy's ``session_lifetime``) or is ended by
  :func:`end_session` (logout, a new login), a password reset or a deactivation. The database
  keeps only the token's SHA-256, so a copy of the database opens no session.

Lock-out: each wrong password for an existing user adds one to ``users.failed_logins``; when
it reaches the policy's ``max_failed_logins`` (5) the user is locked until ``lockout`` (15
minutes) has passed, and no password, right or wrong, logs them in before then. A correct
password resets the count. Times follow the database's clock (:attr:`Database.clock`).

Audit: every attempt is logged in ``login_attempts`` with its outcome (never the password);
a wrong password for an existing user, a lock-out, a login and a logout are also audit rows
whose actor is that user (``users.failed_logins``/``locked_until``, ``login_sessions``). A
name that is no user has no audit row: the trail names only users who exist. One message
answers an unknown user and a wrong password alike, and both take the time of one scrypt.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from metsor.errors import PermissionDeniedError
from metsor.services.context import Database, session_scope
from metsor.services.users import UserRecord, hash_password, verify_password
from metsor.store.audit import set_actor, set_reason
from metsor.store.models.auth import LoginAttempt, LoginSession
from metsor.store.models.core import User

__all__ = [
    "LoginTicket",
    "authenticate",
    "check_session",
    "end_session",
    "open_session",
    "token_digest",
]


@cache
def _nobody() -> str:
    """A hash no password matches, verified for unknown users so that they take as long."""
    return hash_password(secrets.token_hex(16))


_REFUSED = "unknown user or wrong password"


@dataclass(frozen=True)
class LoginTicket:
    """A login session just opened: give ``token`` back to prove the user until it expires.

    Attributes
    ----------
    username
        The user logged in.
    token
        The session's secret (URL-safe text); the database keeps only its SHA-256.
    expires_at
        When the session stops proving the user (aware UTC).
    """

    username: str
    token: str
    expires_at: datetime


def token_digest(token: str) -> str:
    """SHA-256 of a session token, in hexadecimal: what ``login_sessions`` stores."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _log(session: Session, username: str, user: User | None, outcome: str, now: datetime) -> None:
    session.add(
        LoginAttempt(
            username=username[:64],
            user_id=user.id if user is not None else None,
            attempted_at=now,
            outcome=outcome,
        )
    )


@dataclass(frozen=True)
class _Verdict:
    """What the password proved against one stored hash, checked outside any write lock."""

    password_hash: str | None
    matches: bool


def _verify_before_locking(database: Database, username: str, password: str) -> _Verdict | None:
    """Check the password against the user's hash read in a read-only transaction.

    scrypt takes tens of milliseconds of CPU; done here, it holds no write lock, so a login
    does not make every other write wait (SQLite has one writer at a time). None when there
    is no user or they are locked now (no password is checked then); an unknown user still
    takes the time of one scrypt.
    """
    with session_scope(database, actor=username, readonly=True) as session:
        row = session.execute(
            select(User.password_hash, User.locked_until).where(User.username == username)
        ).one_or_none()
    if row is None:
        verify_password(password, _nobody())
        return None
    password_hash, locked_until = row
    if locked_until is not None and locked_until > database.clock():
        return None
    return _Verdict(password_hash, verify_password(password, password_hash))


def _record_attempt(
    session: Session, database: Database, username: str, password: str, verdict: _Verdict | None
) -> tuple[User | None, str | None]:
    """Count and log the attempt under the user's row lock; the user if the password proves them.

    The lock-out state is read again under the lock, so concurrent wrong passwords are each
    counted. ``verdict`` is used only when it was checked against the hash stored now; when
    the hash changed (a password reset) or no check was made before, the password is checked
    here (rare: the state changed between the read and the lock).
    """
    policy = database.login_policy
    now = database.clock()
    statement = select(User).where(User.username == username).with_for_update()
    user = session.scalars(statement).one_or_none()
    if user is None:
        _log(session, username, None, "unknown_user", now)
        return None, _REFUSED
    lock_over = user.locked_until is None or user.locked_until <= now
    if not lock_over:
        assert user.locked_until is not None
        _log(session, username, user, "locked", now)
        return None, (
            f"user {username!r} is locked after {policy.max_failed_logins} failed logins in a "
            f"row until {_when(user.locked_until)}; try again then, or ask an administrator to "
            "reset the password"
        )
    if verdict is not None and verdict.password_hash == user.password_hash:
        matches = verdict.matches
    else:
        matches = verify_password(password, user.password_hash)
    if not matches:
        failures = (user.failed_logins if user.locked_until is None else 0) + 1
        set_reason(session, "wrong password")
        user.failed_logins = failures
        user.locked_until = None
        refusal = _REFUSED
        if failures >= policy.max_failed_logins:
            user.locked_until = now + policy.lockout
            set_reason(session, f"wrong password: locked out after {failures} failed logins")
            refusal += f"; {failures} failed logins in a row lock the user until " + _when(
                user.locked_until
            )
        _log(session, username, user, "wrong_password", now)
        return None, refusal
    if not user.active:
        _log(session, username, user, "inactive", now)
        return None, f"user {username!r} is deactivated and cannot log in"
    if user.failed_logins or user.locked_until is not None:
        set_reason(session, "login: failed-login count reset")
        user.failed_logins = 0
        user.locked_until = None
    _log(session, username, user, "success", now)
    return user, None


def _login(
    database: Database, username: str, password: str, *, open_login: bool
) -> tuple[UserRecord, LoginTicket | None]:
    """Verify the password, then record the attempt (and open a session) in one short write.

    The write transaction is committed whatever the outcome, so that a wrong password is
    counted and audited even though the call then raises.
    """
    verdict = _verify_before_locking(database, username, password)
    ticket: LoginTicket | None = None
    proved: UserRecord | None = None
    with session_scope(database, actor=username, reason="login attempt") as session:
        user, refusal = _record_attempt(session, database, username, password, verdict)
        if user is not None and open_login:
            session.flush()  # the attempt's rows keep their own reason in the audit trail
            set_reason(session, "login")
            token = secrets.token_urlsafe(32)
            now = database.clock()
            login = LoginSession(
                user_id=user.id,
                token_digest=token_digest(token),
                opened_at=now,
                expires_at=now + database.login_policy.session_lifetime,
            )
            session.add(login)
            session.flush()
            ticket = LoginTicket(username=user.username, token=token, expires_at=login.expires_at)
        if user is not None:
            proved = UserRecord.of(user)
    if proved is None:
        raise PermissionDeniedError(refusal or _REFUSED, field="user")
    return proved, ticket


def authenticate(database: Database, username: str, password: str) -> UserRecord:
    """The active user whose password this is; the attempt counts toward lock-out.

    The password is checked before the write transaction opens (scrypt holds no write
    lock); the attempt is then counted and logged in a short transaction, committed whatever
    its outcome, so that a wrong password is counted and audited even though the call then
    raises.

    Parameters
    ----------
    database
        The database.
    username
        The user claimed.
    password
        Their password, in clear (never stored, logged or audited).

    Returns
    -------
    UserRecord
        The user as stored after the login (a frozen record, no password hash).

    Raises
    ------
    PermissionDeniedError
        For an unknown user or a wrong password (one message for both), a locked-out user
        (saying until when) or a deactivated one.
    """
    user, _ = _login(database, username, password, open_login=False)
    return user


def open_session(database: Database, username: str, password: str) -> LoginTicket:
    """Log a user in: check the password as :func:`authenticate` does, then open a session.

    The attempt and the session are written in one short transaction, after the password
    has been checked.

    Parameters
    ----------
    database
        The database.
    username, password
        The user and their password.

    Returns
    -------
    LoginTicket
        The session's token and expiry; the login is audited with the user as actor.

    Raises
    ------
    PermissionDeniedError
        As :func:`authenticate`.
    """
    _, ticket = _login(database, username, password, open_login=True)
    assert ticket is not None
    return ticket


def check_session(database: Database, username: str, token: str) -> UserRecord:
    """The user a login session proves, if it is theirs, open and unexpired.

    Parameters
    ----------
    database
        The database.
    username
        The user claimed.
    token
        The token :func:`open_session` gave.

    Returns
    -------
    UserRecord
        The user (a frozen record, no password hash).

    Raises
    ------
    PermissionDeniedError
        When the session is unknown or another user's, ended (saying why), expired (saying
        when), or its user is deactivated.
    """
    with session_scope(database, actor=username, readonly=True) as session:
        row = session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_digest == token_digest(token))
        ).one_or_none()
        if row is None or row[1].username != username:
            raise PermissionDeniedError(
                f"no login session of {username!r} on this database: log in again", field="user"
            )
        login, user = row
        if login.ended_at is not None:
            why = (login.end_reason or "ended").replace("_", " ")
            raise PermissionDeniedError(
                f"the login session of {username!r} ended ({why}) at {_when(login.ended_at)}: "
                "log in again",
                field="user",
            )
        if database.clock() >= login.expires_at:
            raise PermissionDeniedError(
                f"the login session of {username!r} expired at {_when(login.expires_at)}: "
                "log in again",
                field="user",
            )
        if not user.active:
            raise PermissionDeniedError(
                f"user {username!r} is deactivated and cannot log in", field="user"
            )
        return UserRecord.of(user)


def end_session(database: Database, token: str, *, reason: str = "logout") -> str | None:
    """End the open login session of ``token`` (a logout), audited with its user as actor.

    Parameters
    ----------
    database
        The database.
    token
        The session's token.
    reason
        ``"logout"`` or ``"new_login"`` (one of
        :data:`~metsor.store.models.auth.SESSION_END_REASONS`).

    Returns
    -------
    str or None
        The username whose session ended; None when the token opens no session that is
        still open and unexpired (nothing to end).
    """
    # The actor is known once the session is found; nothing is written (or audited) before.
    with session_scope(database, actor="-", reason=reason.replace("_", " ")) as session:
        row = session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_digest == token_digest(token))
            .with_for_update()
        ).one_or_none()
        now = database.clock()
        if row is None or row[0].ended_at is not None or now >= row[0].expires_at:
            return None
        login, user = row
        set_actor(session, user.username)
        login.ended_at = now
        login.end_reason = reason
        return user.username
