"""Rule parameters as protocol data: a criterion's window, largest grade or least age is the
protocol's (SHARP's 30-day window of gastrointestinal bleeding), not the rule library's
setting; a parameter the rule does not take, or out of its bounds, is refused by name."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from metsor.eligibility.examples import eligible_record
from metsor.eligibility.parameters import parameterized_rule
from metsor.eligibility.record import parse_record
from metsor.eligibility.rules import EligibilitySettings
from metsor.eligibility.screening import screen
from metsor.errors import InputError
from metsor.protocol.builtin import builtin
from metsor.protocol.model import Criterion, RuleParameter

SHARP = builtin("NCT00105443")
METSOR = builtin("NCT02672488")


def _with_history(**history: Any) -> dict[str, Any]:
    record = eligible_record()
    merged = copy.deepcopy(record["history"])
    merged.update(history)
    record["history"] = merged
    return record


def _status(protocol_id: str, record: dict[str, Any], criterion: str) -> tuple[str, str]:
    result = screen(record, builtin(protocol_id))
    [judged] = [c for c in result.criteria if c.id == criterion]
    return judged.status, judged.reason


@pytest.mark.parametrize(
    ("protocol_id", "days_ago", "status"),
    [
        pytest.param("NCT00105443", 10, "fail", id="sharp-within-30-days"),
        pytest.param("NCT00105443", 30, "fail", id="sharp-on-day-30"),
        pytest.param("NCT00105443", 45, "pass", id="sharp-beyond-30-days"),
        pytest.param("NCT02672488", 45, "fail", id="metsor-any-history-excludes"),
    ],
)
def test_gi_bleeding_window_is_the_protocols(protocol_id: str, days_ago: int, status: str) -> None:
    record = _with_history(gi_bleeding_history=True, gi_bleeding_days_ago=days_ago)
    got, reason = _status(protocol_id, record, "gi_bleeding")
    assert got == status
    if protocol_id == "NCT00105443":
        assert "30 days" in reason


@pytest.mark.parametrize(
    ("protocol_id", "status"),
    [
        pytest.param("NCT00105443", "pass", id="sharp-18-and-above"),
        pytest.param("NCT02672488", "fail", id="metsor-above-18"),
    ],
)
def test_age_18_is_eligible_where_the_protocol_says_and_above(
    protocol_id: str, status: str
) -> None:
    got, _ = _status(protocol_id, eligible_record(age_years=18), "age")
    assert got == status


def test_protocol_window_wins_over_the_setting() -> None:
    record = _with_history(gi_bleeding_history=True, gi_bleeding_days_ago=45)
    result = screen(record, SHARP, settings=EligibilitySettings(gi_bleeding_window_days=90))
    [judged] = [c for c in result.criteria if c.id == "gi_bleeding"]
    assert judged.status == "pass"


def _criterion(rule: str, name: str, value: float) -> Criterion:
    return Criterion(
        id="trial_rule",
        kind="inclusion",
        text="a criterion",
        rule=rule,
        parameters=(RuleParameter(name=name, value=value, source="test"),),
    )


@pytest.mark.parametrize(
    ("rule", "name", "value", "record", "status"),
    [
        pytest.param("ecog", "max", 1, {"ecog": 2}, "fail", id="ecog-at-most-1"),
        pytest.param("ecog", "max", 2, {"ecog": 2}, "pass", id="ecog-at-most-2"),
        pytest.param("age", "min_years", 21, {"age_years": 20}, "fail", id="age-21"),
        pytest.param("age", "min_years", 21, {"age_years": 30}, "pass", id="age-21-older"),
    ],
)
def test_parameters_of_non_lab_rules(
    rule: str, name: str, value: float, record: dict[str, Any], status: str
) -> None:
    built = parameterized_rule(_criterion(rule, name, value), EligibilitySettings())
    assert built is not None
    assert built(parse_record(eligible_record(**record))).status == status


def test_infection_grade_parameter() -> None:
    built = parameterized_rule(
        _criterion("active_infection", "max_grade", 1), EligibilitySettings()
    )
    assert built is not None
    record = parse_record(_with_history(active_infection_grade=2))
    assert built(record).status == "fail"


@pytest.mark.parametrize(
    ("rule", "name", "value", "message"),
    [
        pytest.param("platelets", "window_days", 30, "takes no parameter", id="not-taken"),
        pytest.param("gi_bleeding", "max", 30, "takes no parameter", id="wrong-name"),
        pytest.param("gi_bleeding", "window_days", -1, "whole number from 0", id="negative"),
        pytest.param("ecog", "max", 1.5, "whole number from 0 to 4", id="not-whole"),
    ],
)
def test_bad_parameters_name_criterion_and_parameter(
    rule: str, name: str, value: float, message: str
) -> None:
    with pytest.raises(InputError, match=message) as raised:
        parameterized_rule(_criterion(rule, name, value), EligibilitySettings())
    assert raised.value.field == f"criteria.trial_rule.parameters.{name}"


@pytest.mark.parametrize(
    ("parameters", "rule", "match"),
    [
        pytest.param(("window_days", "window_days"), "gi_bleeding", "twice", id="repeated"),
        pytest.param(("window_days",), None, "no rule", id="checklist-item"),
    ],
)
def test_protocol_refuses_ill_formed_parameters(
    parameters: tuple[str, ...], rule: str | None, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        Criterion(
            id="x",
            kind="exclusion",
            text="t",
            rule=rule,
            parameters=tuple(RuleParameter(name=n, value=1, source="s") for n in parameters),
        )


def test_metsor_criteria_carry_no_parameters() -> None:
    assert all(not c.parameters for c in METSOR.criteria)
