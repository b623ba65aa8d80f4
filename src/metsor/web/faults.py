"""What is wrong with a request, in words: each fault's field and a message a person can read.

A body, path or query value that its schema refuses is reported by FastAPI and pydantic as a
list of errors whose context holds the exception itself (``"ctx": {"error": ValueError(...)}``,
which JSON shows as ``{}``), whose location starts with where the value was sent
(``body``, ``path``, ``query``) and, for a field that takes one of several types, ends with
the type tried (``value.constrained-str``). :func:`faults_of` turns them into
:class:`Fault`\\ s: the field as the request names it (``labs.0.unit``, ``query_id``; the
body itself is ``body``), and the message — a check of the entry's own (a plausible range,
an allowed code) in its words, a body that is not JSON or not an object said so — with
nothing of the value echoed but what :func:`metsor.errors.readable` keeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from metsor.errors import readable

__all__ = ["Fault", "fault_message", "faults_of"]

#: Where a value was sent: the first part of an error's location, not part of the field.
_SOURCES = frozenset({"body", "path", "query", "header", "cookie"})

#: The last part of a location that names the type a union member tried, not a field
#: (``bool``, ``int``, ``constrained-str``, ``list[...]``, ``function-after[...]``).
_UNION_MEMBER = re.compile(
    r"^(bool|int|float|str|bytes|none|date|datetime|[a-z]+-[a-z-]+|.*\[.*\])$"
)

#: Errors about the body's shape as a whole, in words that do not name a class of the code.
_NOT_AN_OBJECT = frozenset({"model_type", "model_attributes_type", "dict_type"})


@dataclass(frozen=True)
class Fault:
    """One thing wrong with a request: the field at fault (None when the refusal is of no one
    field) and what is wrong with it."""

    field: str | None
    message: str

    def to_dict(self) -> dict[str, str | None]:
        """``{"field": ..., "message": ...}``."""
        return {"field": self.field, "message": self.message}


def fault_message(error: Mapping[str, Any]) -> str:
    """An error's message, readable: a check of the entry's own in its words (without
    pydantic's "Value error," before them), a body that is not JSON or not an object said so.
    """
    kind = error.get("type")
    context = error.get("ctx") or {}
    if kind == "value_error" and "error" in context:
        return readable(str(context["error"]))
    if kind == "json_invalid":
        where = error.get("loc", ())[-1:]
        at = f" (at character {where[0]})" if where and isinstance(where[0], int) else ""
        return readable(f"the body is not valid JSON: {context.get('error', 'unreadable')}{at}")
    if kind in _NOT_AN_OBJECT:
        return "the body must be a JSON object of the entry's fields"
    return readable(str(error.get("msg", "invalid value")))


#: What a union member takes, in words (a member not named here is said by its tag).
_MEMBER_WORDS = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "constrained-str": "text",
    "none": "null",
    "date": "a day (YYYY-MM-DD)",
}


def _place(location: Sequence[Any]) -> tuple[str, str | None]:
    """The field at ``location``, and the union member it tried (None outside a union)."""
    parts = [str(part) for part in location]
    if parts and parts[0] in _SOURCES:
        where, parts = parts[0], parts[1:]
    else:
        where = "body"
    member = None
    if len(parts) > 1 and _UNION_MEMBER.match(parts[-1]):
        parts, member = parts[:-1], parts[-1]
    if parts and where == "body" and parts[-1].isdigit() and len(parts) == 1:
        return "body", None  # a position in a body that is not JSON
    return ".".join(parts) or where, member


def faults_of(errors: Iterable[Mapping[str, Any]]) -> list[Fault]:
    """One fault per field, in the order the errors name them.

    A field that may hold one of several types is refused once: a value of none of its types
    (an object where text or a number is wanted) with the types it takes, in words; a value
    of its types refused for another reason (text too long) with the last member's message
    (text, the widest).
    """
    by_field: dict[str, str] = {}
    members: dict[str, list[tuple[str, str]]] = {}
    for error in errors:
        field, member = _place(error.get("loc", ()))
        by_field[field] = fault_message(error)
        if member is not None:
            members.setdefault(field, []).append((member, str(error.get("type", ""))))
    for field, tried in members.items():
        if len(tried) > 1 and all(kind.endswith("_type") for _, kind in tried):
            words = [_MEMBER_WORDS.get(member, member) for member, _ in tried]
            by_field[field] = f"must be {', '.join(words[:-1])} or {words[-1]}"
    return [Fault(field, message) for field, message in by_field.items()]
