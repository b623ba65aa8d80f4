"""The criteria the registry record leaves open, read as settings with documented defaults
(CLINICAL-REFERENCE.md, "Criteria the METSOR record leaves open"): first line, the bleeding
windows, "metastatic liver cancer" and severe cardiovascular disease."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from metsor.eligibility import screen
from metsor.eligibility.record import parse_record
from metsor.eligibility.rules import EligibilitySettings, rules_for
from metsor.eligibility.thresholds import RuleResult
from metsor.errors import InputError

Change = Callable[[dict[str, Any]], dict[str, Any]]

FIRST_LINE_CASES = [
    pytest.param({}, None, "pass", id="naive"),
    pytest.param({"history.prior_systemic_therapy": True}, None, "fail", id="prior-therapy"),
    pytest.param(
        {"history.prior_systemic_therapy": True},
        EligibilitySettings(first_line=False),
        "pass",
        id="prior-therapy-registry-reading",
    ),
    pytest.param({"history.prior_systemic_therapy": None}, None, "unknown", id="not-recorded"),
    pytest.param(
        {"history.prior_systemic_therapy": None},
        EligibilitySettings(first_line=False),
        "pass",
        id="not-asked-registry-reading",
    ),
    pytest.param({"history.systemic_chemo_within_6_months": True}, None, "fail", id="recent-chemo"),
]


def _judge(
    change: Change, rule: str, changes: dict[str, Any], settings: EligibilitySettings | None
) -> RuleResult:
    return rules_for(settings)[rule](parse_record(change(changes)))


@pytest.mark.parametrize(("changes", "settings", "status"), FIRST_LINE_CASES)
def test_first_line(
    changes: dict[str, Any], settings: EligibilitySettings | None, status: str, change: Change
) -> None:
    assert _judge(change, "recent_systemic_chemo", changes, settings).status == status


def test_prior_therapy_is_named_in_the_reason(change: Change) -> None:
    result = _judge(change, "recent_systemic_chemo", {"history.prior_systemic_therapy": True}, None)
    assert result == RuleResult("fail", "prior systemic therapy for HCC: yes")


WINDOW_CASES = [
    pytest.param("gi_bleeding", "gi_bleeding_history", "gi_bleeding_days_ago", id="gi"),
    pytest.param("bleeding", "bleeding_signs", "bleeding_days_ago", id="signs"),
]


@pytest.mark.parametrize(("rule", "field", "days_field"), WINDOW_CASES)
def test_bleeding_window(rule: str, field: str, days_field: str, change: Change) -> None:
    setting = "gi_bleeding_window_days" if rule == "gi_bleeding" else "bleeding_window_days"
    window = EligibilitySettings(**{setting: 30})  # type: ignore[arg-type]
    old = {f"history.{field}": True, f"history.{days_field}": 31}
    recent = {f"history.{field}": True, f"history.{days_field}": 30}
    undated = {f"history.{field}": True}
    # Default: any history excludes, as written.
    assert _judge(change, rule, old, None).status == "fail"
    assert _judge(change, rule, old, window).status == "pass"
    assert _judge(change, rule, recent, window).status == "fail"
    assert _judge(change, rule, undated, window).status == "unknown"
    assert _judge(change, rule, {f"history.{field}": False}, window).status == "pass"


def test_metastatic_liver_cancer_reading(change: Change) -> None:
    spread = {"tumour.extrahepatic_spread": True}
    strict = EligibilitySettings(metastatic_liver_cancer="with_extrahepatic_spread")
    assert _judge(change, "metastatic_liver_cancer", spread, None).status == "pass"
    assert _judge(change, "metastatic_liver_cancer", spread, strict) == RuleResult(
        "fail", "extrahepatic spread: yes"
    )
    other = {"metastatic_liver_cancer": True}
    assert _judge(change, "metastatic_liver_cancer", other, None).status == "fail"
    assert _judge(change, "metastatic_liver_cancer", {}, strict).status == "pass"


@pytest.mark.parametrize(
    ("nyha", "default", "sharp"),
    [
        pytest.param(1, "pass", "pass", id="no-heart-failure"),
        pytest.param(2, "pass", "pass", id="nyha-2"),
        pytest.param(3, "pass", "fail", id="nyha-3"),
        pytest.param(None, "pass", "unknown", id="not-recorded"),
    ],
)
def test_cardiovascular_nyha(nyha: int | None, default: str, sharp: str, change: Change) -> None:
    changes = {"history.nyha_class": nyha}
    sharp_reading = EligibilitySettings(cardiovascular_nyha_max=2)
    rule = "severe_cardiovascular_disease"
    assert _judge(change, rule, changes, None).status == default
    assert _judge(change, rule, changes, sharp_reading).status == sharp
    attested = {**changes, "history.severe_cardiovascular_disease": True}
    assert _judge(change, rule, attested, sharp_reading).status == "fail"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        pytest.param({"gi_bleeding_window_days": -1}, "gi_bleeding_window_days", id="negative"),
        pytest.param({"bleeding_window_days": True}, "bleeding_window_days", id="bool"),
        pytest.param({"cardiovascular_nyha_max": 4}, "cardiovascular_nyha_max", id="nyha-4"),
        pytest.param(
            {"metastatic_liver_cancer": "any"}, "metastatic_liver_cancer", id="unknown-reading"
        ),
    ],
)
def test_bad_setting_named(values: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError, match=field) as caught:
        EligibilitySettings(**values)
    assert caught.value.field == field


def test_example_record_is_eligible_under_every_reading(eligible: dict[str, Any]) -> None:
    strict = EligibilitySettings(
        gi_bleeding_window_days=30,
        bleeding_window_days=30,
        metastatic_liver_cancer="with_extrahepatic_spread",
        cardiovascular_nyha_max=2,
    )
    assert screen(eligible).verdict == "eligible"
    assert screen(eligible, settings=strict).verdict == "eligible"
    assert screen(eligible, settings=EligibilitySettings(first_line=False)).verdict == "eligible"
