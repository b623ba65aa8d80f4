"""Checks on numeric inputs shared by the clinical rules."""

from __future__ import annotations

import math

from metsor.errors import InputError

__all__: list[str] = []


def finite(value: float, field: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{field} must be a number, got {value!r}", field=field)
    result = float(value)
    if not math.isfinite(result):
        raise InputError(f"{field} must be a finite number, got {value!r}", field=field)
    return result


def non_negative(value: float, field: str) -> float:
    """Return ``value`` as a float, or raise if it is negative or not finite."""
    result = finite(value, field)
    if result < 0:
        raise InputError(f"{field} must not be negative, got {value!r}", field=field)
    return result


def positive(value: float, field: str) -> float:
    """Return ``value`` as a float, or raise if it is not above zero."""
    result = finite(value, field)
    if result <= 0:
        raise InputError(f"{field} must be above zero, got {value!r}", field=field)
    return result
