"""Fixtures of the analysis tests: the committed R reference figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "survival_reference.json"


@pytest.fixture(scope="session")
def reference() -> dict[str, Any]:
    """``tests/reference/survival_reference.json``, written by ``tests/reference/survival.R``."""
    data: dict[str, Any] = json.loads(REFERENCE.read_text())
    return data
