"""The visit form saves a visit's page: the visit, the vital signs measured at it, its
laboratory values and the adverse events seen at it, in one call of the page's service; a bad
value of any is shown beside its field (its message in the entry's own words) and nothing is
written. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from metsor.services.casebook.adverse_events import OUTCOMES
from metsor.store.models import casebook as tables

from ..conftest import ON_BOTH_DATABASES, WebServer, api_token, csrf_of
from .enrolled import randomized_days_ago

pytestmark = ON_BOTH_DATABASES

Login = Callable[[str], httpx.Client]

SIGNS = {"vital_signs.systolic_mmhg": "165", "vital_signs.diastolic_mmhg": "95"}


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


def _event(row: int, drugs: list[str], onset: str, **changes: str) -> dict[str, str]:
    """The form fields of an adverse event in form row ``row``: Diarrhea grade 2, possibly
    related to each study drug of the arm, doses unchanged; ``changes`` by field."""
    fields = {
        "term": "Diarrhea",
        "grade": "2",
        "onset_date": onset,
        **{f"relatedness.{drug}": "possible" for drug in drugs},
        **{f"action_taken.{drug}": "dose_not_changed" for drug in drugs},
        **changes,
    }
    return {f"adverse_events.{row}.{name}": value for name, value in fields.items() if value}


def _event_drugs(server: WebServer, subject_id: str) -> dict[str, dict[str, tuple[str, str]]]:
    """Each stored adverse event's relatedness and action by drug, by term."""
    database = server.database()
    try:
        with database.sessions() as session:
            stored = session.execute(
                select(tables.AdverseEvent.term, tables.AdverseEventDrug)
                .join(tables.AdverseEventDrug)
                .where(tables.AdverseEvent.subject_id == subject_id)
            ).all()
            found: dict[str, dict[str, tuple[str, str]]] = {}
            for term, row in stored:
                found.setdefault(term, {})[row.drug] = (row.relatedness, row.action_taken)
    finally:
        database.close()
    return found


def test_the_visit_form_saves_the_adverse_events_seen_at_the_visit(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    drugs = _casebook(web_server, subject_id)["drugs"]
    client = login("coord_tj")
    on = (day0 + timedelta(28)).isoformat()
    onset = (day0 + timedelta(20)).isoformat()
    events = {**_event(0, drugs, onset, serious="yes"),
              **_event(2, drugs, on, term="Fatigue", grade="1"),
              **{f"adverse_events.2.relatedness.{drug}": "unlikely" for drug in drugs}}  # fmt: skip
    form = {"visit_type": "treatment", "actual_date": on, **SIGNS, **LABS, **events}
    answer = _visit_form(client, subject_id, form)
    assert answer.status_code == 303, answer.text
    book = _casebook(web_server, subject_id)
    assert [v["actual_date"] for v in book["visits"]] == [on]
    assert len(book["labs"]) == 2
    assert len(book["vital_signs"]) == 1
    stored = sorted((e["term"], e["grade"], e["serious"], e["onset_date"], e["outcome"])
                    for e in book["adverse_events"])  # fmt: skip
    assert stored == [("Diarrhea", 2, True, onset, "not_recovered"),
                      ("Fatigue", 1, False, on, "not_recovered")]  # fmt: skip
    assert _event_drugs(web_server, subject_id) == {
        "Diarrhea": dict.fromkeys(drugs, ("possible", "dose_not_changed")),
        "Fatigue": dict.fromkeys(drugs, ("unlikely", "dose_not_changed")),
    }


def test_the_visit_form_offers_a_column_for_each_drug_of_the_arm(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _, _ = randomized_days_ago(web_server, 30)
    drugs = _casebook(web_server, subject_id)["drugs"]
    page = login("coord_tj").get(f"/subjects/{subject_id}/casebook/visits")
    assert page.status_code == 200, page.text
    assert drugs
    for drug in drugs:
        assert f"<th>Related to {drug}</th>" in page.text
        assert f'name="adverse_events.3.action_taken.{drug}"' in page.text
    assert page.text.count('name="adverse_events.') == 4 * (6 + 2 * len(drugs))


def test_the_visit_form_offers_every_ctcae_grade_and_the_outcomes(
    web_server: WebServer, login: Login
) -> None:
    """Grades 1 to 5 (CTCAE v5.0: grade 5 is death related to the event) and the service's
    outcomes, as the adverse-event service, its API and the command line take them."""
    subject_id, _, _ = randomized_days_ago(web_server, 30)
    page = login("coord_tj").get(f"/subjects/{subject_id}/casebook/visits")
    assert page.status_code == 200, page.text
    grades = re.search(r'name="adverse_events\.0\.grade"[^>]*>(.*?)</select>', page.text, re.S)
    assert grades is not None
    assert re.findall(r'<option value="(\d)"', grades.group(1)) == ["1", "2", "3", "4", "5"]
    outcomes = re.search(r'name="adverse_events\.0\.outcome"[^>]*>(.*?)</select>', page.text, re.S)
    assert outcomes is not None
    assert re.findall(r'<option value="(\w+)"', outcomes.group(1)) == list(OUTCOMES)
    assert 'name="adverse_events.0.resolution_date" value=""' in page.text


@pytest.mark.parametrize(
    ("changes", "stored"),
    [
        pytest.param({"grade": "5", "outcome": "fatal", "resolution_date": "{on}"},
                     (5, "fatal", "{on}"), id="grade-5-fatal-on-the-day-of-death"),
        pytest.param({"grade": "5", "outcome": "fatal"}, (5, "fatal", None),
                     id="grade-5-fatal"),
        pytest.param({"outcome": "recovered", "resolution_date": "{on}"},
                     (2, "recovered", "{on}"), id="recovered"),
        pytest.param({}, (2, "not_recovered", None), id="outcome-blank"),
    ],
)  # fmt: skip
def test_the_visit_form_saves_an_events_outcome_grade_5_with_a_fatal_one(
    web_server: WebServer, login: Login, changes: dict[str, str], stored: tuple[Any, ...]
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    drugs = _casebook(web_server, subject_id)["drugs"]
    on = (day0 + timedelta(28)).isoformat()
    onset = (day0 + timedelta(20)).isoformat()
    given = {name: on if value == "{on}" else value for name, value in changes.items()}
    form = {"visit_type": "treatment", "actual_date": on, **_event(0, drugs, onset, **given)}
    answer = _visit_form(login("coord_tj"), subject_id, form)
    assert answer.status_code == 303, answer.text
    database = web_server.database()
    try:
        with database.sessions() as session:
            (event,) = session.scalars(
                select(tables.AdverseEvent).where(tables.AdverseEvent.subject_id == subject_id)
            ).all()
            resolved = event.resolution_date
            found = (event.grade, event.outcome, resolved and resolved.isoformat())
    finally:
        database.close()
    assert found == tuple(on if value == "{on}" else value for value in stored)


def test_grade_5_without_a_fatal_outcome_is_refused_with_the_services_message(
    web_server: WebServer, login: Login
) -> None:
    """The visit form, the JSON API and the service say the same: grade 5 is death, and goes
    with outcome fatal only."""
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    drugs = _casebook(web_server, subject_id)["drugs"]
    on = (day0 + timedelta(28)).isoformat()
    onset = (day0 + timedelta(20)).isoformat()
    said = "grade 5 with outcome not_recovered: grade 5 is death, and only a fatal outcome has it"
    form = {"visit_type": "treatment", "actual_date": on, **_event(0, drugs, onset, grade="5")}
    answer = _visit_form(login("coord_tj"), subject_id, form)
    assert answer.status_code == 422, answer.text
    beside = re.search(
        r'<p class="error" id="error-adverse_events-0-grade">([^<]*)</p>', answer.text
    )
    assert beside is not None
    assert beside.group(1) == said
    api = httpx.post(
        f"{web_server.url}/api/v1/subjects/{subject_id}/adverse-events",
        json={"term": "Diarrhea", "grade": 5, "onset_date": onset,
              "relatedness": dict.fromkeys(drugs, "possible"),
              "action_taken": dict.fromkeys(drugs, "dose_not_changed")},
        headers=api_token(web_server, "coord_tj"),
    )  # fmt: skip
    assert api.status_code == 422, api.text
    assert said in api.text
    assert _casebook(web_server, subject_id)["adverse_events"] == []


@pytest.mark.parametrize(
    ("values", "field", "status"),
    [
        pytest.param({"vital_signs.diastolic_mmhg": "170"}, "vital_signs.diastolic_mmhg", 422,
                     id="bp"),
        pytest.param({"vital_signs.heart_rate_bpm": "fast"}, "vital_signs.heart_rate_bpm", 422,
                     id="hr"),
        pytest.param({"number": "0"}, "number", 422, id="visit-number"),
        pytest.param({**LABS, "labs.2.unit": "furlongs"}, "labs-2-unit", 422, id="lab-unit"),
        pytest.param({"adverse_events.1.grade": "9"}, "adverse_events-1-grade", 422,
                     id="event-grade-above-five"),
        pytest.param({"adverse_events.1.term": "Alopecia", "adverse_events.1.grade": "3"},
                     "adverse_events-1-grade", 422, id="event-grade-the-term-has-not"),
        pytest.param({"adverse_events.1.grade": "5"}, "adverse_events-1-grade", 422,
                     id="event-grade-5-not-fatal"),
        pytest.param({"adverse_events.1.outcome": "fatal"}, "adverse_events-1-grade", 422,
                     id="event-fatal-not-grade-5"),
        pytest.param({"adverse_events.1.outcome": "recovered"},
                     "adverse_events-1-resolution_date", 422, id="event-recovered-undated"),
        pytest.param({"adverse_events.1.outcome": "dead"}, "adverse_events-1-outcome", 422,
                     id="event-outcome-unknown"),
        pytest.param({"adverse_events.1.relatedness.*": ""},
                     "adverse_events-1-relatedness-*", 422, id="event-relatedness-missing"),
        pytest.param({"adverse_events.1.onset_date": "{randomized-40}"},
                     "adverse_events-1-onset_date", 409, id="event-before-consent"),
        pytest.param({"adverse_events.3.term": "Diarrhea", "adverse_events.3.grade": "3",
                      "adverse_events.3.onset_date": "{onset}"}, "adverse_events", 409,
                     id="event-twice-on-the-page"),
    ],
)  # fmt: skip
def test_a_bad_value_on_the_visit_form_is_shown_beside_its_field_and_nothing_written(
    web_server: WebServer, login: Login, values: dict[str, str], field: str, status: int
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    drugs = _casebook(web_server, subject_id)["drugs"]
    client = login("coord_tj")
    on = (day0 + timedelta(28)).isoformat()
    onset = (day0 + timedelta(20)).isoformat()
    form = {"visit_type": "treatment", "actual_date": on, **SIGNS, "vital_signs.weight_kg": "61.5",
            **LABS, **_event(1, drugs, onset)}  # fmt: skip
    if any(name.startswith("adverse_events.3.") for name in values):
        form.update(_event(3, drugs, onset))
    given = {"{onset}": onset, "{randomized-40}": (day0 - timedelta(40)).isoformat()}
    first = drugs[0]  # "*": the first study drug of the subject's arm
    for name, value in values.items():
        form[name.replace("*", first)] = given.get(value, value)
    field = field.replace("*", first)
    answer = _visit_form(client, subject_id, {k: v for k, v in form.items() if v})
    assert answer.status_code == status, answer.text
    assert f'id="error-{field}"' in answer.text
    assert answer.text.count('class="error"') + answer.text.count('role="alert"') == 1
    assert 'name="vital_signs.weight_kg" value="61.5"' in answer.text
    book = _casebook(web_server, subject_id)
    written = (book["visits"], book["vital_signs"], book["labs"], book["adverse_events"])
    assert written == ([], [], [], [])


@pytest.mark.parametrize(
    ("path", "body", "where", "said"),
    [
        pytest.param(
            "labs",
            {"analyte": "ast", "value": 130, "unit": "furlongs", "collected_on": "{on}"},
            "unit",
            "unit 'furlongs' is not accepted for ast",
            id="lab-unit",
        ),
        pytest.param(
            "vital-signs",
            {"measured_on": "{on}", "systolic_mmhg": 120, "diastolic_mmhg": 130},
            "diastolic_mmhg",
            "diastolic_mmhg 130 is not below systolic_mmhg 120",
            id="vitals-diastolic-above",
        ),
        pytest.param(
            "visits",
            {"visit_type": "treatment", "actual_date": "{on}", "number": True},
            "number",
            "must be a whole number, got True",
            id="visit-number-bool",
        ),
        pytest.param(
            "adverse-events",
            {"term": "Diarrhea", "grade": 6, "onset_date": "{on}", "relatedness": {},
             "action_taken": {}},
            "grade",
            "less than or equal to 5",
            id="event-grade",
        ),
    ],
)  # fmt: skip
def test_the_json_api_refuses_a_bad_value_naming_its_field(
    web_server: WebServer, path: str, body: dict[str, Any], where: str, said: str
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    on = (day0 + timedelta(28)).isoformat()
    answer = httpx.post(
        f"{web_server.url}/api/v1/subjects/{subject_id}/{path}",
        json={key: on if value == "{on}" else value for key, value in body.items()},
        headers=api_token(web_server, "coord_tj"),
    )
    assert answer.status_code == 422, answer.text
    (fault,) = answer.json()["errors"]
    assert fault["field"] == where
    assert said in fault["message"]
    assert answer.json()["field"] == where
    book = _casebook(web_server, subject_id)
    written = (book["visits"], book["vital_signs"], book["labs"], book["adverse_events"])
    assert written == ([], [], [], [])
