"""Figures of ``metsor analyze`` as text and as strict JSON."""

from __future__ import annotations

import json
import math
from typing import Any

import typer

__all__ = ["fmt", "print_json"]


def fmt(value: float | None, digits: int = 4) -> str:
    """A figure to ``digits`` significant digits; none, NaN or infinite is NR (not reached)."""
    if value is None or not math.isfinite(value):
        return "NR"
    return f"{value:.{digits}g}"


def _jsonable(value: Any) -> Any:
    """NaN and infinities become null, so the output is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def print_json(result: dict[str, Any]) -> None:
    """Print the result as strict JSON (NaN and infinities as null)."""
    typer.echo(json.dumps(_jsonable(result), indent=2))
