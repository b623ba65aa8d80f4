"""Fixtures of the randomization tests."""

from __future__ import annotations

import pytest

from metsor.randomization import stratum_labels

from .builders import FACTORS


@pytest.fixture
def seed() -> bytes:
    """A fixed 32-byte secret seed."""
    return bytes(range(32))


@pytest.fixture
def metsor_strata() -> tuple[str, ...]:
    """The four strata of the two-factor design."""
    return stratum_labels(FACTORS)
