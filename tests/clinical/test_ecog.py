"""ECOG performance status 0–5 (Oken et al., Am J Clin Oncol 1982;5:649–655)."""

from __future__ import annotations

import pytest

from metsor.clinical.ecog import ECOG_DESCRIPTIONS, validate_ecog
from metsor.errors import InputError


def test_six_grades_described() -> None:
    assert sorted(ECOG_DESCRIPTIONS) == [0, 1, 2, 3, 4, 5]
    assert ECOG_DESCRIPTIONS[5] == "Dead."


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (5, 5), (2.0, 2), ("1", 1), (" 3 ", 3)])
def test_valid_values(value: object, expected: int) -> None:
    assert validate_ecog(value) == expected


@pytest.mark.parametrize("value", [-1, 6, 1.5, "x", "", None, True])
def test_invalid_values(value: object) -> None:
    with pytest.raises(InputError, match="ECOG performance status") as info:
        validate_ecog(value)
    assert info.value.field == "ecog"
