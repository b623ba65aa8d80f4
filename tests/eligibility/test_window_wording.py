"""The reasons of a criterion with a window in days say "1 day" and "2 days"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from metsor.eligibility.record import parse_record
from metsor.eligibility.rules import EligibilitySettings, rules_for
from metsor.eligibility.thresholds import RuleResult

LABEL = "history of gastrointestinal bleeding"


@pytest.mark.parametrize(
    ("days_ago", "window", "expected"),
    [
        pytest.param(1, 30, RuleResult("fail", f"{LABEL} 1 day ago (≤ 30 days)"), id="one-day-ago"),
        pytest.param(2, 30, RuleResult("fail", f"{LABEL} 2 days ago (≤ 30 days)"),
                     id="two-days-ago"),
        pytest.param(1, 1, RuleResult("fail", f"{LABEL} 1 day ago (≤ 1 day)"), id="window-of-one"),
        pytest.param(31, 1, RuleResult("pass", f"{LABEL} 31 days ago (> 1 day)"),
                     id="outside-one-day"),
        pytest.param(None, 1, RuleResult("unknown", f"{LABEL}: yes, when not recorded "
                                                     "(window 1 day)"), id="undated-one"),
        pytest.param(None, 30, RuleResult("unknown", f"{LABEL}: yes, when not recorded "
                                                      "(window 30 days)"), id="undated-thirty"),
    ],
)  # fmt: skip
def test_the_reason_says_days_in_their_number(
    days_ago: int | None,
    window: int,
    expected: RuleResult,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    record = change({"history.gi_bleeding_history": True, "history.gi_bleeding_days_ago": days_ago})
    rule = rules_for(EligibilitySettings(gi_bleeding_window_days=window))["gi_bleeding"]
    assert rule(parse_record(record)) == expected
