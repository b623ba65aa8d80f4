"""Fixtures of the design tests: the rpact reference values written by tests/reference/design.R."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REFERENCE_FILE = Path(__file__).parents[1] / "reference" / "design_reference.json"


def load_reference() -> dict[str, Any]:
    """The committed rpact reference values (R and rpact versions inside)."""
    with REFERENCE_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@pytest.fixture(scope="session")
def design_reference() -> dict[str, Any]:
    """rpact 3.3.4 reference values for sample size, power, boundaries and simulation."""
    return load_reference()
