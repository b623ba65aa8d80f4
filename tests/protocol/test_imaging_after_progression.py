"""Where a protocol's tumour assessments end (:attr:`metsor.protocol.model.EndpointRules.
imaging_ends_at_progression`): the built-in protocols' values and their sources, the default
a protocol imported from the registry gets, and the schedule's rule
(:meth:`metsor.protocol.schedule.VisitSchedule.expects`)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from metsor.protocol import EndpointRules, Protocol, builtin
from metsor.protocol.schedule import VISIT_TYPES, visit_schedule

PROGRESSED = date(2017, 3, 1)


@pytest.mark.parametrize(
    ("nct_id", "criteria", "source_starts"),
    [
        pytest.param("NCT02672488", "mrecist", "Default, not the registry's", id="metsor"),
        pytest.param("NCT00105443", "recist", "Registry: time to progression", id="sharp"),
    ],
)
def test_the_built_in_protocols_end_imaging_at_progression(
    nct_id: str, criteria: str, source_starts: str
) -> None:
    rules = builtin(nct_id).endpoint_rules
    assert rules.imaging_ends_at_progression == criteria
    source = rules.sources["imaging_ends_at_progression"]
    assert source.startswith(source_starts)
    assert "survival follow-up" in source
    assert visit_schedule(builtin(nct_id)).imaging_ends_at_progression == criteria


def test_a_protocol_from_the_registry_gets_the_default(registered: Protocol) -> None:
    rules = registered.endpoint_rules
    assert rules.imaging_ends_at_progression == "mrecist"
    assert rules.sources["imaging_ends_at_progression"].startswith("Default, not the registry's")


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("RECIST", id="upper-case"),
        pytest.param("irecist", id="unknown-criteria"),
        pytest.param(True, id="a-flag"),
    ],
)
def test_only_the_two_response_criteria_or_none(value: object) -> None:
    with pytest.raises(ValidationError, match="imaging_ends_at_progression"):
        EndpointRules(imaging_ends_at_progression=value)


def _imaging_ending_at(criteria: str | None) -> Protocol:
    protocol = builtin()
    rules = protocol.endpoint_rules.model_copy(update={"imaging_ends_at_progression": criteria})
    return protocol.model_copy(update={"endpoint_rules": rules})


@pytest.mark.parametrize(
    ("criteria", "progressed_on", "visit_type", "expected"),
    [
        pytest.param("mrecist", PROGRESSED, "tumour_assessment", False, id="scan-after-pd"),
        pytest.param("recist", PROGRESSED, "tumour_assessment", False, id="scan-after-recist-pd"),
        pytest.param("mrecist", None, "tumour_assessment", True, id="scan-no-pd"),
        pytest.param(None, PROGRESSED, "tumour_assessment", True, id="imaging-beyond-pd"),
        pytest.param("mrecist", PROGRESSED, "treatment", True, id="treatment-after-pd"),
        pytest.param("mrecist", PROGRESSED, "follow_up", True, id="follow-up-after-pd"),
        pytest.param("mrecist", PROGRESSED, "baseline", True, id="baseline-after-pd"),
    ],
)
def test_the_schedule_expects_no_scan_after_progression(
    criteria: str | None, progressed_on: date | None, visit_type: str, expected: bool
) -> None:
    assert visit_type in VISIT_TYPES
    schedule = visit_schedule(_imaging_ending_at(criteria))
    assert schedule.expects(visit_type, progressed_on) is expected


def _written_before(nct_id: str) -> dict[str, Any]:
    """The protocol's endpoint rules as written before the rule existed."""
    rules = builtin(nct_id).endpoint_rules.model_dump()
    del rules["imaging_ends_at_progression"], rules["sources"]["imaging_ends_at_progression"]
    return rules


@pytest.mark.parametrize("nct_id", [pytest.param("NCT02672488"), pytest.param("NCT00105443")])
def test_rules_written_before_the_field_take_the_default_and_its_source(nct_id: str) -> None:
    rules = EndpointRules.model_validate(_written_before(nct_id))
    assert rules.imaging_ends_at_progression == "mrecist"
    assert (
        rules.sources["imaging_ends_at_progression"]
        == (EndpointRules().sources["imaging_ends_at_progression"])
    )
    stored = builtin(nct_id).model_dump(mode="json")
    stored["endpoint_rules"] = _written_before(nct_id)
    assert Protocol.model_validate_json(json.dumps(stored)).endpoint_rules == rules


def test_a_value_given_without_its_source_is_refused() -> None:
    rules = _written_before("NCT00105443") | {"imaging_ends_at_progression": "recist"}
    with pytest.raises(ValidationError, match="no source for imaging_ends_at_progression"):
        EndpointRules.model_validate(rules)
