"""The ``METSOR_*`` environment variables of the settings: names, defaults, bounds, readers.

Each reader takes the environment (or a mapping standing for it), reads its variable once and
returns the value, checked, or its default when the variable is unset or empty; a malformed
value raises :class:`~metsor.errors.InputError` naming the variable, the value and what is
allowed. :func:`metsor.config.settings` puts the values together into the
:class:`metsor.config.Settings` of a run (the table of its module docstring lists every
variable); nothing else reads them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

from metsor.errors import InputError

__all__ = [
    "ALBUMIN_CUTOFF_ENV",
    "ALBUMIN_CUTOFF_RANGE_G_DL",
    "ALLOCATION_SEED_ENV",
    "ALLOCATION_SEED_FILE_ENV",
    "AUDIT_ANCHOR_FILE_ENV",
    "AUDIT_KEY_ENV",
    "AUDIT_KEY_FILE_ENV",
    "DATABASE_URL_ENV",
    "DEFAULT_ALBUMIN_CUTOFF_G_DL",
    "DEFAULT_ALLOCATION_SEED_FILE",
    "DEFAULT_AUDIT_ANCHOR_FILE",
    "DEFAULT_AUDIT_KEY_FILE",
    "DEFAULT_SQLITE_FILE",
    "HOME_ENV",
    "LOCKOUT_MINUTES_ENV",
    "LOGIN_ATTEMPTS_ENV",
    "LOGIN_BOUNDS",
    "REQUIRE_BCLC_C_ENV",
    "SESSION_MINUTES_ENV",
    "Environ",
    "albumin_cutoff",
    "bclc_c_required",
    "environ_or_process",
    "file_in_home",
    "home_of",
    "secret_text",
    "sqlite_in",
    "whole_number",
]

#: The environment, or a mapping standing for it (tests).
Environ = Mapping[str, str]

DEFAULT_SQLITE_FILE = "metsor.sqlite"
"""The trial database in the home folder when no flag nor variable names one."""

DEFAULT_AUDIT_KEY_FILE = "metsor-audit.key"
"""The audit key's file in the home folder when ``METSOR_AUDIT_KEY_FILE`` names none."""

DEFAULT_AUDIT_ANCHOR_FILE = "metsor-audit.anchor"
"""The audit anchor file in the home folder when ``METSOR_AUDIT_ANCHOR_FILE`` names none."""

DEFAULT_ALLOCATION_SEED_FILE = "metsor-allocation.key"
"""The seed's key file in the home folder when ``METSOR_ALLOCATION_SEED_FILE`` names none."""

HOME_ENV = "METSOR_HOME"
"""Environment variable of the folder of metsor's own files (default the current folder)."""

DATABASE_URL_ENV = "METSOR_DATABASE_URL"
"""Environment variable of the trial database's URL (the ``--db`` flag wins)."""

AUDIT_KEY_ENV = "METSOR_AUDIT_KEY"
"""Environment variable of the audit chain's key, in hexadecimal (else its key file)."""

AUDIT_KEY_FILE_ENV = "METSOR_AUDIT_KEY_FILE"
"""Environment variable of the audit key's file (default ``metsor-audit.key`` in home)."""

AUDIT_ANCHOR_FILE_ENV = "METSOR_AUDIT_ANCHOR_FILE"
"""Environment variable of the audit anchor file (default ``metsor-audit.anchor`` in home)."""

ALLOCATION_SEED_ENV = "METSOR_ALLOCATION_SEED"
"""Environment variable of the allocation list's secret seed, in hexadecimal (else its file)."""

ALLOCATION_SEED_FILE_ENV = "METSOR_ALLOCATION_SEED_FILE"
"""Environment variable of the seed's key file (default ``metsor-allocation.key`` in home)."""

ALBUMIN_CUTOFF_ENV = "METSOR_CHILD_PUGH_ALBUMIN_CUTOFF"
"""Environment variable of the Child-Pugh albumin cut-off, in g/dL."""

REQUIRE_BCLC_C_ENV = "METSOR_REQUIRE_BCLC_C"
"""Environment variable saying whether BCLC stage C is required (``true``, the default, or
``false``); the ``--require-bclc-c/--no-require-bclc-c`` flag of ``metsor screen`` wins."""

DEFAULT_ALBUMIN_CUTOFF_G_DL = 2.8
"""Child-Pugh albumin cut-off of 3 points in oncology use (Pugh et al., Br J Surg 1973)."""

ALBUMIN_CUTOFF_RANGE_G_DL = (2.0, 4.0)
"""Plausible cut-offs, in g/dL: the published ones are 2.8 and 3.0 (normal albumin 3.5–5.0)."""

SESSION_MINUTES_ENV = "METSOR_SESSION_MINUTES"
"""Environment variable of the lifetime of a login session, in minutes (default 480)."""

LOGIN_ATTEMPTS_ENV = "METSOR_LOGIN_ATTEMPTS"
"""Environment variable of the failed logins in a row that lock a user out (default 5)."""

LOCKOUT_MINUTES_ENV = "METSOR_LOCKOUT_MINUTES"
"""Environment variable of how long a locked-out user waits, in minutes (default 15)."""

#: Bounds of each login setting: (environment variable, lowest, highest).
LOGIN_BOUNDS: dict[str, tuple[int, int]] = {
    SESSION_MINUTES_ENV: (1, 7 * 24 * 60),
    LOGIN_ATTEMPTS_ENV: (1, 100),
    LOCKOUT_MINUTES_ENV: (1, 24 * 60),
}


def environ_or_process(environ: Environ | None) -> Environ:
    """The mapping to read: the one given, else the process's environment."""
    return os.environ if environ is None else environ


def whole_number(environ: Environ, name: str, default: int) -> int:
    """The whole number in the login setting ``name``, within its bounds (:data:`LOGIN_BOUNDS`).

    Raises
    ------
    InputError
        Naming the variable, when it is not a whole number within its bounds.
    """
    text = environ.get(name, "").strip()
    if not text:
        return default
    low, high = LOGIN_BOUNDS[name]
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise InputError(
            f"{name} must be a whole number from {low} to {high}, got {text[:40]!r}", field=name
        )
    return int(text)


def home_of(environ: Environ) -> Path:
    """The folder of metsor's own files: ``METSOR_HOME``, default the current folder.

    Returns
    -------
    Path
        The absolute path; the folder may not exist yet (``metsor db init`` creates it).
    """
    return Path(environ.get(HOME_ENV) or ".").resolve()


def sqlite_in(home: Path) -> str:
    """The URL of the SQLite database :data:`DEFAULT_SQLITE_FILE` in ``home``."""
    return f"sqlite:///{home / DEFAULT_SQLITE_FILE}"


def file_in_home(environ: Environ, name: str, home: Path, default: str) -> Path:
    """The file the variable ``name`` names, else the file ``default`` in ``home``."""
    named = environ.get(name)
    return Path(named) if named else home / default


def secret_text(environ: Environ, name: str) -> str | None:
    """The secret the variable ``name`` gives in hexadecimal (None: not given, or empty)."""
    return environ.get(name) or None


def bclc_c_required(environ: Environ) -> bool:
    """Whether BCLC-C is required (``METSOR_REQUIRE_BCLC_C``); True when unset.

    Raises
    ------
    InputError
        Naming the variable, when it is neither true (``true``, ``yes``, ``1``) nor false
        (``false``, ``no``, ``0``).
    """
    text = environ.get(REQUIRE_BCLC_C_ENV, "").strip().casefold()
    if not text:
        return True
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise InputError(
        f"{REQUIRE_BCLC_C_ENV} must be true or false, got {text[:40]!r}", field=REQUIRE_BCLC_C_ENV
    )


def albumin_cutoff(environ: Environ) -> float:
    """The Child-Pugh albumin cut-off in g/dL (``METSOR_CHILD_PUGH_ALBUMIN_CUTOFF``); the
    default :data:`DEFAULT_ALBUMIN_CUTOFF_G_DL` when unset.

    Raises
    ------
    InputError
        Naming the variable, when it is not a number within :data:`ALBUMIN_CUTOFF_RANGE_G_DL`.
    """
    text = environ.get(ALBUMIN_CUTOFF_ENV, "").strip()
    if not text:
        return DEFAULT_ALBUMIN_CUTOFF_G_DL
    low, high = ALBUMIN_CUTOFF_RANGE_G_DL
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also refuses NaN and text that is not a number
        raise InputError(
            f"{ALBUMIN_CUTOFF_ENV} must be an albumin in g/dL between {low:g} and {high:g} "
            f"(2.8 or 3.0 as published), got {text[:40]!r}",
            field=ALBUMIN_CUTOFF_ENV,
        )
    return value
