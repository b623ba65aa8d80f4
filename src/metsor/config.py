"""Settings from one place: flags, then ``METSOR_*`` environment variables, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "default_database_url", "settings"]

DEFAULT_SQLITE_FILE = "metsor.sqlite"


def default_database_url() -> str:
    """The database URL when neither a flag nor ``METSOR_DATABASE_URL`` names one.

    Returns
    -------
    str
        An SQLite URL for ``metsor.sqlite`` in ``METSOR_HOME`` (default: the current folder).
    """
    home = Path(os.environ.get("METSOR_HOME", ".")).resolve()
    return f"sqlite:///{home / DEFAULT_SQLITE_FILE}"


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one run.

    Attributes
    ----------
    database_url
        SQLAlchemy URL of the trial database.
    child_pugh_albumin_cutoff_g_dl
        Lower albumin cut-off of Child-Pugh 2 points (2.8 g/dL oncology use, 3.0 in some texts).
    """

    database_url: str
    child_pugh_albumin_cutoff_g_dl: float = 2.8


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
    """
    url = database_url or os.environ.get("METSOR_DATABASE_URL") or default_database_url()
    cutoff = float(os.environ.get("METSOR_CHILD_PUGH_ALBUMIN_CUTOFF", "2.8"))
    return Settings(database_url=url, child_pugh_albumin_cutoff_g_dl=cutoff)
