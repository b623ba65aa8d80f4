"""Import of a ClinicalTrials.gov API v2 study record, and errors that name the JSON path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from metsor.errors import InputError
from metsor.protocol import Protocol, from_ctgov_v2
from metsor.protocol.model import Dose
from metsor.protocol.registry import time_frame_months

RTOL = 1e-12

Study = dict[str, Any]


def test_the_record_as_registered(registered: Protocol) -> None:
    assert registered.nct_id == "NCT02672488"
    assert registered.acronym is None
    assert registered.design.target_enrollment == 82
    assert registered.design.enrollment_type == "ESTIMATED"
    assert registered.design.allocation_ratio is None
    assert registered.corrections == ()
    # As registered: 400 µg, the unit slip the review reports.
    assert registered.intervention("Sorafenib").dose == Dose(
        quantity=400, unit="µg", frequency="BID", route="oral"
    )
    assert registered.intervention("Metformin").dose == Dose(
        quantity=500, unit="mg", frequency="BID", route="oral", food_rule="with_food"
    )
    assert registered.intervention("Sorafenib").other_names == ("Nexavar",)
    assert registered.arm("Sorafenib and Metformin").intervention_names == (
        "Sorafenib",
        "Metformin",
    )
    assert len(registered.criteria_of("inclusion")) == 13
    assert len(registered.criteria_of("exclusion")) == 15
    assert registered.status.start is not None
    assert registered.status.start.type is None
    assert registered.sites[0].zip == "300060"


def test_assumptions_are_attached_only_when_given(record: Study) -> None:
    assert from_ctgov_v2(record).assumptions is None


def test_an_unmatched_criterion_is_a_manual_check(record: Study) -> None:
    module = record["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] += "\n* Known allergy to contrast media"
    protocol = from_ctgov_v2(record)
    last = protocol.criteria[-1]
    assert (last.id, last.kind, last.rule) == ("exclusion_16", "exclusion", None)


def test_the_same_dose_in_the_intervention_description_is_accepted(record: Study) -> None:
    arms = record["protocolSection"]["armsInterventionsModule"]
    arms["interventions"][1]["description"] = "Metformin 500 mg by mouth twice daily"
    assert from_ctgov_v2(record).intervention("Metformin").dose == Dose(
        quantity=500, unit="mg", frequency="BID", route="oral", food_rule="with_food"
    )


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("12 months or time to death", 12.0),
        ("Week 24", 24 * 7 / (365.25 / 12)),
        ("up to 2 years", 24.0),
        ("through study completion", None),
        (None, None),
    ],
)
def test_time_frame_months(text: str | None, months: float | None) -> None:
    result = time_frame_months(text)
    if months is None:
        assert result is None
    else:
        assert result == pytest.approx(months, rel=RTOL)


def _set(path: str, value: object) -> Callable[[Study], None]:
    def change(study: Study) -> None:
        *parents, last = path.split(".")
        node: Any = study
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()
P = "protocolSection"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        pytest.param(
            _set(f"{P}.designModule.enrollmentInfo.count", "eighty-two"),
            f"{P}.designModule.enrollmentInfo.count",
            "expected an integer, got string 'eighty-two'",
            id="count-string",
        ),
        pytest.param(
            _set(f"{P}.designModule.enrollmentInfo.count", 82.5),
            f"{P}.designModule.enrollmentInfo.count",
            "expected an integer, got number 82.5",
            id="count-fraction",
        ),
        pytest.param(
            _set(f"{P}.designModule.enrollmentInfo.count", True),
            f"{P}.designModule.enrollmentInfo.count",
            "expected an integer, got boolean true",
            id="count-boolean",
        ),
        pytest.param(
            _set(f"{P}.designModule.enrollmentInfo.count", 0),
            f"{P}.designModule.enrollmentInfo.count",
            "expected a count from 1 to 1,000,000, got 0",
            id="count-zero",
        ),
        pytest.param(
            _set(f"{P}.designModule.enrollmentInfo.count", 10**30),
            f"{P}.designModule.enrollmentInfo.count",
            "expected a count from 1 to 1,000,000, got 1e+30",
            id="count-10-to-the-30",
        ),
        pytest.param(
            _set(f"{P}.statusModule.startDateStruct.date", "2016-02-30"),
            f"{P}.statusModule.startDateStruct.date",
            "'2016-02-30' is not a date of the calendar",
            id="start-date-not-on-the-calendar",
        ),
        pytest.param(
            _set(f"{P}.statusModule.statusVerifiedDate", "2015-13"),
            f"{P}.statusModule.statusVerifiedDate",
            "'2015-13' is not a date of the calendar",
            id="verified-month-13",
        ),
        pytest.param(
            _set(f"{P}.identificationModule.briefTitle", "Metformin\x00 and sorafenib"),
            f"{P}.identificationModule.briefTitle",
            "control character U+0000",
            id="title-nul",
        ),
        pytest.param(
            _set(f"{P}.identificationModule.briefTitle", "Metformin\x1b[31m"),
            f"{P}.identificationModule.briefTitle",
            "control character U+001B",
            id="title-escape",
        ),
        pytest.param(
            _set(f"{P}.designModule.enrollmentInfo", _DELETE),
            f"{P}.designModule.enrollmentInfo",
            "required field is missing",
            id="enrollment-missing",
        ),
        pytest.param(
            _set(f"{P}.identificationModule.nctId", _DELETE),
            f"{P}.identificationModule.nctId",
            "required field is missing",
            id="nct-missing",
        ),
        pytest.param(
            _set(f"{P}.identificationModule.nctId", "NCT2672488"),
            f"{P}.identificationModule.nctId",
            "expected NCT and 8 digits",
            id="nct-malformed",
        ),
        pytest.param(
            _set(f"{P}.identificationModule.briefTitle", "  "),
            f"{P}.identificationModule.briefTitle",
            "expected a non-empty string",
            id="title-blank",
        ),
        pytest.param(
            _set(f"{P}.statusModule.startDateStruct.date", "December 2015"),
            f"{P}.statusModule.startDateStruct.date",
            "expected YYYY-MM or YYYY-MM-DD",
            id="date",
        ),
        pytest.param(
            _set(f"{P}.statusModule.completionDateStruct.type", "ANTICIPATED"),
            f"{P}.statusModule.completionDateStruct.type",
            "expected one of ACTUAL, ESTIMATED",
            id="date-type",
        ),
        pytest.param(
            _set(f"{P}.armsInterventionsModule.armGroups", {"label": "A"}),
            f"{P}.armsInterventionsModule.armGroups",
            "expected an array, got an object",
            id="arms-object",
        ),
        pytest.param(
            _set(f"{P}.armsInterventionsModule.armGroups.1.interventionNames.0", "Drug: Aspirin"),
            f"{P}.armsInterventionsModule.armGroups[1].interventionNames[0]",
            "names no listed intervention (Sorafenib, Metformin)",
            id="arm-unknown-intervention",
        ),
        pytest.param(
            _set(
                f"{P}.armsInterventionsModule.armGroups.1.description",
                "Sorafenib 200mg tablet by mouth, twice per day",
            ),
            f"{P}.armsInterventionsModule.armGroups[1].description",
            "Sorafenib is dosed 200 mg BID here but 400 µg BID",
            id="arm-dose-conflict",
        ),
        pytest.param(
            _set(f"{P}.armsInterventionsModule.interventions.0.otherNames", "Nexavar"),
            f"{P}.armsInterventionsModule.interventions[0].otherNames",
            "expected an array, got string 'Nexavar'",
            id="other-names-string",
        ),
        pytest.param(
            _set(f"{P}.outcomesModule.primaryOutcomes", []),
            f"{P}.outcomesModule.primaryOutcomes",
            "expected at least one element",
            id="no-primary-outcome",
        ),
        pytest.param(
            _set(f"{P}.eligibilityModule.eligibilityCriteria", "Adults with HCC"),
            f"{P}.eligibilityModule.eligibilityCriteria",
            "no 'Inclusion Criteria:' or 'Exclusion Criteria:' heading",
            id="criteria-no-headings",
        ),
        pytest.param(
            _set(f"{P}.eligibilityModule.minimumAge", "adult"),
            f"{P}.eligibilityModule.minimumAge",
            "expected an age such as '18 Years'",
            id="minimum-age",
        ),
        pytest.param(
            _set(f"{P}.eligibilityModule.sex", "BOTH"),
            f"{P}.eligibilityModule.sex",
            "expected one of ALL, FEMALE, MALE",
            id="sex",
        ),
        pytest.param(
            _set(f"{P}.eligibilityModule.healthyVolunteers", "No"),
            f"{P}.eligibilityModule.healthyVolunteers",
            "expected true or false",
            id="healthy-volunteers",
        ),
        pytest.param(
            _set(f"{P}.contactsLocationsModule.locations.0.contacts.0", "TI ZHANG"),
            f"{P}.contactsLocationsModule.locations[0].contacts[0]",
            "expected an object, got string 'TI ZHANG'",
            id="site-contact",
        ),
        pytest.param(
            _set(f"{P}.sponsorCollaboratorsModule", _DELETE),
            f"{P}.sponsorCollaboratorsModule",
            "required field is missing",
            id="sponsor-missing",
        ),
        pytest.param(
            _set(P, _DELETE),
            P,
            "required field is missing",
            id="no-protocol-section",
        ),
    ],
)
def test_malformed_input_names_the_json_path(
    record: Study, change: Callable[[Study], None], field: str, message: str
) -> None:
    change(record)
    with pytest.raises(InputError) as raised:
        from_ctgov_v2(record)
    assert raised.value.field == field
    assert message in raised.value.message
    assert str(raised.value).startswith(f"field '{field}': ")


def test_a_record_that_is_not_an_object() -> None:
    with pytest.raises(InputError, match="field '\\(top level\\)': expected an object"):
        from_ctgov_v2([])  # type: ignore[arg-type]
