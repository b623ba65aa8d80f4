"""Screening a record without writing it: the live checklist of a screening form.

:func:`preview_screening` screens a (possibly partial) screening record with the eligibility
settings in force and the protocol stored with the trial (those of the open database),
exactly as registering the subject would, and writes nothing. A record that does not parse
gives the field at fault instead of a result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metsor.eligibility import parse_record, screen
from metsor.errors import InputError
from metsor.services.context import Database, session_scope
from metsor.services.protocol_in_force import protocol_of

__all__ = ["preview_screening"]


def preview_screening(database: Database, record: Mapping[str, Any]) -> dict[str, Any]:
    """Screen ``record`` against the trial's protocol; nothing is stored.

    Parameters
    ----------
    database
        The trial database: its stored protocol and its eligibility settings
        (:attr:`metsor.services.context.Database.eligibility`, resolved when it was opened),
        those registering applies.
    record
        A screening record (:mod:`metsor.eligibility.record`); missing values leave their
        criteria unknown.

    Returns
    -------
    dict
        ``{"verdict", "criteria", "derived"}`` as ``metsor screen --json`` prints, or
        ``{"error": message, "field": dotted path}`` when a value is refused.
    """
    try:
        parsed = parse_record(record)
    except InputError as exc:
        return {"error": exc.message, "field": exc.field}
    with session_scope(database, actor="screening preview", readonly=True) as session:
        protocol = protocol_of(session)
    result = screen(parsed, protocol, settings=database.eligibility)
    return dict(result.to_dict())
