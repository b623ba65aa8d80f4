"""The login session kept between commands: one file per database under ``METSOR_HOME``.

``metsor login`` writes ``METSOR_HOME/sessions/<key>.json``, where ``<key>`` is derived from
the database URL, so that a login on one database never acts on another. The folder is
created 0700 and the file 0600 (written whole to a new file, then renamed over the old one),
since the token in it proves the user until it expires. The file names the database without
any password of its URL. ``metsor logout`` ends the session in the database and removes the
file; an expired or ended session is refused by the database whatever the file says.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from metsor.errors import InputError

__all__ = ["SavedLogin", "forget_login", "login_file", "read_login", "save_login"]


@dataclass(frozen=True)
class SavedLogin:
    """What the session file holds.

    Attributes
    ----------
    username
        The user logged in.
    token
        The session's secret.
    expires_at
        When it expires (ISO 8601, UTC), for messages; the database decides.
    """

    username: str
    token: str
    expires_at: str


def login_file(database_url: str) -> Path:
    """The session file of the database at ``database_url``."""
    from metsor.config import home_folder

    key = hashlib.sha256(database_url.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return home_folder() / "sessions" / f"{key}.json"


def read_login(database_url: str) -> SavedLogin | None:
    """The saved login for the database, or None when there is none.

    Raises
    ------
    InputError
        Naming the file, when it cannot be read or is not a session file.
    """
    path = login_file(database_url)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SavedLogin(
            username=str(data["username"]),
            token=str(data["token"]),
            expires_at=str(data["expires_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(
            f"the login session file {path} is unreadable: remove it and log in again "
            "(metsor login)",
            field="METSOR_HOME",
        ) from None


def _private_folder(folder: Path) -> None:
    """Create ``folder`` (and a missing ``METSOR_HOME`` above it) 0700."""
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)
    except OSError as exc:
        raise InputError(
            f"cannot create the folder {folder} for the login session: {exc.strerror or exc}",
            field="METSOR_HOME",
        ) from None


def save_login(database_url: str, database: str, login: SavedLogin) -> Path:
    """Write the session file (0600) of the database, replacing any before it.

    Parameters
    ----------
    database_url
        The database URL (the file's key).
    database
        The URL as shown to the user (password masked), kept in the file for reference.
    login
        The login to keep.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        Naming ``METSOR_HOME`` when the file cannot be written.
    """
    path = login_file(database_url)
    _private_folder(path.parent)
    text = json.dumps(
        {
            "database": database,
            "username": login.username,
            "token": login.token,
            "expires_at": login.expires_at,
        },
        indent=2,
    )
    partial = path.with_suffix(".partial")
    try:
        partial.unlink(missing_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.replace(partial, path)
    except OSError as exc:
        raise InputError(
            f"cannot write the login session file {path}: {exc.strerror or exc}",
            field="METSOR_HOME",
        ) from None
    return path


def forget_login(database_url: str) -> bool:
    """Remove the session file of the database; whether there was one."""
    path = login_file(database_url)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise InputError(
            f"cannot remove the login session file {path}: {exc.strerror or exc}",
            field="METSOR_HOME",
        ) from None
    return True
