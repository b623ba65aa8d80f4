"""Casebook and queries through the web: grades shown, queries raised, answered and closed,
bad values shown again next to their field with nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from ..conftest import WebServer, api_token, consented_subjects, csrf_of
from .enrolled import randomized_days_ago

Login = Callable[[str], httpx.Client]


def _randomized(server: WebServer) -> str:
    (subject_id,) = consented_subjects(server, 1)
    answer = httpx.post(
        f"{server.url}/api/v1/subjects/{subject_id}/randomize",
        headers=api_token(server, "coord_tj"),
    )
    assert answer.status_code == 200
    return subject_id


def test_lab_adverse_event_and_query_through_the_api(web_server: WebServer) -> None:
    subject_id = _randomized(web_server)
    site = api_token(web_server, "coord_tj")
    today = datetime.now(UTC).date().isoformat()
    url = f"{web_server.url}/api/v1"
    lab = httpx.post(
        f"{url}/subjects/{subject_id}/labs",
        json={"analyte": "ast", "value": 250, "unit": "U/L", "uln": 40, "collected_on": today},
        headers=site,
    )
    assert lab.status_code == 201, lab.text
    assert lab.json()["grade"] == 3
    arm_drugs = httpx.get(f"{url}/subjects/{subject_id}/casebook", headers=site).json()["drugs"]
    event = httpx.post(
        f"{url}/subjects/{subject_id}/adverse-events",
        json={
            "term": "Diarrhea",
            "grade": 2,
            "onset_date": today,
            "relatedness": dict.fromkeys(arm_drugs, "possible"),
            "action_taken": dict.fromkeys(arm_drugs, "dose_not_changed"),
        },
        headers=site,
    )
    assert event.status_code == 201, event.text
    history = httpx.get(
        f"{url}/history",
        params={"table": "lab_results", "record_id": lab.json()["id"], "field": "value"},
        headers=site,
    ).json()
    assert history["subject_id"] == subject_id
    assert [(c["actor"], c["old_value"]) for c in history["changes"]] == [("coord_tj", None)]
    assert history["changes"][0]["new_value"].startswith("250")
    assert history["changes"][0]["reason"] == "laboratory value entered"
    hidden_history = httpx.get(
        f"{url}/history",
        params={"table": "lab_results", "record_id": lab.json()["id"], "field": "value"},
        headers=api_token(web_server, "coord_bj"),
    )
    assert hidden_history.status_code == 404
    monitor = api_token(web_server, "monitor")
    question = {
        "table": "lab_results",
        "record_id": lab.json()["id"],
        "field": "value",
        "question": "please confirm",
    }
    refused = httpx.post(f"{url}/queries", json=question, headers=site)
    assert refused.status_code == 403
    raised = httpx.post(f"{url}/queries", json=question, headers=monitor)
    assert raised.status_code == 201
    query_id = raised.json()["id"]
    answered = httpx.post(
        f"{url}/queries/{query_id}/answer", json={"answer": "confirmed"}, headers=site
    )
    assert answered.json()["status"] == "answered"
    again = httpx.post(f"{url}/queries/{query_id}/answer", json={"answer": "x"}, headers=site)
    assert again.status_code == 409
    other_site = api_token(web_server, "coord_bj")
    hidden = httpx.get(f"{url}/queries", params={"subject_id": subject_id}, headers=other_site)
    assert hidden.status_code == 404
    closed = httpx.post(
        f"{url}/queries/{query_id}/close", json={"resolution": "source verified"}, headers=monitor
    )
    assert closed.json()["status"] == "closed"


def test_a_bad_lab_value_is_shown_again_and_nothing_written(
    web_server: WebServer, login: Login
) -> None:
    subject_id = _randomized(web_server)
    client = login("coord_tj")
    page = client.get(f"/subjects/{subject_id}/casebook")
    answer = client.post(
        f"/subjects/{subject_id}/casebook/labs",
        data={
            "csrf_token": csrf_of(page.text),
            "analyte": "ast",
            "value": "-5",
            "unit": "U/L",
            "uln": "40",
            "collected_on": datetime.now(UTC).date().isoformat(),
        },
    )
    assert answer.status_code == 422
    assert 'id="error-lab-value"' in answer.text
    # said under the Value field without the field's name again ("value: value -5 U/L …")
    shown = re.search(r'id="error-lab-value">([^<]*)<', answer.text)
    assert shown is not None
    assert shown.group(1).startswith("value -5 U/L is outside the plausible range"), shown.group(1)
    assert 'id="lab-uln" name="uln" value="40"' in answer.text
    assert "No laboratory value yet." in answer.text


def test_a_lab_dated_after_the_death_is_shown_again_as_a_conflict(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 10)
    death = httpx.post(
        f"{web_server.url}/api/v1/subjects/{subject_id}/death",
        json={"death_date": (day0 + timedelta(days=5)).isoformat(), "cause": "unknown"},
        headers=api_token(web_server, "coord_tj"),
    )
    assert death.status_code == 201, death.text
    client = login("coord_tj")
    page = client.get(f"/subjects/{subject_id}/casebook")
    answer = client.post(
        f"/subjects/{subject_id}/casebook/labs",
        data={
            "csrf_token": csrf_of(page.text),
            "analyte": "ast",
            "value": "50",
            "unit": "U/L",
            "uln": "40",
            "collected_on": (day0 + timedelta(days=8)).isoformat(),
        },
    )
    assert answer.status_code == 409, answer.text
    assert 'id="error-lab-collected_on"' in answer.text
    assert 'id="lab-value" name="value" value="50"' in answer.text
    assert "No laboratory value yet." in answer.text
