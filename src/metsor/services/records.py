"""What services give back: frozen records of what was stored, never the stored rows.

A service returns a frozen dataclass of the values its callers read (:class:`FrozenRecord`),
copied from the row it stored or read; the row itself stays inside the service's transaction.
A mapping or list (a JSON column) is copied deeply. A caller cannot change the database by
changing the result, and a face (the CLI, the web, the virtual trial) reads plain values, as
JSON with :meth:`FrozenRecord.to_dict`.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Self

__all__ = ["FrozenRecord"]


@dataclass(frozen=True)
class FrozenRecord:
    """Base of what a casebook service returns: the stored values, read-only.

    A subclass declares the fields it gives, by the stored row's attribute names; :meth:`of`
    copies them from the row.
    """

    @classmethod
    def of(cls, row: object) -> Self:
        """The record of a stored row (each field read from the attribute of its name).

        A mapping or list is copied deeply, so that changing it leaves the row as stored.
        """
        return cls(**{item.name: _copied(getattr(row, item.name)) for item in fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        """The fields, dates and times as ISO 8601 text (JSON-ready)."""
        return {item.name: _plain(getattr(self, item.name)) for item in fields(self)}


def _copied(value: object) -> object:
    return deepcopy(value) if isinstance(value, dict | list) else value


def _plain(value: object) -> object:
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, FrozenRecord):
        return value.to_dict()
    return value
