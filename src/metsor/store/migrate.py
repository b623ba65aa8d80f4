"""Schema migrations of the trial database (Alembic), run from code or the CLI.

The Alembic environment and revisions are packaged under ``metsor/store/migrations``;
no ``alembic.ini`` is needed. Revisions: ``0001_core`` (sites, users, subjects, screening,
consent, randomization, decisions, audit log), then ``0002_casebook`` (the casebook), then
``0003_follow_up`` (new anticancer therapies, survival contacts); each one's down revision is
the one before.

:func:`upgrade` is the one place an SQLite file is created (mode 0600, see
:mod:`metsor.store.engine`); when the migration fails, a file it created is removed again
(:func:`new_database`), so that a failed ``metsor db init`` leaves no file behind.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError

from metsor.errors import InputError
from metsor.store.engine import describe_url, make_engine, normalize_url, read_only, sqlite_file

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "created_only_on_success",
    "current_revision",
    "head_revision",
    "new_database",
    "upgrade",
]

#: Folder of the Alembic environment and its ``versions``.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at ``url``.

    Parameters
    ----------
    url
        SQLite or PostgreSQL URL.

    Returns
    -------
    Config
        With ``script_location`` set to :data:`MIGRATIONS_DIR` and the URL in its attributes.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["metsor_url"] = normalize_url(url).render_as_string(hide_password=False)
    return config


@contextmanager
def new_database(url: str) -> Iterator[None]:
    """Remove the SQLite file of ``url`` if the block created it and then failed.

    Parameters
    ----------
    url
        SQLite or PostgreSQL URL (PostgreSQL: nothing is removed).

    Yields
    ------
    None
        When the block raises and the file did not exist before it, the file and its
        ``-wal``, ``-shm`` and ``-journal`` companions are removed before the error goes on.
    """
    path = sqlite_file(url)
    existed = path is None or path.exists()
    try:
        yield
    except BaseException:
        if path is not None and not existed:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with suppress(OSError):  # not there, or its folder is not one
                    Path(f"{path}{suffix}").unlink()
        raise


class _HasUrl(Protocol):
    @property
    def url(self) -> str: ...


_D = TypeVar("_D", bound=_HasUrl)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def created_only_on_success(
    function: Callable[Concatenate[_D, _P], _R],
) -> Callable[Concatenate[_D, _P], _R]:
    """Decorate a function of a database (first argument, with a ``url``) that may create it.

    When the function raises, the SQLite file it created is removed (:func:`new_database`), so
    that a failed ``metsor db init`` leaves no half-made database behind.
    """

    @functools.wraps(function)
    def run(database: _D, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with new_database(database.url):
            return function(database, *args, **kwargs)

    return run


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (default: the newest).

    Parameters
    ----------
    url
        SQLite or PostgreSQL URL; a missing SQLite file is created, mode 0600, and removed
        again if the migration fails. An empty file or one that is not an SQLite database
        is refused, never rewritten.
    revision
        Target revision id.

    Raises
    ------
    InputError
        When the database cannot be created or opened (no such folder, server unreachable,
        a file that is not a database), naming ``--db``.
    """
    try:
        with new_database(url):
            command.upgrade(alembic_config(url), revision)
    except OperationalError as exc:
        raise InputError(
            f"cannot migrate the database {describe_url(url)}: {exc.orig}", field="database_url"
        ) from None
    except InputError as exc:
        raise InputError(
            f"cannot migrate the database {describe_url(url)}: {exc.message}", field="database_url"
        ) from None


def head_revision() -> str:
    """The newest revision id shipped with this version of metsor."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at (None: not initialised).

    Parameters
    ----------
    url
        SQLite or PostgreSQL URL.

    Returns
    -------
    str or None
        The revision id; None also for an SQLite file that does not exist (it is not created).
    """
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return None
    engine = make_engine(url)
    try:
        with read_only(engine).connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
