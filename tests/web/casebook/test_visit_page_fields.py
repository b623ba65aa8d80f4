"""A visit's form read as its page: the visit, the vital signs measured at it and rows of
laboratory values and adverse events, each fault named by its form field (a row's by its form
row) in the entry's own words; and a service's fault about an adverse event of the page placed
beside the event's row."""

from __future__ import annotations

from typing import Any

import pytest

from metsor.errors import ConflictError, InputError, MetsorError
from metsor.services.casebook.pages import VisitPageInput
from metsor.web.casebook.forms import FormRows, form_field_of, read_form
from metsor.web.casebook.schemas import LabIn

VISIT = {"visit_type": "treatment", "actual_date": "2026-03-02", "csrf_token": "t"}
SIGNS = {"vital_signs.systolic_mmhg": "165", "vital_signs.diastolic_mmhg": "95"}
EVENT = {"adverse_events.1.term": "Diarrhea", "adverse_events.1.grade": "2",
         "adverse_events.1.onset_date": "2026-02-27",
         "adverse_events.1.relatedness.sorafenib": "probable",
         "adverse_events.1.action_taken.sorafenib": "dose_reduced"}  # fmt: skip


@pytest.mark.parametrize(
    ("model", "form", "field", "message"),
    [
        pytest.param(
            VisitPageInput,
            {**VISIT, **SIGNS, "vital_signs.systolic_mmhg": "400"},
            "vital_signs.systolic_mmhg",
            "vital_signs.systolic_mmhg: systolic_mmhg 400 mm Hg is outside the plausible "
            "range (50–300 mm Hg)",
            id="vital-sign-implausible",
        ),
        pytest.param(
            VisitPageInput,
            {**VISIT, **SIGNS, "vital_signs.ecog": "7"},
            "vital_signs.ecog",
            "vital_signs.ecog: ECOG performance status must be a whole number from 0 to 5, got 7",
            id="ecog-above-five",
        ),
        pytest.param(
            VisitPageInput,
            {**VISIT, "actual_date": "2026-13-01"},
            "actual_date",
            "actual_date: must be a date (YYYY-MM-DD), got '2026-13-01'",
            id="visit-date",
        ),
        pytest.param(
            VisitPageInput,
            {**VISIT, "visit_type": "weekly"},
            "visit_type",
            "visit_type: must be one of baseline, treatment, tumour_assessment, follow_up, "
            "unscheduled; got 'weekly'",
            id="visit-type",
        ),
        pytest.param(
            VisitPageInput,
            {
                **VISIT,
                "labs.0.analyte": "ast",
                "labs.0.value": "130",
                "labs.0.unit": "U/L",
                "labs.2.analyte": "alt",
                "labs.2.value": "30",
                "labs.2.unit": "furlongs",
            },
            "labs.2.unit",
            "labs.2.unit: unit 'furlongs' is not accepted for alt",
            id="lab-row-unit",
        ),
        pytest.param(
            VisitPageInput,
            {**VISIT, "labs.3.analyte": "ast", "labs.3.unit": "U/L"},
            "labs.3.value",
            "labs.3.value: Field required",
            id="lab-row-without-value",
        ),
        pytest.param(
            VisitPageInput,
            {**VISIT, **EVENT, "adverse_events.2.term": "Fatigue", "adverse_events.2.grade": "7"},
            "adverse_events.2.grade",
            "adverse_events.2.grade: Input should be less than or equal to 5",
            id="event-grade",
        ),
        pytest.param(
            VisitPageInput,
            {**VISIT, **EVENT, "adverse_events.1.relatedness.sorafenib": "maybe"},
            "adverse_events.1.relatedness.sorafenib",
            "adverse_events.1.relatedness.sorafenib: must be one of not_related, unlikely, "
            "possible, probable, definite; got 'maybe'",
            id="event-relatedness",
        ),
        pytest.param(
            VisitPageInput,
            {**VISIT, **EVENT, "adverse_events.1.onset_date": "yesterday"},
            "adverse_events.1.onset_date",
            "adverse_events.1.onset_date: must be a date (YYYY-MM-DD), got 'yesterday'",
            id="event-onset",
        ),
        pytest.param(
            LabIn,
            {"analyte": "ast", "value": "130", "unit": "furlongs", "collected_on": "2026-03-02"},
            "unit",
            "unit: unit 'furlongs' is not accepted for ast",
            id="lab-unit",
        ),
    ],
)
def test_a_form_error_names_its_field_in_the_entrys_words(
    model: Any, form: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InputError) as raised:
        read_form(model, form)
    assert raised.value.field == field
    assert raised.value.message.startswith(message), raised.value.message
    assert "Value error" not in raised.value.message


def test_blank_lab_rows_are_left_out_and_none_given_is_no_panel() -> None:
    page, _ = read_form(VisitPageInput, {**VISIT, "labs.1.analyte": " ", "labs.1.value": ""})
    assert page.labs is None
    rows = {
        "labs.0.analyte": "ast", "labs.0.value": "130", "labs.0.unit": "U/L",
        "labs.4.analyte": "platelets", "labs.4.value": "90000", "labs.4.unit": "/mm3",
    }  # fmt: skip
    page, numbers = read_form(VisitPageInput, {**VISIT, **rows})
    assert page.labs is not None
    assert [(lab.analyte, lab.value) for lab in page.labs] == [("ast", 130), ("platelets", 90000)]
    assert numbers == {"labs": [0, 4], "adverse_events": []}


def test_blank_vital_signs_are_no_part_of_the_page() -> None:
    page, _ = read_form(VisitPageInput, {**VISIT, "vital_signs.systolic_mmhg": " "})
    assert page.vital_signs is None
    page, _ = read_form(VisitPageInput, {**VISIT, **SIGNS})
    assert page.vital_signs is not None
    assert (page.vital_signs.systolic_mmhg, page.vital_signs.heart_rate_bpm) == (165, None)


def test_blank_event_rows_are_left_out_and_a_given_row_has_its_drug_parts() -> None:
    form = {**VISIT, **EVENT, "adverse_events.1.serious": "yes", "adverse_events.0.term": " ",
            "adverse_events.3.term": "Fatigue", "adverse_events.3.grade": "1",
            "adverse_events.3.onset_date": "2026-03-01"}  # fmt: skip
    page, numbers = read_form(VisitPageInput, form)
    assert numbers == {"labs": [], "adverse_events": [1, 3]}
    first, second = page.adverse_events
    assert (first.term, first.grade, first.serious, first.outcome) == (
        "Diarrhea", 2, True, "not_recovered"
    )  # fmt: skip
    assert (dict(first.relatedness), dict(first.action_taken)) == (
        {"sorafenib": "probable"}, {"sorafenib": "dose_reduced"}
    )  # fmt: skip
    # a row given without its drugs' choices has them empty: the service names the drug missing
    assert (dict(second.relatedness), dict(second.action_taken)) == ({}, {})
    page, numbers = read_form(VisitPageInput, VISIT)
    assert (page.adverse_events, numbers["adverse_events"]) == ((), [])


@pytest.mark.parametrize(
    ("error", "rows", "field"),
    [
        pytest.param(InputError("no grade 3", field="grade"), {"adverse_events": [2]},
                     "adverse_events.2.grade", id="one-event-its-cell"),
        pytest.param(InputError("relatedness to x is missing", field="relatedness.x"),
                     {"labs": [0], "adverse_events": [3]}, "adverse_events.3.relatedness.x",
                     id="one-event-its-drug"),
        pytest.param(ConflictError("already has it", field="onset_date"),
                     {"adverse_events": [0, 2]}, "adverse_events", id="several-events-the-table"),
        pytest.param(InputError("no grade 3", field="adverse_events.1.grade"),
                     {"adverse_events": [0, 2]}, "adverse_events.2.grade",
                     id="several-events-the-placed-ones-cell"),
        pytest.param(ConflictError("before consent", field="adverse_events.0.onset_date"),
                     {"labs": [1], "adverse_events": [3, 4]}, "adverse_events.3.onset_date",
                     id="several-events-the-first-ones-cell"),
        pytest.param(ConflictError("twice on the page", field="adverse_events"),
                     {"adverse_events": [0, 2]}, "adverse_events", id="page-conflict"),
        pytest.param(InputError("too early", field="actual_date"), {"adverse_events": [0]},
                     "actual_date", id="the-visits-own-field"),
        pytest.param(InputError("no grade 3", field="grade"), {"adverse_events": []},
                     "grade", id="no-event-given"),
        pytest.param(InputError("too long", field="diameter_mm", row=2), {"lesions": [0, 5]},
                     "lesions.5.diameter_mm", id="lesion-row"),
    ],
)  # fmt: skip
def test_a_services_error_is_placed_beside_its_row(
    error: MetsorError, rows: FormRows, field: str
) -> None:
    assert form_field_of(error, rows) == field
