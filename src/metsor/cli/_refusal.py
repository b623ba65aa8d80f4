"""How a refused command says what is wrong: in the words of the command, not of the service.

Services name their own parameters in errors (``field 'collected_on'``: the parameter of
:func:`metsor.services.casebook.record_lab`); the command line names its options (``--date``).
:func:`refusal` is the one place that translates one into the other, for every command (the
root group of :mod:`metsor.cli.main` and :func:`metsor.cli._common.abort_on_user_error` call
it). What a command's options stand for it says in two ways:

- a parameter of the command's function named as the service's parameter is that option
  (``collected_on: Annotated[str, typer.Option("--date")]`` maps ``collected_on`` to ``--date``);
  an argument maps to its metavar (``subject_id`` to ``SUBJECT_ID``);
- where the names differ, the command declares them with :func:`option_names`
  (``@option_names(systolic_mmhg="--sbp")``); the database URL (``database_url``) is ``--db``
  in every command that takes one.

The error's field becomes the option (``option --sbp: …``, or nothing when the message already
names it), and the field's name in the message, when it is a parameter's name (it has an
underscore), is replaced by the option (``collected_on 2999-01-01 is in the future`` reads
``--date 2999-01-01 is in the future``). A field no option stands for is shown as the service
names it.

A message that names other parameters than its field quotes them, as Python names a parameter
(``futility needs both 'beta' and 'beta_spending'``), and lists them in the error's ``names``
(:class:`metsor.errors.MetsorError`): each quoted name that is the error's field or one of its
names and a parameter of the command is replaced by its option (``futility needs both --beta
and --beta-spending``), through the same mapping. Other quoted text is a value the user gave
(``key 'grade' appears twice``) and is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from metsor.errors import MetsorError

__all__ = ["current", "leaf_command", "option_names", "options_of", "refusal", "running"]

_NAMES = "__metsor_option_names__"

#: Settings the services and the store name, and the parameter of every command that gives
#: them (the database URL is ``--db`` wherever a command takes one).
_SHARED = {"database_url": "db"}

#: The command the root group is running (None: a command invoked on its own).
_RUNNING: ContextVar[Any] = ContextVar("metsor_command", default=None)

_Command = TypeVar("_Command", bound=Callable[..., Any])


def option_names(**names: str) -> Callable[[_Command], _Command]:
    """Declare, on a command's function, the option that gives each service parameter.

    Parameters
    ----------
    **names
        Service parameter → option, e.g. ``systolic_mmhg="--sbp"``.

    Returns
    -------
    callable
        A decorator that records the names on the function (put it below ``@app.command``).
    """

    def declare(command: _Command) -> _Command:
        setattr(command, _NAMES, {**getattr(command, _NAMES, {}), **names})
        return command

    return declare


def options_of(command: Any) -> dict[str, str]:
    """Service parameter → option (or argument) of a command: its own and those declared."""
    if command is None:
        return {}
    names: dict[str, str] = {}
    for param in getattr(command, "params", ()):
        if not param.name:
            continue
        if param.param_type_name == "option":
            spelled = [opt for opt in param.opts if opt.startswith("--")] or param.opts
            names[param.name] = spelled[0]
        elif param.param_type_name == "argument":
            names[param.name] = (param.metavar or param.name).upper()
    for setting, parameter in _SHARED.items():
        if parameter in names:
            names.setdefault(setting, names[parameter])
    names.update(getattr(command.callback, _NAMES, {}))
    return names


def leaf_command(group: Any, context: Any, tokens: Sequence[str]) -> Any:
    """The command that ``tokens`` (the words after ``metsor``) run, or None if unknown."""
    command, rest = group, list(tokens)
    while hasattr(command, "get_command"):  # a group: the next word names its command
        if not rest:
            return None
        command = command.get_command(context, rest.pop(0))
    return command


@contextmanager
def running(command: Any) -> Iterator[None]:
    """Name the command that runs, for :func:`current` (the root group does it)."""
    token = _RUNNING.set(command)
    try:
        yield
    finally:
        _RUNNING.reset(token)


def current() -> Any:
    """The command the root group is running (None: invoked on its own)."""
    return _RUNNING.get()


_QUOTED = re.compile(r"'([A-Za-z_]\w*)'")
"""A name quoted in a message, as a parameter is named in one (``'beta_spending'``)."""


def _named(word: str) -> str:
    """A pattern matching ``word`` as a whole word or option."""
    return rf"(?<![\w-]){re.escape(word)}(?![\w-])"


def refusal(exc: MetsorError, command: Any = None) -> str:
    """The line a command refused by ``exc`` prints, naming the command's option.

    Parameters
    ----------
    exc
        The error a service (or the command) raised.
    command
        The command that ran (None: the error is shown as the service worded it).

    Returns
    -------
    str
        ``error: …``.
    """
    names = options_of(command)
    option = names.get(exc.field or "")
    named = {name: names[name] for name in (exc.field, *exc.names) if name in names}
    message = _QUOTED.sub(lambda quoted: named.get(quoted.group(1), quoted.group(0)), exc.message)
    where = [f"row {exc.row}"] if exc.row is not None else []
    if option is None:  # as the error words it (MetsorError.__str__), its quoted names mapped
        if exc.field is not None and f"'{exc.field}'" not in exc.message:
            where.append(f"field '{exc.field}'")
    else:
        if "_" in str(exc.field):  # a parameter's name, not a word of the sentence
            message = re.sub(_named(str(exc.field)), option, message)
        if not re.search(_named(option), message):
            where.append(f"{'option' if option.startswith('-') else 'argument'} {option}")
    prefix = ", ".join(where)
    return f"error: {prefix}: {message}" if prefix else f"error: {message}"
