"""Domain errors of metsor.

Every error a user can cause is one of these. The CLI turns them into a message and exit
code 2 (:mod:`metsor.cli.main`), the web layer into a 4xx answer; both in one place each.
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "InputError",
    "MetsorError",
    "NotFoundError",
    "PermissionDeniedError",
]


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
    """

    exit_code: int = 2
    http_status: int = 400

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None and f"'{self.field}'" not in self.message:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class InputError(MetsorError):
    """Input that cannot be used: wrong type, unknown unit, missing column, bad value."""


class NotFoundError(MetsorError):
    """A record, file or identifier that does not exist."""

    http_status = 404


class ConflictError(MetsorError):
    """A request that contradicts what is recorded (duplicate, wrong state, date order)."""

    http_status = 409


class PermissionDeniedError(MetsorError):
    """A user asking for what their role or site does not allow."""

    http_status = 403
