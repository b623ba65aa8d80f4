"""Entry point of the ``metsor`` command, and its one error path.

Command modules import only Typer and the standard library at their top level; everything
heavy is imported inside the command that needs it, so ``metsor --help`` stays fast.

How every command ends when something is wrong, in one place (:class:`MetsorGroup`, the root
command group, so that Typer's test runner sees exactly what a shell sees):

1. Before any argument is parsed and before anything opens a database, every argument and
   every ``METSOR_*`` environment variable must be UTF-8 text: a byte that is not (Python keeps
   it as a lone surrogate) ends the command with ``error: …`` naming the argument or the
   variable, the byte shown escaped, and exit code 2.
2. An error of :mod:`metsor.errors` raised by any command becomes ``error: <message>`` on
   stderr and its exit code (2); the message is already cut to a readable length
   (:func:`metsor.errors.readable`), and names the command's option where the service named
   its own parameter (``--date`` for ``collected_on``: :func:`metsor.cli._refusal.refusal`).
3. A usage error that Click finds (a missing argument, ``--n abc`` for a number) is exit 2
   with Click's message naming the option.
4. Anything else is a defect of metsor, not of its input: each cause a user can reach is fixed
   where it arises, not swallowed here. The installed ``metsor`` command (:func:`run`) prints
   one line, ``internal error: …``, writes the traceback to a log file of its own in the
   temporary folder (created 0600, named in that line) and exits 1, so that no traceback
   reaches the terminal; called in-process (tests), the exception propagates unchanged.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from metsor.cli._refusal import leaf_command, refusal, running
from metsor.errors import MetsorError

__all__ = ["INTERNAL_ERROR_EXIT", "MetsorGroup", "app", "run", "undecodable_input"]

#: Exit code of a defect of metsor (an unexpected exception), apart from the 2 of bad input.
INTERNAL_ERROR_EXIT = 1


def _escaped(text: str) -> str:
    """``text`` with each undecodable byte written ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _argument_name(command: Any, args: Sequence[str], index: int) -> str:
    """How to name the argument at ``index``: its option, or its name and position."""
    arg = args[index]
    if arg.startswith("--") and "=" in arg:
        return arg.split("=", 1)[0]
    if arg.startswith("-"):
        return arg
    position = f"argument {index + 1}"
    taken = 0
    while taken < index and args[taken] in (getattr(command, "commands", None) or {}):
        command = command.commands[args[taken]]
        taken += 1
    if command is None or getattr(command, "commands", None):
        return position
    params = list(getattr(command, "params", ()))
    options = {
        opt: param
        for param in params
        if param.param_type_name == "option"
        for opt in (*param.opts, *param.secondary_opts)
    }
    arguments = [param for param in params if param.param_type_name == "argument"]
    seen, value_of = 0, None
    for token in args[taken:index]:
        if value_of is not None:
            value_of = None
        elif token.startswith("-"):
            option = options.get(token)
            takes_value = option is not None and not option.is_flag and not option.count
            value_of = token if takes_value else None
        else:
            seen += 1
    if value_of is not None:
        return value_of
    if seen < len(arguments) and arguments[seen].name:
        return f"{arguments[seen].name.upper()} ({position})"
    return position


def undecodable_input(
    args: Sequence[str], environ: Mapping[str, str], command: Any = None
) -> str | None:
    """Why the command line or the environment is not UTF-8 text, or None if it is.

    Parameters
    ----------
    args
        The command-line arguments (without the program name), as Python decoded them.
    environ
        The environment; only ``METSOR_*`` variables are checked.
    command
        The root command, to name a positional argument (``USERNAME``) rather than give its
        position only.

    Returns
    -------
    str or None
        A message naming the first argument or variable holding a byte that is not UTF-8.
    """
    for index, arg in enumerate(args):
        if not _is_utf8(arg):
            name = _argument_name(command, args, index)
            safe_name = _escaped(name) if not _is_utf8(name) else name
            return (
                f"{safe_name} is not UTF-8 text: '{_escaped(arg)[:80]}'; "
                "give every argument in UTF-8"
            )
    for key in sorted(environ):
        if key.startswith("METSOR_") and not _is_utf8(environ[key]):
            value = _escaped(environ[key])[:80]
            return f"the environment variable {key} is not UTF-8 text: '{value}'"
    return None


class MetsorGroup(TyperGroup):
    """The root command group: checks the input's encoding, turns domain errors into exit 2."""

    def main(self, args: Sequence[str] | None = None, *pos: Any, **kwargs: Any) -> Any:
        """Refuse arguments or ``METSOR_*`` variables that are not UTF-8, then run."""
        argv = list(sys.argv[1:] if args is None else args)
        self._argv = argv  # the words after ``metsor``: which command an error comes from
        problem = undecodable_input(argv, os.environ, self)
        if problem is not None:
            typer.echo(f"error: {problem}", err=True)
            if kwargs.get("standalone_mode", True):
                sys.exit(2)
            return 2
        return super().main(argv, *pos, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; an error of :mod:`metsor.errors` ends it with ``error: …``, naming
        the command's option rather than the service's parameter (:mod:`metsor.cli._refusal`)."""
        command = leaf_command(self, ctx, getattr(self, "_argv", ()))
        try:
            with running(command):
                return super().invoke(ctx)
        except MetsorError as exc:
            typer.echo(refusal(exc, command), err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="metsor",
    cls=MetsorGroup,
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
    ("insilico", "insilico"),
    ("auth", None),
    ("database", None),
    ("audit", "audit"),
    ("sdv", "sdv"),
    ("sign", None),
    ("locks", None),
    ("checks", "checks"),
    ("users", "users"),
    ("casebook", None),
    ("export", "export"),
    ("report", None),
    ("interim", None),
    ("serve", None),
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


def _log_internal_error(exc: BaseException) -> str | None:
    """Write the traceback of ``exc`` to a new 0600 log file; its path, or None if impossible."""
    try:
        handle, path = tempfile.mkstemp(prefix="metsor-internal-error-", suffix=".log")
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as log:
            log.write(f"metsor {' '.join(_escaped(a) for a in sys.argv[1:])}\n")
            log.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return path


def run() -> None:
    """Run the CLI: domain errors exit 2 with a message, a defect exits 1 without a traceback."""
    try:
        app()
    except MetsorError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        path = _log_internal_error(exc)
        where = f"the details are in {path}" if path else "no log file could be written"
        typer.echo(
            f"internal error: {type(exc).__name__} (a defect of metsor, not of your input); "
            f"{where}; please report it",
            err=True,
        )
        sys.exit(INTERNAL_ERROR_EXIT)
