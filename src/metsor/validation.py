"""Pydantic validation errors as metsor's input errors, in the user's words.

Every model that checks what a user gives — the screening record (:mod:`metsor.eligibility.record`),
the casebook services' inputs (:mod:`metsor.services.casebook._boundary`) — reports its first
fault through :func:`input_error`: an :class:`~metsor.errors.InputError` naming the field by its
dotted path, with the value given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from metsor.errors import InputError

__all__ = ["input_error"]

_EXPECTED = {
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "a string",
    "model_type": "an object",
    "dict_type": "an object",
}


def _describe(error: Mapping[str, Any]) -> str:
    """A short message for one pydantic error, in the user's words."""
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx", {})
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {type(given).__name__} {given!r}"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing (required when its parent is given)"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}, got {given!r}"
    bounds = {
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        return f"must be {sign} {ctx[key]:g}, got {given!r}"
    if kind == "finite_number":
        return f"must be a finite number, got {given!r}"
    return str(error["msg"])


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def input_error(exc: ValidationError) -> InputError:
    """An :class:`InputError` whose field is the dotted path of the first fault.

    The message describes that fault; any others follow as ``(also: path: message; ...)``.
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    field = _path(first["loc"])
    message = _describe(first)
    if first["type"] == "extra_forbidden":
        message = f"unknown field '{field}'"
    others = [f"{_path(e['loc'])}: {_describe(e)}" for e in errors[1:]]
    if others:
        message += f" (also: {'; '.join(others)})"
    return InputError(message, field=field)
