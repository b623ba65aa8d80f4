"""Screening a record without writing it: the live checklist of a screening form.

:func:`preview_screening` screens a (possibly partial) screening record with the eligibility
settings in force (those of the open database), exactly as registering the subject would,
and writes nothing. A record that does not parse gives the field at fault instead of a
result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metsor.eligibility import parse_record, screen
from metsor.eligibility.rules import EligibilitySettings
from metsor.errors import InputError
from metsor.protocol import builtin

__all__ = ["preview_screening"]


def preview_screening(
    record: Mapping[str, Any], *, settings: EligibilitySettings
) -> dict[str, Any]:
    """Screen ``record`` against the protocol; nothing is stored.

    Parameters
    ----------
    record
        A screening record (:mod:`metsor.eligibility.record`); missing values leave their
        criteria unknown.
    settings
        The eligibility settings in force (:attr:`metsor.services.context.Database.eligibility`,
        resolved when the database was opened), those registering applies.

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
    result = screen(parsed, builtin(), settings=settings)
    return dict(result.to_dict())
