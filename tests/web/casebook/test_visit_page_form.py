"""The visit form saves a visit's page: the visit and the vital signs measured at it, in one
call of the page's service; a bad value of either is shown beside its field (its message in
the entry's own words) and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from metsor.errors import InputError
from metsor.services.casebook.pages import VisitPageInput
from metsor.web.casebook.forms import read_form
from metsor.web.casebook.schemas import LabIn

from ..conftest import WebServer, api_token, csrf_of
from .enrolled import randomized_days_ago

Login = Callable[[str], httpx.Client]

VISIT = {"visit_type": "treatment", "actual_date": "2026-03-02", "csrf_token": "t"}
SIGNS = {"vital_signs.systolic_mmhg": "165", "vital_signs.diastolic_mmhg": "95"}


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
    assert numbers == [0, 4]


def test_blank_vital_signs_are_no_part_of_the_page() -> None:
    page, _ = read_form(VisitPageInput, {**VISIT, "vital_signs.systolic_mmhg": " "})
    assert page.vital_signs is None
    page, _ = read_form(VisitPageInput, {**VISIT, **SIGNS})
    assert page.vital_signs is not None
    assert (page.vital_signs.systolic_mmhg, page.vital_signs.heart_rate_bpm) == (165, None)


def _casebook(server: WebServer, subject_id: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{server.url}/api/v1/subjects/{subject_id}/casebook",
        headers=api_token(server, "coord_tj"),
    )
    assert answer.status_code == 200, answer.text
    book: dict[str, Any] = answer.json()
    return book


def _visit_form(client: httpx.Client, subject_id: str, data: dict[str, str]) -> httpx.Response:
    path = f"/subjects/{subject_id}/casebook/visits"
    page = client.get(path)
    assert page.status_code == 200, page.text
    assert 'name="vital_signs.systolic_mmhg"' in page.text
    return client.post(path, data={"csrf_token": csrf_of(page.text), **data})


LABS = {"labs.0.analyte": "ast", "labs.0.value": "130", "labs.0.unit": "U/L",
        "labs.0.uln": "40", "labs.2.analyte": "platelets", "labs.2.value": "90000",
        "labs.2.unit": "/mm3", "labs.2.lln": "150000"}  # fmt: skip


def test_the_visit_form_saves_the_visit_with_its_labs_and_vital_signs(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    client = login("coord_tj")
    on = (day0 + timedelta(28)).isoformat()
    answer = _visit_form(
        client, subject_id, {"visit_type": "treatment", "actual_date": on, **SIGNS, **LABS}
    )
    assert answer.status_code == 303, answer.text
    book = _casebook(web_server, subject_id)
    assert [v["actual_date"] for v in book["visits"]] == [on]
    assert [v["measured_on"] for v in book["vital_signs"]] == [on]
    graded = sorted((lab["analyte"], lab["collected_on"], lab["grade"]) for lab in book["labs"])
    # CTCAE v5.0: AST 130 U/L is 3.25 x ULN (> 3.0 - 5.0 x ULN: grade 2); platelets
    # 90,000/mm3 lie below the LLN and above 75,000/mm3 (grade 1)
    assert graded == [("ast", on, 2), ("platelets", on, 1)]


def test_the_visit_form_saves_the_visit_with_its_vital_signs(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    client = login("coord_tj")
    on = (day0 + timedelta(28)).isoformat()
    answer = _visit_form(
        client,
        subject_id,
        {"visit_type": "treatment", "actual_date": on, **SIGNS, "vital_signs.ecog": "1"},
    )
    assert answer.status_code == 303, answer.text
    book = _casebook(web_server, subject_id)
    assert [(v["visit_type"], v["number"], v["actual_date"]) for v in book["visits"]] == [
        ("treatment", 1, on)
    ]
    (signs,) = book["vital_signs"]
    assert (signs["measured_on"], signs["systolic_mmhg"], signs["ecog"]) == (on, 165, 1)
    assert signs["hypertension_grade"] == 3  # CTCAE v5.0: systolic >= 160 mm Hg


@pytest.mark.parametrize(
    ("values", "field"),
    [
        pytest.param({"vital_signs.diastolic_mmhg": "170"}, "vital_signs.diastolic_mmhg", id="bp"),
        pytest.param({"vital_signs.heart_rate_bpm": "fast"}, "vital_signs.heart_rate_bpm", id="hr"),
        pytest.param({"number": "0"}, "number", id="visit-number"),
        pytest.param({**LABS, "labs.2.unit": "furlongs"}, "labs-2-unit", id="lab-unit"),
    ],
)
def test_a_bad_value_on_the_visit_form_is_shown_beside_its_field_and_nothing_written(
    web_server: WebServer, login: Login, values: dict[str, str], field: str
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    client = login("coord_tj")
    on = (day0 + timedelta(28)).isoformat()
    form = {"visit_type": "treatment", "actual_date": on, **SIGNS, "vital_signs.weight_kg": "61.5"}
    answer = _visit_form(client, subject_id, {**form, **values})
    assert answer.status_code == 422, answer.text
    assert f'id="error-{field}"' in answer.text
    assert 'name="vital_signs.weight_kg" value="61.5"' in answer.text
    book = _casebook(web_server, subject_id)
    assert (book["visits"], book["vital_signs"], book["labs"]) == ([], [], [])


@pytest.mark.parametrize(
    ("path", "body", "where", "said"),
    [
        pytest.param(
            "labs",
            {"analyte": "ast", "value": 130, "unit": "furlongs", "collected_on": "{on}"},
            ["body", "unit"],
            "unit 'furlongs' is not accepted for ast",
            id="lab-unit",
        ),
        pytest.param(
            "vital-signs",
            {"measured_on": "{on}", "systolic_mmhg": 120, "diastolic_mmhg": 130},
            ["body", "diastolic_mmhg"],
            "diastolic_mmhg 130 is not below systolic_mmhg 120",
            id="vitals-diastolic-above",
        ),
        pytest.param(
            "visits",
            {"visit_type": "treatment", "actual_date": "{on}", "number": True},
            ["body", "number"],
            "must be a whole number, got True",
            id="visit-number-bool",
        ),
        pytest.param(
            "adverse-events",
            {"term": "Diarrhea", "grade": 6, "onset_date": "{on}", "relatedness": {},
             "action_taken": {}},
            ["body", "grade"],
            "less than or equal to 5",
            id="event-grade",
        ),
    ],
)  # fmt: skip
def test_the_json_api_refuses_a_bad_value_naming_its_field(
    web_server: WebServer, path: str, body: dict[str, Any], where: list[str], said: str
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    on = (day0 + timedelta(28)).isoformat()
    answer = httpx.post(
        f"{web_server.url}/api/v1/subjects/{subject_id}/{path}",
        json={key: on if value == "{on}" else value for key, value in body.items()},
        headers=api_token(web_server, "coord_tj"),
    )
    assert answer.status_code == 422, answer.text
    (fault,) = answer.json()["detail"]
    assert fault["loc"] == where
    assert said in fault["msg"]
    book = _casebook(web_server, subject_id)
    assert (book["visits"], book["vital_signs"], book["labs"]) == ([], [], [])
