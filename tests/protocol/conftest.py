"""Fixtures of the protocol tests: the registry record of NCT02672488 and its protocols."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from metsor.protocol import Protocol, builtin, from_ctgov_v2

FIXTURES = Path(__file__).parent / "fixtures"
RECORD_PATH = FIXTURES / "NCT02672488.ctgov.json"


@pytest.fixture(scope="session")
def _record_text() -> str:
    return RECORD_PATH.read_text(encoding="utf-8")


@pytest.fixture
def record(_record_text: str) -> dict[str, Any]:
    """The registry record in the ClinicalTrials.gov API v2 shape; a fresh copy per test."""
    data: dict[str, Any] = json.loads(_record_text)
    return copy.deepcopy(data)


@pytest.fixture
def registered(record: dict[str, Any]) -> Protocol:
    """The record as registered, with the built-in design assumptions attached."""
    return from_ctgov_v2(record, assumptions=builtin().assumptions)


@pytest.fixture
def corrected() -> Protocol:
    """The built-in protocol: the record with its recorded corrections."""
    return builtin()
