"""A count with its noun in the number the count asks for."""

from __future__ import annotations

import pytest

from metsor.plurals import counted


@pytest.mark.parametrize(
    ("count", "singular", "plural", "expected"),
    [
        pytest.param(0, "day", None, "0 days", id="none"),
        pytest.param(1, "day", None, "1 day", id="one"),
        pytest.param(2, "day", None, "2 days", id="two"),
        pytest.param(-1, "day", None, "-1 day", id="minus-one"),
        pytest.param(1, "query", "queries", "1 query", id="irregular-one"),
        pytest.param(3, "query", "queries", "3 queries", id="irregular-three"),
        pytest.param(56272, "field change", None, "56,272 field changes", id="thousands"),
    ],
)
def test_a_count_takes_the_noun_in_its_number(
    count: int, singular: str, plural: str | None, expected: str
) -> None:
    assert counted(count, singular, plural) == expected
