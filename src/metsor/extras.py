"""The optional dependencies: which extra of the ``metsor`` package brings each, and the error
that names it when a command needs one that is not installed.

metsor imports and runs without them: an SQLite trial needs neither. A PostgreSQL database
needs the ``postgresql`` extra (the psycopg driver), a design grid on a Dask cluster the
``dask`` extra; ``pip install 'metsor[test]'`` (``make test``) brings both.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from metsor.errors import InputError

__all__ = ["EXTRAS", "import_extra"]

#: Extra → the modules it brings.
EXTRAS: dict[str, tuple[str, ...]] = {
    "postgresql": ("psycopg",),
    "dask": ("dask", "distributed"),
}


def import_extra(module: str, extra: str, *, needed_for: str, field: str) -> ModuleType:
    """Import ``module`` of an optional extra, or say which extra to install.

    Parameters
    ----------
    module
        The module (``"psycopg"``, ``"dask.distributed"``).
    extra
        The extra of :data:`EXTRAS` that brings it.
    needed_for
        What needs it, in words (``"a PostgreSQL database"``).
    field
        The parameter whose value asked for it, for the error.

    Returns
    -------
    ModuleType
        The module.

    Raises
    ------
    InputError
        When the module (or a package it needs from the extra) is not installed, naming the
        extra and the command that installs it.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in EXTRAS[extra]:
            raise
        raise InputError(
            f"{needed_for} needs the optional dependencies of metsor's '{extra}' extra "
            f"({missing} is not installed): pip install 'metsor[{extra}]'",
            field=field,
        ) from None
