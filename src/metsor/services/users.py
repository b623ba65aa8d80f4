"""Users: adding, listing, changing roles, deactivating, resetting passwords; password hashes.

Passwords are stored as ``scrypt$N$r$p$salt$hash`` (hex), from :func:`hashlib.scrypt` with a
16-byte random salt; the audit trail records only a digest of that text. Investigators and
coordinators must belong to a site; the other roles may work across all sites. Proving who
acts (passwords, lock-out, login sessions) is :mod:`metsor.services.authentication`.

Managing users is an administrator's task (``manage_users``), each change audited with its
reason. A user is never deleted: they are deactivated, which ends their login sessions and
refuses every later login. The trial always keeps one active administrator: the last one can
be neither deactivated nor given another role, and nobody deactivates themselves.

What a service gives of a user is a frozen record, never the row and never the password hash:
:class:`UserRecord` (the user as stored, also what :mod:`~metsor.services.authentication`
proves) and :class:`UserSummary` (as the list of users shows them, with the site's code).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metsor.errors import ConflictError, InputError, NotFoundError
from metsor.services.access import ROLES, SITE_ROLES, require
from metsor.services.context import ServiceContext
from metsor.services.records import FrozenRecord
from metsor.services.sites import find_site
from metsor.store.models.auth import LoginSession
from metsor.store.models.core import Site, User

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "UserRecord",
    "UserSummary",
    "add_user",
    "change_role",
    "check_password_length",
    "deactivate_user",
    "generate_password",
    "hash_password",
    "list_users",
    "new_user",
    "reset_password",
    "valid_username",
    "verify_password",
]

#: Shortest password accepted.
MIN_PASSWORD_LENGTH = 10

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")


@dataclass(frozen=True)
class UserRecord(FrozenRecord):
    """A stored user, without their password hash.

    Attributes
    ----------
    id
        The user's number in the database.
    username
        Their login name.
    role
        One of :data:`~metsor.services.access.ROLES`.
    site_id
        The number of their site; None for a role that works across all sites.
    active
        False once deactivated.
    failed_logins
        Wrong passwords given in a row since the last correct one.
    created_at
        When the user was added (UTC).
    """

    id: int
    username: str
    role: str
    site_id: int | None
    active: bool
    failed_logins: int
    created_at: datetime


def valid_username(username: str) -> bool:
    """Whether ``username`` has the form of a username (it may still name nobody)."""
    return _USERNAME.fullmatch(username) is not None


def generate_password() -> str:
    """A new random password of 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(15)


def check_password_length(password: str) -> None:
    """Refuse a password shorter than :data:`MIN_PASSWORD_LENGTH`, naming the field."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def hash_password(password: str) -> str:
    """Hash a password with scrypt and a random salt.

    Parameters
    ----------
    password
        The password in clear.

    Returns
    -------
    str
        ``scrypt$N$r$p$salt$hash``.
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches the stored scrypt hash (constant-time comparison)."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected) // 2,
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def new_user(
    session: Session, *, username: str, role: str, site: str | None, password: str | None
) -> User:
    """Add a user in the session's transaction after checking every field.

    Parameters
    ----------
    session
        An audited session.
    username
        Lower-case letters, digits, ``_ . -``; starts with a letter; unique.
    role
        One of :data:`~metsor.services.access.ROLES`.
    site
        Code or name of the user's site (required for investigators and coordinators).
    password
        At least :data:`MIN_PASSWORD_LENGTH` characters, or None for a user who cannot log in
        to the web application (command-line use only).

    Returns
    -------
    User
        The new user, flushed.

    Raises
    ------
    InputError
        Naming the field at fault.
    ConflictError
        When the username is taken.
    """
    if not valid_username(username):
        raise InputError(
            f"username {username!r} must be 2–64 lower-case letters, digits, '_', '.' or '-', "
            "starting with a letter",
            field="username",
        )
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}", field="role")
    if role in SITE_ROLES and site is None:
        raise InputError(f"a user with role {role} needs a site (--site)", field="site")
    if password is not None:
        check_password_length(password)
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise ConflictError(f"user {username!r} already exists", field="username")
    site_id = find_site(session, site).id if site is not None else None
    user = User(
        username=username,
        role=role,
        site_id=site_id,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def add_user(
    ctx: ServiceContext,
    *,
    username: str,
    role: str,
    site: str | None = None,
    password: str | None = None,
) -> UserRecord:
    """Add a user (admin only); see :func:`new_user` for the checks."""
    require(ctx, "manage_users")
    ctx.set_reason("user added")
    added = new_user(ctx.session, username=username, role=role, site=site, password=password)
    return UserRecord.of(added)


@dataclass(frozen=True)
class UserSummary:
    """A user as :func:`list_users` shows them (never their password hash)."""

    username: str
    role: str
    site: str | None
    active: bool
    locked_until: datetime | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "username": self.username,
            "role": self.role,
            "site": self.site,
            "active": self.active,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "created_at": self.created_at.isoformat(),
        }


def list_users(ctx: ServiceContext) -> list[UserSummary]:
    """Every user, active or not, by username (admin only)."""
    require(ctx, "manage_users")
    rows = ctx.session.execute(
        select(User, Site.code).outerjoin(Site, Site.id == User.site_id).order_by(User.username)
    ).all()
    now = ctx.now()
    return [
        UserSummary(
            username=user.username,
            role=user.role,
            site=code,
            active=user.active,
            locked_until=user.locked_until
            if user.locked_until is not None and user.locked_until > now
            else None,
            created_at=user.created_at,
        )
        for user, code in rows
    ]


def _managed_user(ctx: ServiceContext, username: str) -> User:
    """The user ``username``, locked for the change; NotFoundError naming it otherwise."""
    require(ctx, "manage_users")
    statement = select(User).where(User.username == username).with_for_update()
    user = ctx.session.scalars(statement).one_or_none()
    if user is None:
        raise NotFoundError(f"no user {username!r}", field="username")
    return user


def _reason(reason: str | None, default: str) -> str:
    text = (reason or "").strip()
    return text or default


def _keep_an_administrator(ctx: ServiceContext, user: User, change: str) -> None:
    """Refuse a change that would leave the trial without an active administrator."""
    if user.role != "admin" or not user.active:
        return
    others = ctx.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.id != user.id)
    )
    if not others:
        raise ConflictError(
            f"{user.username!r} is the only active administrator: add another before {change}",
            field="username",
        )


def _end_sessions(ctx: ServiceContext, user: User, reason: str) -> None:
    """End every open login session of ``user`` (a reset password or deactivation)."""
    now = ctx.now()
    open_sessions = ctx.session.scalars(
        select(LoginSession).where(
            LoginSession.user_id == user.id,
            LoginSession.ended_at.is_(None),
            LoginSession.expires_at > now,
        )
    )
    for login in open_sessions:
        login.ended_at = now
        login.end_reason = reason


def change_role(
    ctx: ServiceContext,
    username: str,
    *,
    role: str,
    site: str | None = None,
    reason: str | None = None,
) -> UserSummary:
    """Give a user another role, and a site if given (admin only).

    Parameters
    ----------
    ctx
        The service context.
    username
        The user.
    role
        One of :data:`~metsor.services.access.ROLES`.
    site
        Code or name of their site; investigators and coordinators need one (their current
        site is kept when none is given).
    reason
        Why, for the audit trail (default ``"role changed"``).

    Returns
    -------
    UserSummary
        The user after the change.

    Raises
    ------
    InputError
        For an unknown role, or a site role without a site.
    NotFoundError
        For an unknown user or site.
    ConflictError
        When the last active administrator would lose the role.
    """
    user = _managed_user(ctx, username)
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}", field="role")
    site_id = find_site(ctx.session, site).id if site is not None else user.site_id
    if role in SITE_ROLES and site_id is None:
        raise InputError(f"a user with role {role} needs a site (--site)", field="site")
    if role != "admin":
        _keep_an_administrator(ctx, user, "changing their role")
    ctx.set_reason(_reason(reason, "role changed"))
    user.role = role
    user.site_id = site_id
    ctx.session.flush()
    return _summary(ctx, user)


def deactivate_user(ctx: ServiceContext, username: str, *, reason: str | None = None) -> None:
    """Deactivate a user: no later login, their open sessions ended (admin only).

    Raises
    ------
    NotFoundError
        For an unknown user.
    ConflictError
        When the user is already deactivated, is the acting user, or is the last active
        administrator.
    """
    user = _managed_user(ctx, username)
    if not user.active:
        raise ConflictError(f"user {username!r} is already deactivated", field="username")
    if user.id == ctx.actor.id:
        raise ConflictError("an administrator cannot deactivate themselves", field="username")
    _keep_an_administrator(ctx, user, "deactivating them")
    ctx.set_reason(_reason(reason, "user deactivated"))
    user.active = False
    _end_sessions(ctx, user, "deactivated")


def reset_password(
    ctx: ServiceContext, username: str, *, password: str, reason: str | None = None
) -> None:
    """Set a user's password, lift a lock-out and end their open sessions (admin only).

    Raises
    ------
    InputError
        When the password is shorter than :data:`MIN_PASSWORD_LENGTH`.
    NotFoundError
        For an unknown user.
    """
    check_password_length(password)
    user = _managed_user(ctx, username)
    ctx.set_reason(_reason(reason, "password reset"))
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    _end_sessions(ctx, user, "password_reset")


def _summary(ctx: ServiceContext, user: User) -> UserSummary:
    site = ctx.session.get(Site, user.site_id) if user.site_id is not None else None
    code = site.code if site is not None else None
    return UserSummary(
        username=user.username,
        role=user.role,
        site=code,
        active=user.active,
        locked_until=user.locked_until,
        created_at=user.created_at,
    )
