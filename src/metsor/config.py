"""Settings from one place: flags, then ``METSOR_*`` environment variables, then defaults."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.eligibility.rules import EligibilitySettings

__all__ = [
    "ALBUMIN_CUTOFF_ENV",
    "ALBUMIN_CUTOFF_RANGE_G_DL",
    "LOCKOUT_MINUTES_ENV",
    "LOGIN_ATTEMPTS_ENV",
    "REQUIRE_BCLC_C_ENV",
    "SESSION_MINUTES_ENV",
    "LoginPolicy",
    "Settings",
    "default_database_url",
    "eligibility_settings",
    "home_folder",
    "login_policy",
    "settings",
]

DEFAULT_SQLITE_FILE = "metsor.sqlite"

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


#: Bounds of each login setting: (environment variable, lowest, highest).
_LOGIN_BOUNDS: dict[str, tuple[int, int]] = {
    SESSION_MINUTES_ENV: (1, 7 * 24 * 60),
    LOGIN_ATTEMPTS_ENV: (1, 100),
    LOCKOUT_MINUTES_ENV: (1, 24 * 60),
}


def _whole_number(name: str, default: int) -> int:
    """The whole number in the environment variable ``name``, within its bounds."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    low, high = _LOGIN_BOUNDS[name]
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise InputError(
            f"{name} must be a whole number from {low} to {high}, got {text[:40]!r}", field=name
        )
    return int(text)


def login_policy() -> LoginPolicy:
    """The login policy in force: ``METSOR_SESSION_MINUTES``, ``METSOR_LOGIN_ATTEMPTS``,
    ``METSOR_LOCKOUT_MINUTES``, else the defaults of :class:`LoginPolicy`.

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
    default = LoginPolicy()
    minute = timedelta(minutes=1)
    session_minutes = _whole_number(SESSION_MINUTES_ENV, default.session_lifetime // minute)
    lockout_minutes = _whole_number(LOCKOUT_MINUTES_ENV, default.lockout // minute)
    return LoginPolicy(
        session_lifetime=session_minutes * minute,
        max_failed_logins=_whole_number(LOGIN_ATTEMPTS_ENV, default.max_failed_logins),
        lockout=lockout_minutes * minute,
    )


def home_folder() -> Path:
    """The folder of metsor's own files: ``METSOR_HOME``, default the current folder.

    Returns
    -------
    Path
        The absolute path; the folder may not exist yet (``metsor db init`` creates it).
    """
    return Path(os.environ.get("METSOR_HOME", ".")).resolve()


def default_database_url() -> str:
    """The database URL when neither a flag nor ``METSOR_DATABASE_URL`` names one.

    Returns
    -------
    str
        An SQLite URL for ``metsor.sqlite`` in :func:`home_folder`.
    """
    return f"sqlite:///{home_folder() / DEFAULT_SQLITE_FILE}"


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one run.

    Attributes
    ----------
    database_url
        SQLAlchemy URL of the trial database.
    child_pugh_albumin_cutoff_g_dl
        Lower albumin cut-off of Child-Pugh 2 points (2.8 g/dL oncology use, 3.0 in some texts).
    login
        Session lifetime and lock-out (:class:`LoginPolicy`).
    """

    database_url: str
    child_pugh_albumin_cutoff_g_dl: float = DEFAULT_ALBUMIN_CUTOFF_G_DL
    login: LoginPolicy = field(default_factory=LoginPolicy)


def _require_bclc_c() -> bool:
    """Whether BCLC-C is required, from the environment; True when unset."""
    text = os.environ.get(REQUIRE_BCLC_C_ENV, "").strip().casefold()
    if not text:
        return True
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise InputError(
        f"{REQUIRE_BCLC_C_ENV} must be true or false, got {text!r}", field=REQUIRE_BCLC_C_ENV
    )


def _albumin_cutoff() -> float:
    """The albumin cut-off from the environment, checked; the default when unset."""
    text = os.environ.get(ALBUMIN_CUTOFF_ENV, "").strip()
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
            f"(2.8 or 3.0 as published), got {text!r}",
            field=ALBUMIN_CUTOFF_ENV,
        )
    return value


def settings(database_url: str | None = None) -> Settings:
    """Resolve settings: an explicit flag wins, then the environment, then the defaults.

    Parameters
    ----------
    database_url
        The ``--db`` flag, if given.

    Returns
    -------
    Settings
        The settings in force.

    Raises
    ------
    InputError
        When ``METSOR_CHILD_PUGH_ALBUMIN_CUTOFF`` is not a number, or not an albumin between
        2.0 and 4.0 g/dL; or a login setting is out of bounds (:func:`login_policy`).
    """
    url = database_url or os.environ.get("METSOR_DATABASE_URL") or default_database_url()
    return Settings(
        database_url=url, child_pugh_albumin_cutoff_g_dl=_albumin_cutoff(), login=login_policy()
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
) -> EligibilitySettings:
    """The eligibility settings in force: the choices given and the albumin cut-off in force.

    Every screening — ``metsor screen``, registering and re-screening a subject — and every
    score derived from a screening record (the Child-Pugh and BCLC columns of ADSL) take their
    settings from here, so that a candidate is judged the same way everywhere.

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

    Returns
    -------
    EligibilitySettings
        The settings (:class:`metsor.eligibility.EligibilitySettings`).

    Raises
    ------
    InputError
        For an unknown age rule (naming ``age_rule``) or a malformed albumin cut-off (naming
        ``METSOR_CHILD_PUGH_ALBUMIN_CUTOFF``), or a reading out of range (naming it).
    """
    from metsor.eligibility.rules import EligibilitySettings

    if age_rule not in ("criterion", "structured"):
        raise InputError(
            f"age_rule must be 'criterion' or 'structured', got {age_rule!r}", field="age_rule"
        )
    return EligibilitySettings(
        age_rule="criterion" if age_rule == "criterion" else "structured",
        require_bclc_c=_require_bclc_c() if require_bclc_c is None else require_bclc_c,
        albumin_cutoff_g_dl=_albumin_cutoff(),
        first_line=first_line,
        gi_bleeding_window_days=gi_bleeding_window_days,
        bleeding_window_days=bleeding_window_days,
        metastatic_liver_cancer=metastatic_liver_cancer,  # type: ignore[arg-type]
        cardiovascular_nyha_max=cardiovascular_nyha_max,
    )
