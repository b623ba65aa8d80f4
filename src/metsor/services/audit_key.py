"""Where the audit key and the anchor file live.

The audit trail is chained per transaction by an HMAC-SHA-256 with a secret key
(:mod:`metsor.store.audit.chain`). The database stores only the key's SHA-256 fingerprint,
never the key. The key is read, in this order, from:

1. ``METSOR_AUDIT_KEY``: the key as hexadecimal digits (at least 32, i.e. 16 bytes);
2. the key file named by ``METSOR_AUDIT_KEY_FILE``, default ``metsor-audit.key`` in
   ``METSOR_HOME`` (default: the current folder), holding the same hexadecimal text.

When neither exists, ``metsor db init`` writes a new random 32-byte key to the key file with
permissions 0600. Keep it apart from the database and its backups: whoever holds the database
and the key can rewrite the trail and recompute every MAC (the anchor then still shows it).
Every process that writes the trial database needs the key once the trail is keyed; a write
without it, or with another key, is refused.

The anchor file (``METSOR_AUDIT_ANCHOR_FILE``, default ``metsor-audit.anchor`` in
``METSOR_HOME``; :mod:`metsor.store.audit.anchor`) receives the head of the chain after every
keyed commit; keep it apart from the database too, and publish its head from time to time
(``metsor audit anchor``).

A database whose trail was written without a key (before this key existed, or with none set)
keeps an unkeyed chain: ``metsor audit verify`` says so, and that its guarantee is weaker.

Where the key and the anchor are is read from the environment once, when the database is
opened (:func:`metsor.config.settings`; :attr:`metsor.services.context.Database.settings`),
and given to the functions here, each of which takes it as an argument: this module never
reads the environment nor asks :mod:`metsor.config` for the settings in force.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from metsor.config import AUDIT_KEY_ENV, AUDIT_KEY_FILE_ENV, SecretPlace
from metsor.errors import InputError
from metsor.store.audit import ChainSettings, configure
from metsor.store.audit.chain import key_fingerprint

__all__ = [
    "AuditKeySource",
    "attach",
    "create_audit_key",
    "load_audit_key",
]

_KEY_BYTES = 32
_MIN_KEY_BYTES = 16


@dataclass(frozen=True)
class AuditKeySource:
    """An audit key and where it came from.

    Attributes
    ----------
    key
        The secret key.
    origin
        ``"environment"`` or the key file's path.
    created
        True when the key was generated just now.
    """

    key: bytes
    origin: str
    created: bool = False

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the key, in hexadecimal (what the database stores)."""
        return key_fingerprint(self.key)


def _parse(text: str, origin: str, field: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise InputError(f"the audit key in {origin} is not hexadecimal", field=field) from None
    if len(key) < _MIN_KEY_BYTES:
        raise InputError(
            f"the audit key in {origin} has {len(key)} bytes; at least {_MIN_KEY_BYTES} are needed",
            field=field,
        )
    return key


def load_audit_key(place: SecretPlace) -> AuditKeySource | None:
    """Read the audit key from where it is held.

    Parameters
    ----------
    place
        Where: the settings' :attr:`~metsor.config.Settings.audit_key`
        (``Database.settings.audit_key``).

    Returns
    -------
    AuditKeySource or None
        The key and where it came from; None when neither ``METSOR_AUDIT_KEY`` is given nor
        the key file exists.

    Raises
    ------
    InputError
        When the key found is malformed, shorter than 16 bytes, or its file cannot be read.
    """
    if place.text:
        return AuditKeySource(_parse(place.text, AUDIT_KEY_ENV, AUDIT_KEY_ENV), "environment")
    path = place.file
    if not path.is_file():
        return None
    try:
        content = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the audit key file {path}: {exc}", field=AUDIT_KEY_FILE_ENV
        ) from None
    return AuditKeySource(_parse(content, str(path), AUDIT_KEY_FILE_ENV), str(path))


def create_audit_key(place: SecretPlace) -> AuditKeySource:
    """The key from :func:`load_audit_key`, or a new random one written to the key file (0600).

    Parameters
    ----------
    place
        Where the key is held (``Database.settings.audit_key``).

    Raises
    ------
    InputError
        When the key file cannot be written (naming ``METSOR_AUDIT_KEY_FILE``).
    """
    found = load_audit_key(place)
    if found is not None:
        return found
    path = place.file
    key = secrets.token_bytes(_KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
    except OSError as exc:
        raise InputError(
            f"cannot write the audit key file {path}: {exc.strerror or exc}",
            field=AUDIT_KEY_FILE_ENV,
        ) from None
    return AuditKeySource(key, str(path), created=True)


def attach(
    sessions: sessionmaker[Session],
    source: AuditKeySource | None = None,
    *,
    anchor: Path,
    place: SecretPlace | None = None,
) -> ChainSettings:
    """Make the sessions of a database keep the chain with the given key and anchor file.

    Parameters
    ----------
    sessions
        The database's session factory.
    source
        The key; when not given, the key held at ``place`` (:func:`load_audit_key`; none
        there: the chain is kept unkeyed and not anchored).
    anchor
        The anchor file: the settings' :attr:`~metsor.config.Settings.audit_anchor_file`
        (``Database.anchor_file``). A virtual trial, say, keeps its key and anchor beside its
        own database instead of in ``METSOR_HOME``.
    place
        Where the key is held, read when ``source`` is not given.
        :meth:`metsor.services.context.Database.open` passes the place and the anchor file
        of the settings it was opened with.

    Returns
    -------
    ChainSettings
        The settings attached.

    Raises
    ------
    TypeError
        When neither ``source`` nor ``place`` is given.
    InputError
        When the key held at ``place`` is malformed or cannot be read.
    """
    if source is not None:
        found: AuditKeySource | None = source
    elif place is not None:
        found = load_audit_key(place)
    else:
        raise TypeError("attach() needs the audit key (source) or where it is held (place)")
    settings = ChainSettings(
        key=found.key if found is not None else None,
        anchor=anchor if found is not None else None,
    )
    configure(sessions, settings)
    return settings
