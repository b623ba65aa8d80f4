"""Typed reads from parsed JSON that name the JSON path of the field at fault."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metsor.errors import InputError

__all__ = ["Node"]


class Node:
    """A JSON object and the path that leads to it (``protocolSection.designModule``).

    Every read checks the type of what it finds; a wrong type, or a missing required field,
    raises :class:`~metsor.errors.InputError` whose ``field`` is the full JSON path.
    """

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, Mapping):
            raise InputError(f"expected an object, got {_kind(value)}", field=path or "(top level)")
        self._data: Mapping[str, Any] = value
        self.path = path

    def at(self, key: str) -> str:
        """The JSON path of a key of this object."""
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        """Whether the key is present and not null."""
        return self._data.get(key) is not None

    def obj(self, key: str) -> Node:
        """A required nested object."""
        return Node(self._required(key), self.at(key))

    def opt_obj(self, key: str) -> Node | None:
        """An optional nested object."""
        return Node(self._data[key], self.at(key)) if self.has(key) else None

    def text(self, key: str) -> str:
        """A required, non-empty string."""
        value = self._required(key)
        if not isinstance(value, str):
            raise InputError(f"expected a string, got {_kind(value)}", field=self.at(key))
        if not value.strip():
            raise InputError("expected a non-empty string", field=self.at(key))
        return value.strip()

    def opt_text(self, key: str) -> str | None:
        """An optional string; empty counts as absent."""
        return self.text(key) if self.has(key) and str(self._data[key]).strip() else None

    def integer(self, key: str) -> int:
        """A required integer (a JSON number without a fraction, not a boolean)."""
        value = self._required(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"expected an integer, got {_kind(value)}", field=self.at(key))
        return value

    def opt_bool(self, key: str) -> bool | None:
        """An optional boolean."""
        if not self.has(key):
            return None
        value = self._data[key]
        if not isinstance(value, bool):
            raise InputError(f"expected true or false, got {_kind(value)}", field=self.at(key))
        return value

    def items(self, key: str, *, required: bool = False) -> list[tuple[object, str]]:
        """The elements of an array with their paths (``armGroups[0]``); absent → empty."""
        if not self.has(key):
            if required:
                raise InputError("required array is missing", field=self.at(key))
            return []
        value = self._data[key]
        if not isinstance(value, list):
            raise InputError(f"expected an array, got {_kind(value)}", field=self.at(key))
        if required and not value:
            raise InputError("expected at least one element", field=self.at(key))
        return [(item, f"{self.at(key)}[{i}]") for i, item in enumerate(value)]

    def nodes(self, key: str, *, required: bool = False) -> list[Node]:
        """The objects of an array of objects."""
        return [Node(item, path) for item, path in self.items(key, required=required)]

    def texts(self, key: str) -> tuple[str, ...]:
        """An optional array of strings."""
        out = []
        for item, path in self.items(key):
            if not isinstance(item, str):
                raise InputError(f"expected a string, got {_kind(item)}", field=path)
            if item.strip():
                out.append(item.strip())
        return tuple(out)

    def _required(self, key: str) -> object:
        if not self.has(key):
            raise InputError("required field is missing", field=self.at(key))
        return self._data[key]


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
