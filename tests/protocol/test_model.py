"""The protocol model: round trips, immutability, and the checks that hold it together."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from metsor.errors import NotFoundError
from metsor.protocol import Assumptions, Protocol


def test_json_round_trip_gives_an_equal_protocol(corrected: Protocol) -> None:
    text = corrected.model_dump_json()
    assert Protocol.model_validate_json(text) == corrected


def test_round_trip_of_the_registered_record(registered: Protocol) -> None:
    again = Protocol.model_validate(registered.model_dump(mode="json"))
    assert again == registered
    assert again.intervention("Sorafenib").dose == registered.intervention("Sorafenib").dose


def test_protocol_is_frozen(corrected: Protocol) -> None:
    with pytest.raises(ValidationError, match="frozen"):
        corrected.nct_id = "NCT00000000"  # type: ignore[misc]


def test_unknown_fields_are_refused(corrected: Protocol) -> None:
    data = corrected.model_dump()
    data["design"]["blinding"] = "none"
    with pytest.raises(ValidationError, match=r"design\.blinding"):
        Protocol.model_validate(data)


def test_an_arm_must_name_listed_interventions(corrected: Protocol) -> None:
    data = corrected.model_dump()
    data["arms"][1]["intervention_names"] = ["Aspirin"]
    with pytest.raises(ValidationError, match="unknown interventions: \\['Aspirin'\\]"):
        Protocol.model_validate(data)


def test_criterion_ids_are_unique(corrected: Protocol) -> None:
    data = corrected.model_dump()
    data["criteria"][1]["id"] = data["criteria"][0]["id"]
    with pytest.raises(ValidationError, match="'consent' appears twice"):
        Protocol.model_validate(data)


def test_every_assumption_needs_a_source(corrected: Protocol) -> None:
    assert corrected.assumptions is not None
    data = corrected.assumptions.model_dump()
    del data["sources"]["alpha"]
    with pytest.raises(ValidationError, match="no source for alpha"):
        Assumptions.model_validate(data)


def test_dose_quantity_must_be_positive(corrected: Protocol) -> None:
    data = corrected.model_dump()
    data["interventions"][0]["dose"]["quantity"] = 0
    with pytest.raises(ValidationError, match="greater than 0"):
        Protocol.model_validate(data)


def test_lookups_by_name_and_brand(corrected: Protocol) -> None:
    assert corrected.intervention("nexavar").name == "Sorafenib"
    assert corrected.intervention("Glucophage").name == "Metformin"
    assert corrected.criterion("ecog").kind == "inclusion"
    assert corrected.arm("Sorafenib Alone").intervention_names == ("Sorafenib",)
    assert corrected.criteria_of("exclusion")[0].id == "child_pugh_7_ascites"


@pytest.mark.parametrize(
    ("lookup", "match"),
    [
        (lambda p: p.intervention("aspirin"), "no intervention 'aspirin'; known: Sorafenib"),
        (lambda p: p.criterion("ldh"), "no criterion 'ldh'; known: consent"),
        (lambda p: p.arm("Placebo"), "no arm 'Placebo'; known: Sorafenib and Metformin"),
    ],
)
def test_lookup_of_an_unknown_name_lists_the_known_ones(
    corrected: Protocol, lookup: object, match: str
) -> None:
    assert callable(lookup)
    with pytest.raises(NotFoundError, match=match):
        lookup(corrected)


def test_assumptions_give_hazard_ratio_and_analysis_month(corrected: Protocol) -> None:
    a = corrected.assumptions
    assert a is not None
    assert a.hazard_ratio == pytest.approx(10.7 / 14.0, rel=1e-12)
    assert a.analysis_month == 36.0
