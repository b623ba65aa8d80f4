"""Screening records hold plausible values only: a wrong unit is refused, naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from metsor.eligibility import screen
from metsor.eligibility.record import parse_record
from metsor.errors import InputError


@pytest.mark.parametrize(
    ("changes", "field", "shown"),
    [
        pytest.param(
            {"labs.hemoglobin": {"value": 128, "unit": "g/dL"}},
            "labs.hemoglobin",
            "1–25 g/dL",
            id="haemoglobin-128-g-dl",
        ),
        pytest.param(
            {"labs.albumin": {"value": 39, "unit": "g/dL"}},
            "labs.albumin",
            "0.5–7 g/dL",
            id="albumin-39-g-dl",
        ),
        pytest.param(
            {"labs.platelets": {"value": 120_000_000, "unit": "/uL"}},
            "labs.platelets",
            "0–5,000,000 /uL",
            id="platelets-1.2e8",
        ),
        pytest.param(
            {"labs.ast": {"value": 1e308, "unit": "U/L", "uln": 40}},
            "labs.ast",
            "0–100,000 U/L",
            id="ast-1e308",
        ),
        pytest.param(
            {"tumour.largest_nodule_cm": 1e308},
            "tumour.largest_nodule_cm",
            "0.1–40 cm",
            id="nodule-1e308",
        ),
    ],
)
def test_implausible_values_are_refused(
    change: Callable[[dict[str, Any]], dict[str, Any]],
    changes: dict[str, Any],
    field: str,
    shown: str,
) -> None:
    record = change(changes)
    with pytest.raises(InputError, match="outside the plausible range") as caught:
        parse_record(record)
    assert caught.value.field == field
    assert shown in caught.value.message
    with pytest.raises(InputError):
        screen(record)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"labs.hemoglobin": {"value": 128, "unit": "g/L"}}, id="haemoglobin-g-l"),
        pytest.param({"labs.albumin": {"value": 39, "unit": "g/L"}}, id="albumin-g-l"),
        pytest.param({"labs.platelets": {"value": 120, "unit": "10^9/L"}}, id="platelets-g-l"),
    ],
)
def test_the_same_values_in_their_right_unit_are_eligible(
    change: Callable[[dict[str, Any]], dict[str, Any]], changes: dict[str, Any]
) -> None:
    assert screen(change(changes)).verdict == "eligible"


def test_an_implausible_upper_limit_of_normal_is_refused(
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """A ULN of 10^308 would make any AST pass "AST ≤ 5 × ULN"."""
    record = change({"labs.ast": {"value": 80, "unit": "U/L", "uln": 1e308}})
    with pytest.raises(InputError, match="outside the plausible range") as caught:
        parse_record(record)
    assert caught.value.field == "labs.ast"
    assert "uln" in caught.value.message
