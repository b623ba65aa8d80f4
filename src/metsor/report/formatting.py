"""How numbers are written in the report: estimates with intervals, p-values, percentages."""

from __future__ import annotations

import math

__all__ = ["count_percent", "estimate_ci", "months", "p_value", "percent_ci"]


def months(value: float | None, digits: int = 1) -> str:
    """A time in months, ``NR`` when not reached (nan) or not known."""
    if value is None or not math.isfinite(value):
        return "NR"
    return f"{value:.{digits}f}"


def estimate_ci(
    estimate: float | None,
    lower: float | None,
    upper: float | None,
    digits: int = 2,
    *,
    missing: str = "–",
) -> str:
    """``0.76 (0.45–1.28)``; ``NR`` for a bound not reached; ``missing`` when there is no
    estimate (``NR`` for a median not reached)."""
    if estimate is None or not math.isfinite(estimate):
        if missing == "NR":
            return f"NR ({months(lower, digits)}–{months(upper, digits)})"
        return missing
    return f"{months(estimate, digits)} ({months(lower, digits)}–{months(upper, digits)})"


def p_value(p: float | None) -> str:
    """``0.312``, ``0.0042``, ``<0.0001``; ``–`` when there is none."""
    if p is None or not math.isfinite(p):
        return "–"
    if p < 1e-4:
        return "<0.0001"
    if p < 0.01:
        return f"{p:.4f}"
    return f"{p:.3f}"


def count_percent(count: int, total: int) -> str:
    """``12 (48.0%)``; ``0`` when the total is 0."""
    if total == 0:
        return str(count)
    return f"{count} ({100.0 * count / total:.1f}%)"


def percent_ci(rate: float, lower: float, upper: float) -> str:
    """``25.0% (9.8–46.7)``; the interval ``–`` where it is not defined (survival 0)."""
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return f"{100 * rate:.1f}% (–)"
    return f"{100 * rate:.1f}% ({100 * lower:.1f}–{100 * upper:.1f})"
