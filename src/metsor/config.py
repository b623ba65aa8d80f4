"""Settings from one place: flags, then ``METSOR_*`` environment variables, then defaults.

Every environment variable metsor reads as a setting is read here and nowhere else (each by
its reader in :mod:`metsor.config_variables`, with its name, default and bounds). A process
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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from metsor.config_variables import (
    ALBUMIN_CUTOFF_ENV,
    ALBUMIN_CUTOFF_RANGE_G_DL,
    ALLOCATION_SEED_ENV,
    ALLOCATION_SEED_FILE_ENV,
    AUDIT_ANCHOR_FILE_ENV,
    AUDIT_KEY_ENV,
    AUDIT_KEY_FILE_ENV,
    DATABASE_URL_ENV,
    DEFAULT_ALLOCATION_SEED_FILE,
    DEFAULT_AUDIT_ANCHOR_FILE,
    DEFAULT_AUDIT_KEY_FILE,
    HOME_ENV,
    LOCKOUT_MINUTES_ENV,
    LOGIN_ATTEMPTS_ENV,
    REQUIRE_BCLC_C_ENV,
    SESSION_MINUTES_ENV,
    Environ,
    albumin_cutoff,
    bclc_c_required,
    environ_or_process,
    file_in_home,
    home_of,
    secret_text,
    sqlite_in,
    whole_number,
)
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
    "default_database_url",
    "eligibility_settings",
    "home_folder",
    "login_policy",
    "settings",
]


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
    found = environ_or_process(environ)
    default = LoginPolicy()
    minute = timedelta(minutes=1)
    session_minutes = whole_number(found, SESSION_MINUTES_ENV, default.session_lifetime // minute)
    lockout_minutes = whole_number(found, LOCKOUT_MINUTES_ENV, default.lockout // minute)
    return LoginPolicy(
        session_lifetime=session_minutes * minute,
        max_failed_logins=whole_number(found, LOGIN_ATTEMPTS_ENV, default.max_failed_logins),
        lockout=lockout_minutes * minute,
    )


def home_folder(environ: Environ | None = None) -> Path:
    """The folder of metsor's own files: ``METSOR_HOME``, default the current folder.

    Returns
    -------
    Path
        The absolute path; the folder may not exist yet (``metsor db init`` creates it).
    """
    return home_of(environ_or_process(environ))


def default_database_url(environ: Environ | None = None) -> str:
    """The database URL when neither a flag nor ``METSOR_DATABASE_URL`` names one.

    Returns
    -------
    str
        An SQLite URL for ``metsor.sqlite`` in :func:`home_folder`.
    """
    return sqlite_in(home_folder(environ))


#: The eligibility settings read from the environment: attribute and reader.
_ELIGIBILITY_READERS: tuple[tuple[str, Callable[[Environ], object]], ...] = (
    ("require_bclc_c", bclc_c_required),
    ("albumin_cutoff_g_dl", albumin_cutoff),
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
        return sqlite_in(self.home)

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
    found = environ_or_process(environ)
    home = home_of(found)
    return Settings(
        database_url=database_url or found.get(DATABASE_URL_ENV) or sqlite_in(home),
        home=home,
        login=login_policy(found),
        eligibility=_eligibility_in_force(found),
        audit_key=SecretPlace(
            text=secret_text(found, AUDIT_KEY_ENV),
            file=file_in_home(found, AUDIT_KEY_FILE_ENV, home, DEFAULT_AUDIT_KEY_FILE),
        ),
        audit_anchor_file=file_in_home(
            found, AUDIT_ANCHOR_FILE_ENV, home, DEFAULT_AUDIT_ANCHOR_FILE
        ),
        allocation_seed=SecretPlace(
            text=secret_text(found, ALLOCATION_SEED_ENV),
            file=file_in_home(found, ALLOCATION_SEED_FILE_ENV, home, DEFAULT_ALLOCATION_SEED_FILE),
        ),
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
    found = environ_or_process(environ)
    return EligibilitySettings(
        age_rule="criterion" if age_rule == "criterion" else "structured",
        require_bclc_c=bclc_c_required(found) if require_bclc_c is None else require_bclc_c,
        albumin_cutoff_g_dl=albumin_cutoff(found),
        first_line=first_line,
        gi_bleeding_window_days=gi_bleeding_window_days,
        bleeding_window_days=bleeding_window_days,
        metastatic_liver_cancer=metastatic_liver_cancer,  # type: ignore[arg-type]
        cardiovascular_nyha_max=cardiovascular_nyha_max,
    )
