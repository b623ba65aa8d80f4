"""Users: adding them, hashing passwords (scrypt), authenticating.

Passwords are stored as ``scrypt$N$r$p$salt$hash`` (hex), from :func:`hashlib.scrypt` with a
16-byte random salt; the audit trail records only a digest of that text. Investigators and
coordinators must belong to a site; the other roles may work across all sites.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from metsor.errors import ConflictError, InputError, PermissionDeniedError
from metsor.services.access import ROLES, SITE_ROLES, require
from metsor.services.context import Database, ServiceContext, session_scope
from metsor.services.sites import find_site
from metsor.store.models.core import User

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "add_user",
    "authenticate",
    "hash_password",
    "new_user",
    "verify_password",
]

#: Shortest password accepted.
MIN_PASSWORD_LENGTH = 10

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")


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
    if not _USERNAME.match(username):
        raise InputError(
            f"username {username!r} must be 2–64 lower-case letters, digits, '_', '.' or '-', "
            "starting with a letter",
            field="username",
        )
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}", field="role")
    if role in SITE_ROLES and site is None:
        raise InputError(f"a user with role {role} needs a site (--site)", field="site")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
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
) -> User:
    """Add a user (admin only); see :func:`new_user` for the checks."""
    require(ctx, "manage_users")
    ctx.set_reason("user added")
    return new_user(ctx.session, username=username, role=role, site=site, password=password)


def authenticate(database: Database, username: str, password: str) -> User:
    """The active user whose password this is.

    Raises
    ------
    PermissionDeniedError
        For an unknown user, a deactivated one, or a wrong password (one message for all).
    """
    with session_scope(database, actor=username, readonly=True) as session:
        user = session.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None or not user.active or not verify_password(password, user.password_hash):
            raise PermissionDeniedError("unknown user or wrong password", field="user")
        return user
