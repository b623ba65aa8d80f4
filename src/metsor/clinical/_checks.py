"""Checks on numeric inputs: the one rule for "a finite number within bounds".

The clinical rules, the plausible ranges (:mod:`metsor.clinical.plausibility`) and the
casebook services all read numbers through these functions, so a value is refused alike
whichever face gave it, with a message naming the field.
"""

from __future__ import annotations

import math

from metsor.errors import InputError

__all__: list[str] = []


def finite(value: object, field: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{field} must be a number, got {value!r}", field=field)
    try:
        result = float(value)
    except OverflowError:
        raise InputError(f"{field} must be a finite number, got {value!r}", field=field) from None
    if not math.isfinite(result):
        raise InputError(f"{field} must be a finite number, got {value!r}", field=field)
    return result


def non_negative(value: object, field: str) -> float:
    """Return ``value`` as a float, or raise if it is negative or not finite."""
    result = finite(value, field)
    if result < 0:
        raise InputError(f"{field} must not be negative, got {value!r}", field=field)
    return result


def positive(value: object, field: str) -> float:
    """Return ``value`` as a float, or raise if it is not above zero."""
    result = finite(value, field)
    if result <= 0:
        raise InputError(f"{field} must be above zero, got {value!r}", field=field)
    return result


def bounded(
    value: object, field: str, *, low: float | None = None, high: float | None = None
) -> float:
    """A finite number within ``[low, high]``; InputError naming the field otherwise."""
    result = finite(value, field)
    if (low is not None and result < low) or (high is not None and result > high):
        if high is None:
            bounds = f"be ≥ {low:g}"
        elif low is None:
            bounds = f"be ≤ {high:g}"
        else:
            bounds = f"lie in [{low:g}, {high:g}]"
        raise InputError(f"{field} must {bounds}, got {value!r}", field=field)
    return result


def whole(value: object, field: str, *, low: int, high: int) -> int:
    """A whole number within ``[low, high]``; InputError naming the field otherwise."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{field} must be a whole number, got {value!r}", field=field)
    if not low <= value <= high:
        raise InputError(f"{field} must lie in [{low}, {high}], got {value!r}", field=field)
    return value
