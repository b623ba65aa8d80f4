"""Entry point of the ``metsor`` command.

Command modules import only Typer and the standard library at their top level; everything
heavy is imported inside the command that needs it, so ``metsor --help`` stays fast.
Errors of :mod:`metsor.errors` become a message on stderr and exit code 2 here, in one place.
"""

from __future__ import annotations

import importlib
import sys

import typer

from metsor.errors import MetsorError

__all__ = ["app", "run"]

app = typer.Typer(
    name="metsor",
    help="Run the randomized trial NCT02672488 (METSOR) end to end.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# (module under metsor.cli, command group name); a module exposes ``app`` (a group)
# or ``register(app)`` (top-level commands).
_GROUPS: tuple[tuple[str, str | None], ...] = (
    ("protocol", "protocol"),
    ("screen", None),
    ("demo", None),
    ("analyze", "analyze"),
    ("design", "design"),
    ("database", None),
    ("casebook", None),
)


def _mount() -> None:
    for module_name, group in _GROUPS:
        try:
            module = importlib.import_module(f"metsor.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"metsor.cli.{module_name}":
                continue
            raise
        if group is None:
            module.register(app)
        else:
            app.add_typer(module.app, name=group)


_mount()


def run() -> None:
    """Run the CLI, turning domain errors into a message and exit code 2."""
    try:
        app()
    except MetsorError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
