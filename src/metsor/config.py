"""Settings from one place: flags, then ``METSOR_*`` environment variables, then defaults.

Every environment variable metsor reads as a setting is read here and nowhere else. A process
reads them once, when it opens the trial database (:func:`settings`, kept by
:meth:`metsor.services.context.Database.open`, which hands them to the services in their
context); no service reads the environment. The README's section "Settings" lists the same
variables for users.

==================================== ============================== ===========================
variable                             :class:`Settings` attribute    default
==================================== ============================== ===========================
``METSOR_HOME``                      ``home``                       the current folder
``METSOR_DATABASE_URL``              ``database_url``               ``metsor.sqlite`` in home
``METSOR_AUDIT_KEY``                 ``audit_key.text``             none (the key file)
``METSOR_AUDIT_KEY_FILE``            ``audit_key.file``             ``metsor-audit.key``
``METSOR_AUDIT_ANCHOR_FILE``         ``audit_anchor_file``          ``metsor-audit.anchor``
``METSOR_ALLOCATION_SEED``           ``allocation_seed.text``       none (the key file)
``METSOR_ALLOCATION_SEED_FILE``      ``allocation_seed.file``       ``metsor-allocation.key``
``METSOR_REQUIRE_BCLC_C``            ``eligibility.require_bclc_c`` ``true``
``METSOR_CHILD_PUGH_ALBUMIN_CUTOFF`` ``eligibility.albumin_...``    2.8 g/dL (2.0 to 4.0)
``METSOR_SESSION_MINUTES``           ``login.session_lifetime``     480 (1 to 10080)
``METSOR_LOGIN_ATTEMPTS``            ``login.max_failed_logins``    5 (1 to 100)
``METSOR_LOCKOUT_MINUTES``           ``login.lockout``              15 (1 to 1440)
==================================== ============================== ===========================

The files default to ``METSOR_HOME``. A malformed value is reported, naming the variable, the
value and what is allowed, by what uses it: the login settings and the audit key when the
database is opened (every command on it uses them); the eligibility settings when a candidate
is screened or a baseline score derived
(:class:`metsor.eligibility.interpretations.RefusedEligibilitySettings`), so that
``metsor audit verify`` runs whatever they say; the allocation seed when it is read.

Not settings, and not read here: ``METSOR_USER`` and ``METSOR_PASSWORD``, the command line's
login inputs (:mod:`metsor.cli._common`), and ``METSOR_SERVE_SETTINGS``, through which
``metsor serve`` hands its worker processes their settings (:mod:`metsor.cli.serve`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.eligibility.interpretations import EligibilitySettings

__all__ = [
    "ALBUMIN_CUTOFF_ENV",
    "ALBUMIN_CUTOFF_RANGE_G_DL",
    "ALLOCATION_SEED_ENV",
    "ALLOCATION_SEED_FILE_ENV",
    "AUDIT_ANCHOR_FILE_ENV",
    "AUDIT_KEY_ENV",
    "AUDIT_KEY_FILE_ENV",
    "DATABASE_URL_ENV",
    "HOME_ENV",
    "LOCKOUT_MINUTES_ENV",
    "LOGIN_ATTEMPTS_ENV",
    "REQUIRE_BCLC_C_ENV",
    "SESSION_MINUTES_ENV",
    "LoginPolicy",
    "SecretPlace",
    "Settings",
    "allocation_seed_place",
    "audit_anchor_file",
    "audit_key_place",
    "default_database_url",
    "eligibility_settings",
    "home_folder",
    "login_policy",
    "settings",
]

#: The environment, or a mapping standing for it (tests).
Environ = Mapping[str, str]

DEFAULT_SQLITE_FILE = "metsor.sqlite"

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


@dataclass(frozen=True)
class LoginPolicy:
    """How long a login lasts and when failed logins lock a user out.

    Attributes
    ----------
    session_lifetime
        How long a session opened by ``metsor login`` stays valid (default 8 hours, a
        working day; then the user logs in again).
    max_failed_logins
        Wrong passwords in a row after which the user is locked out (default 5).
    lockout
        How long a locked-out user must wait before a login is tried again (default 15
        minutes); a correct password does not open the lock before then.
    """

    session_lifetime: timedelta = timedelta(hours=8)
    max_failed_logins: int = 5
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class SecretPlace:
    """Where a secret (the audit key, the allocation seed) is held, as the settings say.

    Attributes
    ----------
    text
        The secret in hexadecimal, given by its environment variable (None: not given).
    file
        Its key file, read when ``text`` is None (and written there by ``metsor db init``).
    """

    text: str | None = field(repr=False)
    file: Path


#: Bounds of each login setting: (environment variable, lowest, highest).
_LOGIN_BOUNDS: dict[str, tuple[int, int]] = {
    SESSION_MINUTES_ENV: (1, 7 * 24 * 60),
    LOGIN_ATTEMPTS_ENV: (1, 100),
    LOCKOUT_MINUTES_ENV: (1, 24 * 60),
}


def _environ(environ: Environ | None) -> Environ:
    """The mapping to read: the one given, else the process's environment."""
    return os.environ if environ is None else environ


def _whole_number(environ: Environ, name: str, default: int) -> int:
    """The whole number in the environment variable ``name``, within its bounds."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    low, high = _LOGIN_BOUNDS[name]
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise InputError(
            f"{name} must be a whole number from {low} to {high}, got {text[:40]!r}", field=name
        )
    return int(text)


def login_policy(environ: Environ | None = None) -> LoginPolicy:
    """The login policy in force: ``METSOR_SESSION_MINUTES``, ``METSOR_LOGIN_ATTEMPTS``,
    ``METSOR_LOCKOUT_MINUTES``, else the defaults of :class:`LoginPolicy`.

    Parameters
    ----------
    environ
        The environment to read (default the process's).

    Returns
    -------
    LoginPolicy
        The policy.

    Raises
    ------
    InputError
        Naming the variable, when one is not a whole number within its bounds (a session of
        1 minute to 7 days, 1 to 100 attempts, a lock-out of 1 minute to 1 day).
    """
    found = _environ(environ)
    default = LoginPolicy()
    minute = timedelta(minutes=1)
    session_minutes = _whole_number(found, SESSION_MINUTES_ENV, default.session_lifetime // minute)
    lockout_minutes = _whole_number(found, LOCKOUT_MINUTES_ENV, default.lockout // minute)
    return LoginPolicy(
        session_lifetime=session_minutes * minute,
        max_failed_logins=_whole_number(found, LOGIN_ATTEMPTS_ENV, default.max_failed_logins),
        lockout=lockout_minutes * minute,
    )


def home_folder(environ: Environ | None = None) -> Path:
    """The folder of metsor's own files: ``METSOR_HOME``, default the current folder.

    Returns
    -------
    Path
        The absolute path; the folder may not exist yet (``metsor db init`` creates it).
    """
    return Path(_environ(environ).get(HOME_ENV) or ".").resolve()


def _sqlite_in(home: Path) -> str:
    return f"sqlite:///{home / DEFAULT_SQLITE_FILE}"


def default_database_url(environ: Environ | None = None) -> str:
    """The database URL when neither a flag nor ``METSOR_DATABASE_URL`` names one.

    Returns
    -------
    str
        An SQLite URL for ``metsor.sqlite`` in :func:`home_folder`.
    """
    return _sqlite_in(home_folder(environ))


def _named_file(environ: Environ, name: str, home: Path, default: str) -> Path:
    named = environ.get(name)
    return Path(named) if named else home / default


def _key_place(environ: Environ, home: Path) -> SecretPlace:
    return SecretPlace(
        text=environ.get(AUDIT_KEY_ENV) or None,
        file=_named_file(environ, AUDIT_KEY_FILE_ENV, home, "metsor-audit.key"),
    )


def _anchor_file(environ: Environ, home: Path) -> Path:
    return _named_file(environ, AUDIT_ANCHOR_FILE_ENV, home, "metsor-audit.anchor")


def _seed_place(environ: Environ, home: Path) -> SecretPlace:
    return SecretPlace(
        text=environ.get(ALLOCATION_SEED_ENV) or None,
        file=_named_file(environ, ALLOCATION_SEED_FILE_ENV, home, "metsor-allocation.key"),
    )


def audit_key_place(environ: Environ | None = None) -> SecretPlace:
    """Where the audit key is held: ``METSOR_AUDIT_KEY``, else ``METSOR_AUDIT_KEY_FILE``
    (default ``metsor-audit.key`` in :func:`home_folder`)."""
    found = _environ(environ)
    return _key_place(found, home_folder(found))


def audit_anchor_file(environ: Environ | None = None) -> Path:
    """The audit anchor file: ``METSOR_AUDIT_ANCHOR_FILE``, else ``metsor-audit.anchor`` in
    :func:`home_folder`."""
    found = _environ(environ)
    return _anchor_file(found, home_folder(found))


def allocation_seed_place(environ: Environ | None = None) -> SecretPlace:
    """Where the allocation seed is held: ``METSOR_ALLOCATION_SEED``, else
    ``METSOR_ALLOCATION_SEED_FILE`` (default ``metsor-allocation.key`` in :func:`home_folder`)."""
    found = _environ(environ)
    return _seed_place(found, home_folder(found))


def _require_bclc_c(environ: Environ) -> bool:
    """Whether BCLC-C is required, from the environment; True when unset."""
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


def _albumin_cutoff(environ: Environ) -> float:
    """The albumin cut-off from the environment, checked; the default when unset."""
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


#: The eligibility settings read from the environment: attribute and reader.
_ELIGIBILITY_READERS: tuple[tuple[str, Callable[[Environ], object]], ...] = (
    ("require_bclc_c", _require_bclc_c),
    ("albumin_cutoff_g_dl", _albumin_cutoff),
)


def _eligibility_in_force(environ: Environ) -> EligibilitySettings:
    """The eligibility settings of the environment; a malformed one is kept as its refusal."""
    from metsor.eligibility.interpretations import (
        EligibilitySettings,
        RefusedEligibilitySettings,
    )

    values: dict[str, object] = {}
    refused: dict[str, InputError] = {}
    for attribute, read in _ELIGIBILITY_READERS:
        try:
            values[attribute] = read(environ)
        except InputError as exc:
            refused[attribute] = exc
    given = EligibilitySettings(**values)  # type: ignore[arg-type]
    return RefusedEligibilitySettings(given, refused) if refused else given


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one run (see the table of the module docstring).

    Attributes
    ----------
    database_url
        SQLAlchemy URL of the trial database.
    home
        The folder of metsor's own files (``METSOR_HOME``).
    login
        Session lifetime and lock-out (:class:`LoginPolicy`).
    eligibility
        The eligibility settings of the environment (the flags of ``metsor screen`` aside);
        a malformed one is refused when it is used
        (:class:`metsor.eligibility.interpretations.RefusedEligibilitySettings`).
    audit_key
        Where the audit chain's key is held.
    audit_anchor_file
        The audit chain's anchor file.
    allocation_seed
        Where the allocation list's secret seed is held.
    """

    database_url: str
    home: Path
    login: LoginPolicy
    eligibility: EligibilitySettings
    audit_key: SecretPlace
    audit_anchor_file: Path
    allocation_seed: SecretPlace

    @property
    def default_database_url(self) -> str:
        """The SQLite database in :attr:`home` (what no flag nor variable names)."""
        return _sqlite_in(self.home)

    @property
    def child_pugh_albumin_cutoff_g_dl(self) -> float:
        """Lower albumin cut-off of Child-Pugh 2 points (2.8 g/dL oncology use, 3.0 in some
        texts); raises the refusal when ``METSOR_CHILD_PUGH_ALBUMIN_CUTOFF`` is malformed."""
        return self.eligibility.albumin_cutoff_g_dl


def settings(database_url: str | None = None, *, environ: Environ | None = None) -> Settings:
    """Resolve settings: an explicit flag wins, then the environment, then the defaults.

    Parameters
    ----------
    database_url
        The ``--db`` flag, if given.
    environ
        The environment to read (default the process's), each variable once.

    Returns
    -------
    Settings
        The settings in force.

    Raises
    ------
    InputError
        When a login setting is out of bounds (:func:`login_policy`). A malformed eligibility
        setting is not raised here but where it is used (:attr:`Settings.eligibility`).
    """
    found = _environ(environ)
    home = home_folder(found)
    return Settings(
        database_url=database_url or found.get(DATABASE_URL_ENV) or _sqlite_in(home),
        home=home,
        login=login_policy(found),
        eligibility=_eligibility_in_force(found),
        audit_key=_key_place(found, home),
        audit_anchor_file=_anchor_file(found, home),
        allocation_seed=_seed_place(found, home),
    )


def eligibility_settings(
    *,
    age_rule: str = "criterion",
    require_bclc_c: bool | None = None,
    first_line: bool = True,
    gi_bleeding_window_days: int | None = None,
    bleeding_window_days: int | None = None,
    metastatic_liver_cancer: str = "other_primary",
    cardiovascular_nyha_max: int | None = None,
    environ: Environ | None = None,
) -> EligibilitySettings:
    """The eligibility settings in force: the choices given and the albumin cut-off in force.

    ``metsor screen`` takes its settings from here; registering and re-screening a subject
    and the scores derived from a screening record (the Child-Pugh and BCLC columns of ADSL)
    take those of :func:`settings`, read by the same readers, so that a candidate is judged
    the same way everywhere.

    Parameters
    ----------
    age_rule
        ``"criterion"`` (age > 18, the default) or ``"structured"`` (age ≥ 18).
    require_bclc_c
        Whether confirmed HCC also requires a derived BCLC stage C; None reads
        ``METSOR_REQUIRE_BCLC_C``, True when unset, as the official title says.
    first_line, gi_bleeding_window_days, bleeding_window_days
        Readings of the criteria the registry leaves open: first line, the bleeding windows
        (:mod:`metsor.eligibility.interpretations`, where the defaults are documented).
    metastatic_liver_cancer, cardiovascular_nyha_max
        Readings of "metastatic liver cancer" and "severe cardiovascular disease" (idem).
    environ
        The environment to read (default the process's).

    Returns
    -------
    EligibilitySettings
        The settings (:class:`metsor.eligibility.EligibilitySettings`).

    Raises
    ------
    InputError
        For an unknown age rule (naming ``age_rule``), a malformed albumin cut-off or BCLC-C
        setting (naming its variable, the value and what is allowed), or a reading out of
        range (naming it).
    """
    from metsor.eligibility.interpretations import EligibilitySettings

    if age_rule not in ("criterion", "structured"):
        raise InputError(
            f"age_rule must be 'criterion' or 'structured', got {age_rule!r}", field="age_rule"
        )
    found = _environ(environ)
    return EligibilitySettings(
        age_rule="criterion" if age_rule == "criterion" else "structured",
        require_bclc_c=_require_bclc_c(found) if require_bclc_c is None else require_bclc_c,
        albumin_cutoff_g_dl=_albumin_cutoff(found),
        first_line=first_line,
        gi_bleeding_window_days=gi_bleeding_window_days,
        bleeding_window_days=bleeding_window_days,
        metastatic_liver_cancer=metastatic_liver_cancer,  # type: ignore[arg-type]
        cardiovascular_nyha_max=cardiovascular_nyha_max,
    )
