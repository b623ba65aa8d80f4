"""Domain errors of metsor.

Every error a user can cause is one of these. The CLI turns them into a message and exit
code 2 (:mod:`metsor.cli.main`), the web layer into a 4xx answer; both in one place each.

A message is kept readable whatever the user gave (:func:`readable`): a value echoed in it is
cut to :data:`SHOWN_CHARACTERS` characters with an ellipsis and its length (a megabyte of text
in a field is not printed back whole), the whole message to :data:`MESSAGE_CHARACTERS`, and
control characters and undecodable bytes are shown escaped, never sent to the terminal as
they are. Code that quotes a value in a message uses :func:`shown`.
"""

from __future__ import annotations

import re

__all__ = [
    "MESSAGE_CHARACTERS",
    "SHOWN_CHARACTERS",
    "ConflictError",
    "InputError",
    "MetsorError",
    "NotFoundError",
    "PermissionDeniedError",
    "readable",
    "shown",
]

SHOWN_CHARACTERS = 80
"""How much of a value a message quotes; the rest is replaced by ``… (N characters)``."""

MESSAGE_CHARACTERS = 1000
"""Longest message; anything longer is cut, saying how long it was."""

_LONG_RUN = 200
"""A run of characters without a space longer than this is a value, not words: it is cut."""

_RUN = re.compile(rf"\S{{{_LONG_RUN + 1},}}")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as Python's surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def shown(value: object, limit: int = SHOWN_CHARACTERS) -> str:
    """A value as a message quotes it: its ``repr``, cut to ``limit`` characters.

    Parameters
    ----------
    value
        The value the user gave.
    limit
        Characters of it to show.

    Returns
    -------
    str
        ``repr(value)``, or its first ``limit`` characters, an ellipsis and the length of the
        whole (``'aaaa… (1,048,576 characters)`` for text of a megabyte).

    Examples
    --------
    >>> shown("x" * 1000, limit=5)
    "'xxxx… (1,000 characters)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    length = len(value) if isinstance(value, str | bytes) else len(text)
    return f"{text[:limit]}… ({length:,} characters)"


def readable(message: str) -> str:
    """A message fit to print: long values cut, unprintable characters escaped.

    Parameters
    ----------
    message
        The message as written.

    Returns
    -------
    str
        The message with every run of more than 200 characters without a space cut to its
        first :data:`SHOWN_CHARACTERS`, the whole cut to :data:`MESSAGE_CHARACTERS`, and
        control characters (other than newline and tab) and undecodable bytes written as
        ``\\xNN``.
    """
    text = _UNPRINTABLE.sub(_escape, message)
    text = _RUN.sub(lambda match: _cut(match.group(), SHOWN_CHARACTERS), text)
    return _cut(text, MESSAGE_CHARACTERS)


class MetsorError(Exception):
    """Base of every error a user can cause.

    Parameters
    ----------
    message
        What is wrong, in words a user understands.
    field
        The field, column or argument at fault, if one is.
    row
        The 1-based line or row number at fault, if one is.
    names
        Other parameters the message names, each quoted as Python quotes a name
        (``futility needs both 'beta' and 'beta_spending'``), so that a face can show them as
        its user gives them (the CLI's options); a quoted value is not one of them.
    """

    exit_code: int = 2
    http_status: int = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        row: int | None = None,
        names: tuple[str, ...] = (),
    ) -> None:
        message = readable(message)
        super().__init__(message)
        self.message = message
        self.field = None if field is None else readable(field)
        self.row = row
        self.names = names

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None and f"'{self.field}'" not in self.message:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class InputError(MetsorError, ValueError):
    """Input that cannot be used: wrong type, unknown unit, missing column, bad value.

    It is also a :class:`ValueError`, so that code written against the standard library's
    convention (``except ValueError``) catches it.
    """


class NotFoundError(MetsorError):
    """A record, file or identifier that does not exist."""

    http_status = 404


class ConflictError(MetsorError):
    """A request that contradicts what is recorded (duplicate, wrong state, date order)."""

    http_status = 409


class PermissionDeniedError(MetsorError):
    """A user asking for what their role or site does not allow."""

    http_status = 403
