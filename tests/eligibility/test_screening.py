"""Screening a record against the protocol: verdict, criteria order, JSON shape, derived."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from numpy.testing import assert_allclose

from metsor.eligibility import RULES_VERSION, EligibilitySettings, rules_version, screen
from metsor.eligibility.record import parse_record
from metsor.errors import InputError
from metsor.protocol import Protocol

RTOL = 1e-6
Change = Callable[[dict[str, Any]], dict[str, Any]]


def test_complete_eligible_record(eligible: dict[str, Any], protocol: Protocol) -> None:
    result = screen(eligible, protocol)
    assert result.verdict == "eligible"
    assert all(c.status == "pass" for c in result.criteria)
    assert result.failed == ()
    assert result.unknown == ()


def test_default_protocol_is_the_builtin(eligible: dict[str, Any], protocol: Protocol) -> None:
    assert screen(eligible).to_dict() == screen(eligible, protocol).to_dict()


def test_criteria_follow_the_protocol(eligible: dict[str, Any], protocol: Protocol) -> None:
    result = screen(parse_record(eligible), protocol)
    assert [c.id for c in result.criteria] == [c.id for c in protocol.criteria]
    assert [(c.kind, c.text) for c in result.criteria] == [
        (c.kind, c.text) for c in protocol.criteria
    ]


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        pytest.param({}, "eligible", id="all-pass"),
        pytest.param({"labs.hemoglobin.value": 8.5}, "ineligible", id="one-fail"),
        pytest.param({"history.hiv": None}, "incomplete", id="one-unknown"),
        pytest.param(
            {"history.hiv": None, "labs.hemoglobin.value": 8.5},
            "ineligible",
            id="fail-beats-unknown",
        ),
        pytest.param({"history.hiv": True}, "ineligible", id="exclusion-present"),
    ],
)
def test_verdict(changes: dict[str, Any], verdict: str, change: Change, protocol: Protocol) -> None:
    assert screen(change(changes), protocol).verdict == verdict


def test_empty_record_is_incomplete(protocol: Protocol) -> None:
    result = screen({}, protocol)
    assert result.verdict == "incomplete"
    assert result.failed == ()


def test_exact_json_shape(change: Change, protocol: Protocol) -> None:
    result = screen(change({"labs.total_bilirubin.value": 2.3}), protocol).to_dict()
    assert list(result) == ["verdict", "criteria", "derived"]
    assert result["verdict"] == "ineligible"
    for criterion in result["criteria"]:
        assert list(criterion) == ["id", "kind", "text", "status", "reason"]
    bilirubin = next(c for c in result["criteria"] if c["id"] == "total_bilirubin")
    assert bilirubin == {
        "id": "total_bilirubin",
        "kind": "inclusion",
        "text": "Total Bilirubin < 2 mg/dL",
        "status": "fail",
        "reason": "total bilirubin 2.3 mg/dL ≥ 2 mg/dL",
    }
    assert list(result["derived"]) == ["child_pugh", "albi", "bclc"]
    assert list(result["derived"]["child_pugh"]) == ["points", "class"]
    assert list(result["derived"]["albi"]) == ["score", "grade"]
    assert result["derived"]["bclc"] == {"stage": "C", "version": "2022"}
    assert json.loads(json.dumps(result)) == result


def test_derived_scores(change: Change, protocol: Protocol) -> None:
    """ALBI = 0.66 log10(bilirubin µmol/L) − 0.085 albumin g/L (Johnson, JCO 2015)."""
    record = change(
        {
            "labs.total_bilirubin": {"value": 20.0, "unit": "umol/L"},
            "labs.albumin": {"value": 35.0, "unit": "g/L"},
        }
    )
    derived = screen(record, protocol).to_dict()["derived"]
    # Child-Pugh: bilirubin < 2 mg/dL 1, albumin 3.5 g/dL 2, INR 1.1 1, no ascites 1, HE 0 1.
    assert derived["child_pugh"] == {"points": 6, "class": "A"}
    assert_allclose(derived["albi"]["score"], 0.66 * math.log10(20.0) - 0.085 * 35.0, rtol=RTOL)
    assert derived["albi"]["grade"] == 2
    # Macrovascular invasion, ECOG 1, Child-Pugh A: BCLC C (Reig, J Hepatol 2022).
    assert derived["bclc"] == {"stage": "C", "version": "2022"}


def test_derived_are_null_when_inputs_are_missing(change: Change, protocol: Protocol) -> None:
    derived = screen(change({"labs.albumin": None, "tumour.nodules": None}), protocol).to_dict()[
        "derived"
    ]
    assert derived == {"child_pugh": None, "albi": None, "bclc": None}


def test_bclc_uses_a_child_pugh_class_fixed_by_its_bounds(
    change: Change, protocol: Protocol
) -> None:
    """Albumin 2.5 g/dL (3) and severe ascites (3): class B or C whatever the INR, so no stage;
    with encephalopathy grade 4 as well, ≥ 10 points: class C, stage D."""
    base = {"labs.inr": None, "labs.albumin.value": 2.5, "liver.ascites": "severe"}
    assert screen(change(base), protocol).to_dict()["derived"]["bclc"] is None
    worse = {**base, "liver.encephalopathy_grade": 4}
    derived = screen(change(worse), protocol).to_dict()["derived"]
    assert derived["child_pugh"] is None
    assert derived["bclc"] == {"stage": "D", "version": "2022"}


def test_criterion_without_rule_is_a_manual_check(
    eligible: dict[str, Any], protocol: Protocol
) -> None:
    criteria = tuple(
        c.model_copy(update={"rule": None}) if c.id == "seizures" else c for c in protocol.criteria
    )
    manual = protocol.model_copy(update={"criteria": criteria})
    result = screen(eligible, manual)
    seizures = next(c for c in result.criteria if c.id == "seizures")
    assert (seizures.status, seizures.reason) == ("unknown", "manual check")
    assert result.verdict == "incomplete"


def test_criterion_naming_an_unknown_rule_is_an_input_error(
    eligible: dict[str, Any], protocol: Protocol
) -> None:
    criteria = tuple(
        c.model_copy(update={"rule": "no_such_rule"}) if c.id == "hiv" else c
        for c in protocol.criteria
    )
    with pytest.raises(InputError, match="criterion 'hiv' names no known rule") as info:
        screen(eligible, protocol.model_copy(update={"criteria": criteria}))
    assert info.value.field == "criteria.hiv.rule"


def test_bad_record_names_the_field(protocol: Protocol) -> None:
    with pytest.raises(InputError) as info:
        screen({"labs": {"platelets": {"value": -3, "unit": "/uL"}}}, protocol)
    assert info.value.field == "labs.platelets.value"


def test_rules_version() -> None:
    assert isinstance(RULES_VERSION, str)
    assert RULES_VERSION
    assert rules_version() == RULES_VERSION
    assert rules_version(EligibilitySettings(age_rule="structured")) == (
        f"{RULES_VERSION}+age=structured"
    )


def test_settings_change_the_result_and_its_version(change: Change, protocol: Protocol) -> None:
    record = change({"age_years": 18})
    default = screen(record, protocol)
    structured = screen(record, protocol, settings=EligibilitySettings(age_rule="structured"))
    assert default.verdict == "ineligible"
    assert structured.verdict == "eligible"
    assert structured.rules_version == f"{RULES_VERSION}+age=structured"
