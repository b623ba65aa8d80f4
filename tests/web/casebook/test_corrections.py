"""Corrections and the visit schedule through the web: a value corrected with a reason from
the casebook (data manager; site staff for their own site), its audit history, responses
recomputed; the schedule's done, due, upcoming and overdue visits, and overdue visits on the
dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from ..conftest import ON_BOTH_DATABASES, WebServer, api_token, csrf_of
from .enrolled import randomized_days_ago

Login = Callable[[str], httpx.Client]

pytestmark = ON_BOTH_DATABASES

TARGETS = [
    {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 40.0,
     "viable_diameter_mm": 40.0, "enhancing": True},
    {"lesion_id": "T2", "organ": "liver", "kind": "target", "diameter_mm": 30.0,
     "viable_diameter_mm": 30.0, "enhancing": True},
]  # fmt: skip


def _api(server: WebServer, user: str) -> Callable[..., httpx.Response]:
    headers = api_token(server, user)

    def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{server.url}/api/v1{path}", headers=headers, **kwargs)

    return call


def _vital_signs(server: WebServer, subject_id: str, on: str) -> int:
    answer = _api(server, "coord_tj")(
        "POST",
        f"/subjects/{subject_id}/vital-signs",
        json={"measured_on": on, "systolic_mmhg": 128, "diastolic_mmhg": 82},
    )
    assert answer.status_code == 201, answer.text
    record_id: int = answer.json()["id"]
    return record_id


def test_a_data_manager_corrects_a_value_with_a_reason(web_server: WebServer, login: Login) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 6)
    record_id = _vital_signs(web_server, subject_id, day0.isoformat())
    manager = login("datamgr")
    listing = manager.get(f"/subjects/{subject_id}/casebook/vital-signs").text
    link = (
        f"/subjects/{subject_id}/casebook/correct?table=vital_signs&amp;record_id={record_id}"
        "&amp;field=systolic_mmhg"
    )
    assert link in listing
    path = link.replace("&amp;", "&")
    audit = manager.get(f"/history?table=vital_signs&record_id={record_id}&field=systolic_mmhg")
    assert f'id="correct-link" href="{link}"' in audit.text
    page = manager.get(path)
    assert page.status_code == 200
    no_reason = manager.post(path, data={"csrf_token": csrf_of(page.text), "value": "182"})
    assert no_reason.status_code == 422
    assert 'id="error-reason"' in no_reason.text
    assert 'id="correction-value" name="value" value="182"' in no_reason.text
    done = manager.post(
        path,
        data={"csrf_token": csrf_of(page.text), "value": "182", "reason": "transcription error"},
    )
    assert done.status_code == 303, done.text
    history = manager.get(path).text
    assert "transcription error" in history
    assert '<dd id="current-value"><strong>182</strong></dd>' in history
    book = _api(web_server, "datamgr")("GET", f"/subjects/{subject_id}/casebook").json()
    (row,) = book["vital_signs"]
    assert (row["systolic_mmhg"], row["hypertension_grade"]) == (182, 3)


def test_correction_rights_follow_the_services(web_server: WebServer, login: Login) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 6)
    record_id = _vital_signs(web_server, subject_id, day0.isoformat())
    query = f"?table=vital_signs&record_id={record_id}&field=weight_kg"
    path = f"/subjects/{subject_id}/casebook/correct{query}"
    monitor = login("monitor")
    page = monitor.get(path)
    assert page.status_code == 200
    assert 'id="correction-form"' not in page.text
    history = monitor.get(f"/history{query}")
    assert history.status_code == 200
    assert 'id="correct-link"' not in history.text
    refused = monitor.post(
        path, data={"csrf_token": csrf_of(page.text), "value": "70", "reason": "source"}
    )
    assert refused.status_code == 403
    no_reason = monitor.post(path, data={"csrf_token": csrf_of(page.text), "value": "70"})
    assert no_reason.status_code == 403  # the role first, then the input
    assert login("coord_bj").get(path).status_code == 404
    other_id, _, _ = randomized_days_ago(web_server, 6)
    assert login("coord_tj").get(f"/subjects/{other_id}/casebook/correct{query}").status_code == 404
    site = _api(web_server, "coord_tj")
    body = {"table": "vital_signs", "record_id": record_id, "field": "weight_kg", "value": 70.5}
    elsewhere = site("POST", f"/subjects/{other_id}/corrections", json={**body, "reason": "x"})
    assert elsewhere.status_code == 404
    derived = site(
        "POST",
        f"/subjects/{subject_id}/corrections",
        json={**body, "field": "hypertension_grade", "value": 1, "reason": "x"},
    )
    assert derived.status_code == 422
    assert derived.json()["field"] == "field"
    coordinator = login("coord_tj")
    measured_on = (
        f"/subjects/{subject_id}/casebook/correct"
        f"?table=vital_signs&record_id={record_id}&field=measured_on"
    )
    page = coordinator.get(measured_on)
    before_consent = (day0 - timedelta(days=1)).isoformat()
    conflict = coordinator.post(
        measured_on,
        data={"csrf_token": csrf_of(page.text), "value": before_consent, "reason": "typo"},
    )
    assert conflict.status_code == 409, conflict.text
    assert 'id="error-value"' in conflict.text
    own = site("POST", f"/subjects/{subject_id}/corrections", json={**body, "reason": "scale"})
    assert own.status_code == 201, own.text
    assert (own.json()["old_value"], own.json()["new_value"]) == (None, "70.5")


def test_correcting_a_lesion_recomputes_the_responses(web_server: WebServer) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 60)
    site = _api(web_server, "coord_tj")
    url = f"/subjects/{subject_id}/tumour-assessments"
    assert site("POST", url, json={"assessed_on": day0.isoformat(), "lesions": TARGETS}).is_success
    follow_up = [
        {**TARGETS[0], "diameter_mm": 38.0, "viable_diameter_mm": 20.0},
        {**TARGETS[1], "diameter_mm": 30.0, "viable_diameter_mm": 15.0},
    ]
    on = (day0 + timedelta(49)).isoformat()
    scan = site("POST", url, json={"assessed_on": on, "lesions": follow_up})
    assert (scan.json()["recist_response"], scan.json()["mrecist_response"]) == ("SD", "PR")
    book = site("GET", f"/subjects/{subject_id}/casebook").json()
    lesion = next(
        le["id"]
        for a in book["tumour_assessments"]
        if not a["is_baseline"]
        for le in a["lesions"]
        if le["lesion_id"] == "T1"
    )
    manager = _api(web_server, "datamgr")
    corrected = manager(
        "POST",
        f"/subjects/{subject_id}/corrections",
        json={"table": "tumour_lesions", "record_id": lesion, "field": "diameter_mm",
              "value": "60", "reason": "T1 measured on the wrong series"},
    )  # fmt: skip
    assert corrected.status_code == 201, corrected.text
    book = site("GET", f"/subjects/{subject_id}/casebook").json()
    latest = book["tumour_assessments"][0]
    assert (latest["sum_diameters_mm"], latest["recist_response"]) == (90.0, "PD")  # +29 %


def _schedule(server: WebServer, subject_id: str) -> dict[str, str]:
    rows = _api(server, "coord_tj")("GET", f"/subjects/{subject_id}/schedule").json()
    return {f"{r['visit_type']}:{r['number']}": r["status"] for r in rows}


def test_the_schedule_shows_due_upcoming_and_done(web_server: WebServer, login: Login) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 26)
    site = _api(web_server, "coord_tj")
    start = {"drug": "sorafenib", "event": "start", "event_date": day0.isoformat()}
    assert site("POST", f"/subjects/{subject_id}/doses", json=start).status_code == 201
    assert _schedule(web_server, subject_id) == {
        "baseline:0": "not recorded",
        "treatment:1": "due",  # day 28 ± 3: its window opened on day 25
        "tumour_assessment:1": "upcoming",  # day 49 ± 7
    }
    visit = {"visit_type": "baseline", "actual_date": day0.isoformat()}
    assert site("POST", f"/subjects/{subject_id}/visits", json=visit).status_code == 201
    assert _schedule(web_server, subject_id)["baseline:0"] == "done"
    page = login("coord_tj").get(f"/subjects/{subject_id}/casebook").text
    assert '<tr class="visit-due" data-visit="treatment:1">' in page


def test_overdue_visits_on_the_casebook_and_the_dashboard(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 60)
    site = _api(web_server, "coord_tj")
    start = {"drug": "sorafenib", "event": "start", "event_date": day0.isoformat()}
    assert site("POST", f"/subjects/{subject_id}/doses", json=start).status_code == 201
    visit = {"visit_type": "treatment", "actual_date": (day0 + timedelta(28)).isoformat()}
    assert site("POST", f"/subjects/{subject_id}/visits", json=visit).status_code == 201
    assert _schedule(web_server, subject_id) == {
        "treatment:1": "done",
        "baseline:0": "not recorded",
        "treatment:2": "overdue",  # day 56 ± 3: its window closed on day 59
        "tumour_assessment:1": "overdue",  # day 49 ± 7: closed on day 56
    }
    overdue = [
        (v["visit_type"], v["number"], v["days_overdue"])
        for v in site("GET", "/visits/overdue").json()
        if v["subject_id"] == subject_id
    ]
    assert overdue == [("tumour_assessment", 1, 4), ("treatment", 2, 1)]
    dashboard = login("coord_tj").get("/").text
    assert f'<a href="/subjects/{subject_id}/casebook">{subject_id}</a>' in dashboard
    other_site = [
        v["subject_id"] for v in _api(web_server, "coord_bj")("GET", "/visits/overdue").json()
    ]
    assert subject_id not in other_site
