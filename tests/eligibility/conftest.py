"""Fixtures of the eligibility tests: the example record of an eligible candidate, changed.

The record is :func:`metsor.eligibility.examples.eligible_record`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from metsor.eligibility.examples import eligible_record
from metsor.protocol import Protocol, builtin


def with_changes(changes: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of a record with values set at dotted paths; the value ``None`` deletes."""
    data = eligible_record() if base is None else copy.deepcopy(base)
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return data


@pytest.fixture
def eligible() -> dict[str, Any]:
    """A complete record of a candidate who meets every criterion (a fresh copy)."""
    return eligible_record()


@pytest.fixture
def change() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``change({"labs.hemoglobin.value": 8.5})``: the eligible record with changes."""
    return with_changes


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    """The built-in NCT02672488 protocol."""
    return builtin("NCT02672488")
