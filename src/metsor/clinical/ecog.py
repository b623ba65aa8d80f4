"""ECOG performance status (Oken et al., Am J Clin Oncol 1982;5:649–655)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from metsor.errors import InputError

__all__ = ["ECOG_DESCRIPTIONS", "validate_ecog"]

ECOG_DESCRIPTIONS: Mapping[int, str] = MappingProxyType(
    {
        0: "Fully active, able to carry on all pre-disease performance without restriction.",
        1: (
            "Restricted in physically strenuous activity but ambulatory and able to carry out "
            "work of a light or sedentary nature."
        ),
        2: (
            "Ambulatory and capable of all self-care but unable to carry out any work "
            "activities; up and about more than 50% of waking hours."
        ),
        3: "Capable of only limited self-care; confined to bed or chair more than 50% of waking "
        "hours.",
        4: "Completely disabled; cannot carry on any self-care; totally confined to bed or chair.",
        5: "Dead.",
    }
)
"""The grade descriptions of the ECOG performance status, 0 to 5."""


def validate_ecog(value: object, *, field: str = "ecog") -> int:
    """Return an ECOG performance status as an integer 0–5.

    Parameters
    ----------
    value
        An integer, a whole float (``1.0``) or a string of one digit (``"1"``), as read from a
        form or a file.
    field
        The name to give in an error message.

    Returns
    -------
    int
        The performance status.

    Raises
    ------
    InputError
        If ``value`` is not a whole number from 0 to 5.
    """
    status: int | None = None
    if isinstance(value, bool):
        status = None
    elif isinstance(value, int):
        status = value
    elif isinstance(value, float) and value.is_integer():
        status = int(value)
    elif isinstance(value, str) and value.strip().isdecimal():
        status = int(value.strip())
    if status is None or status not in ECOG_DESCRIPTIONS:
        raise InputError(
            f"ECOG performance status must be a whole number from 0 to 5, got {value!r}",
            field=field,
        )
    return status
