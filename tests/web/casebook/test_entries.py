"""The casebook's entry pages and API against the running server: vital signs, tumour
assessments with their responses, dosing by the label's levels, new therapies, survival
contacts, death and withdrawal; bad input shown again beside its field with nothing written;
another site's subject 404, a role that may not enter 403."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from ..conftest import ON_BOTH_DATABASES, WebServer, api_token, csrf_of
from .enrolled import randomized_days_ago

Login = Callable[[str], httpx.Client]

pytestmark = ON_BOTH_DATABASES

# Two enhancing liver targets (RECIST sum 70 mm, mRECIST viable sum 70 mm) and a non-target.
BASELINE = {
    "lesions.0.lesion_id": "T1", "lesions.0.organ": "liver", "lesions.0.kind": "target",
    "lesions.0.diameter_mm": "40", "lesions.0.viable_diameter_mm": "40",
    "lesions.0.enhancing": "yes",
    "lesions.1.lesion_id": "T2", "lesions.1.organ": "liver", "lesions.1.kind": "target",
    "lesions.1.diameter_mm": "30", "lesions.1.viable_diameter_mm": "30",
    "lesions.1.enhancing": "yes",
    "lesions.2.lesion_id": "N1", "lesions.2.organ": "peritoneum",
    "lesions.2.kind": "non_target",
}  # fmt: skip


def _casebook(server: WebServer, subject_id: str, user: str = "coord_tj") -> dict[str, Any]:
    answer = httpx.get(
        f"{server.url}/api/v1/subjects/{subject_id}/casebook", headers=api_token(server, user)
    )
    assert answer.status_code == 200, answer.text
    book: dict[str, Any] = answer.json()
    return book


def _post_form(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return client.post(path, data={"csrf_token": csrf_of(page.text), **data})


def _follow_up(t1: tuple[str, str], t2: tuple[str, str]) -> dict[str, str]:
    """Follow-up form rows: (diameter, viable diameter) of T1 and T2, N1 still present."""
    return {
        **BASELINE,
        "lesions.0.diameter_mm": t1[0], "lesions.0.viable_diameter_mm": t1[1],
        "lesions.1.diameter_mm": t2[0], "lesions.1.viable_diameter_mm": t2[1],
    }  # fmt: skip


def test_vital_signs_form_shows_the_hypertension_grade(web_server: WebServer, login: Login) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 10)
    client = login("coord_tj")
    path = f"/subjects/{subject_id}/casebook/vital-signs"
    answer = _post_form(
        client,
        path,
        {"measured_on": (day0 + timedelta(2)).isoformat(), "systolic_mmhg": "165",
         "diastolic_mmhg": "95", "heart_rate_bpm": "80", "weight_kg": "70.5", "ecog": "1"},
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    page = client.get(path).text
    assert '<span class="pill grade-3">grade 3</span>' in page
    (row,) = _casebook(web_server, subject_id)["vital_signs"]
    assert (row["systolic_mmhg"], row["hypertension_grade"], row["ecog"]) == (165, 3, 1)


@pytest.mark.parametrize(
    ("values", "field", "status"),
    [
        pytest.param({"systolic_mmhg": "high"}, "systolic_mmhg", 422, id="not-a-number"),
        pytest.param({"diastolic_mmhg": "130"}, "diastolic_mmhg", 422, id="diastolic-above"),
        pytest.param({"measured_on": "2001-01-01"}, "measured_on", 422, id="before-the-trial"),
        pytest.param({"ecog": "7"}, "ecog", 422, id="ecog-out-of-range"),
    ],
)
def test_a_bad_vital_sign_is_shown_again_beside_its_field(
    web_server: WebServer, login: Login, values: dict[str, str], field: str, status: int
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 5)
    client = login("coord_tj")
    form = {"measured_on": day0.isoformat(), "systolic_mmhg": "120", "diastolic_mmhg": "80",
            "weight_kg": "61.5"}  # fmt: skip
    form.update(values)
    answer = _post_form(client, f"/subjects/{subject_id}/casebook/vital-signs", form)
    assert answer.status_code == status, answer.text
    assert f'id="error-{field}"' in answer.text
    assert 'name="weight_kg" value="61.5"' in answer.text
    assert _casebook(web_server, subject_id)["vital_signs"] == []


def test_tumour_assessments_show_their_recist_and_mrecist_responses(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 60)
    client = login("coord_tj")
    path = f"/subjects/{subject_id}/casebook/tumour"
    baseline = _post_form(client, path, {"assessed_on": day0.isoformat(), **BASELINE})
    assert baseline.status_code == 303, baseline.text
    page = client.get(path).text
    assert 'name="lesions.1.lesion_id" value="T2"' in page  # the baseline's lesions, carried
    follow_up = _post_form(
        client,
        path,
        {"assessed_on": (day0 + timedelta(49)).isoformat(),
         **_follow_up(("38", "20"), ("30", "15"))},
    )  # fmt: skip
    assert follow_up.status_code == 303, follow_up.text
    page = client.get(path).text
    assert 'data-criteria="recist">SD<' in page  # sum 68 of 70 mm
    assert 'data-criteria="mrecist">PR<' in page  # viable 35 of 70 mm: −50 %
    scans = _casebook(web_server, subject_id)["tumour_assessments"]
    assert [(s["recist_response"], s["mrecist_response"]) for s in scans] == [
        ("SD", "PR"),
        (None, None),
    ]


def test_a_lesion_error_is_shown_beside_its_row_and_nothing_written(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 3)
    client = login("coord_tj")
    rows = {**BASELINE, "lesions.1.diameter_mm": "-3"}
    answer = _post_form(
        client, f"/subjects/{subject_id}/casebook/tumour", {"assessed_on": day0.isoformat(), **rows}
    )
    assert answer.status_code == 422, answer.text
    assert 'id="error-lesions-1-diameter_mm"' in answer.text  # beside the row's diameter
    assert 'id="error-lesions"' not in answer.text
    assert "lesion &#39;T2&#39;: diameter_mm -3 mm" in answer.text
    assert 'name="lesions.1.diameter_mm" value="-3"' in answer.text
    assert 'name="lesions.0.organ" value="liver"' in answer.text
    assert _casebook(web_server, subject_id)["tumour_assessments"] == []
    missing = _post_form(
        client,
        f"/subjects/{subject_id}/casebook/tumour",
        {"assessed_on": day0.isoformat(), **BASELINE, "lesions.3.diameter_mm": "12"},
    )
    assert missing.status_code == 422
    assert 'id="error-lesions-3-lesion_id"' in missing.text  # the row's own field


def test_tumour_assessment_through_the_api(web_server: WebServer) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 60)
    site = api_token(web_server, "coord_tj")
    url = f"{web_server.url}/api/v1/subjects/{subject_id}/tumour-assessments"
    target = {"organ": "liver", "kind": "target", "enhancing": True}
    baseline = httpx.post(
        url,
        json={
            "assessed_on": day0.isoformat(),
            "lesions": [{"lesion_id": "T1", "diameter_mm": 50, "viable_diameter_mm": 50, **target}],
        },
        headers=site,
    )
    assert baseline.status_code == 201, baseline.text
    assert baseline.json()["recist_response"] is None
    later = {"assessed_on": (day0 + timedelta(49)).isoformat(), "new_lesion": True}
    progression = httpx.post(
        url,
        json={
            **later,
            "lesions": [{"lesion_id": "T1", "diameter_mm": 50, "viable_diameter_mm": 50, **target}],
        },
        headers=site,
    )
    assert progression.status_code == 201, progression.text
    assert (progression.json()["recist_response"], progression.json()["mrecist_response"]) == (
        "PD",
        "PD",
    )
    bad = httpx.post(
        url,
        json={"assessed_on": later["assessed_on"], "lesions": [{"lesion_id": "T1"}]},
        headers=site,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "lesions.0.organ"


def test_dose_reduction_by_the_labels_levels(web_server: WebServer, login: Login) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 20)
    client = login("coord_tj")
    path = f"/subjects/{subject_id}/casebook/dosing"
    start = _post_form(
        client,
        path,
        {"drug": "sorafenib", "event": "start", "event_date": day0.isoformat()},
    )
    assert start.status_code == 303, start.text
    no_reason = _post_form(
        client,
        path,
        {"drug": "sorafenib", "event": "reduce", "level": "400mg_qd",
         "event_date": (day0 + timedelta(10)).isoformat()},
    )  # fmt: skip
    assert no_reason.status_code == 422
    assert 'id="error-reason"' in no_reason.text
    assert '<option value="400mg_qd" selected>' in no_reason.text
    reduce = _post_form(
        client,
        path,
        {"drug": "sorafenib", "event": "reduce", "level": "400mg_qd",
         "event_date": (day0 + timedelta(10)).isoformat(), "reason": "hand-foot skin reaction"},
    )  # fmt: skip
    assert reduce.status_code == 303, reduce.text
    book = _casebook(web_server, subject_id)
    assert book["status"] == "on_treatment"
    sorafenib = next(d for d in book["dose_states"] if d["drug"] == "sorafenib")
    assert (sorafenib["status"], sorafenib["level"]) == ("dosing", "400mg_qd")
    assert [(d["event"], d["dose_mg"], d["frequency"]) for d in book["doses"]] == [
        ("reduce", 400.0, "QD"),
        ("start", 400.0, "BID"),
    ]
    skipped = httpx.post(
        f"{web_server.url}/api/v1/subjects/{subject_id}/doses",
        json={"drug": "sorafenib", "event": "escalate", "level": "400mg_qod",
              "event_date": (day0 + timedelta(12)).isoformat(), "reason": "tolerated"},
        headers=api_token(web_server, "coord_tj"),
    )  # fmt: skip
    assert skipped.status_code == 409, skipped.text
    assert len(_casebook(web_server, subject_id)["doses"]) == 2


def test_therapy_contact_death_and_withdrawal_through_the_api(web_server: WebServer) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 40)
    site = api_token(web_server, "coord_tj")
    url = f"{web_server.url}/api/v1/subjects/{subject_id}"

    def post(path: str, body: dict[str, Any], headers: dict[str, str] = site) -> httpx.Response:
        return httpx.post(f"{url}/{path}", json=body, headers=headers)

    def day(offset: int) -> str:
        return (day0 + timedelta(offset)).isoformat()

    therapy = post(
        "anticancer-therapies", {"name": "TACE", "category": "locoregional", "started_on": day(20)}
    )
    assert therapy.status_code == 201, therapy.text
    contact = post(
        "survival-contacts", {"contact_on": day(25), "status": "alive", "method": "phone"}
    )
    assert contact.status_code == 201, contact.text
    monitor = api_token(web_server, "monitor")
    assert post("death", {"death_date": day(30), "cause": "unknown"}, monitor).status_code == 403
    other_site = api_token(web_server, "coord_bj")
    assert post("death", {"death_date": day(30), "cause": "unknown"}, other_site).status_code == 404
    early = post("death", {"death_date": day(22), "cause": "disease_progression"})
    assert early.status_code == 409  # before the contact that found the subject alive
    assert early.json()["field"] == "death_date"
    death = post("death", {"death_date": day(30), "cause": "disease_progression"})
    assert death.status_code == 201, death.text
    again = post("death", {"death_date": day(31), "cause": "unknown"})
    assert again.status_code == 409
    unknown = post("withdrawal", {"kind": "bored", "withdrawn_on": day(31), "reason": "x"})
    assert unknown.status_code == 422  # the body's model refuses it, naming the field
    assert unknown.json()["field"] == "kind"
    assert "must be one of consent_withdrawn" in unknown.json()["errors"][0]["message"]
    book = _casebook(web_server, subject_id)
    assert book["status"] == "dead"
    assert book["death"]["death_date"] == day(30)
    assert [t["name"] for t in book["therapies"]] == ["TACE"]
    assert book["withdrawal"] is None


def test_death_and_withdrawal_forms_take_one_record(web_server: WebServer, login: Login) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 15)
    client = login("coord_tj")
    withdrawal = _post_form(
        client,
        f"/subjects/{subject_id}/casebook/withdrawal",
        {"kind": "consent_withdrawn", "withdrawn_on": (day0 + timedelta(5)).isoformat(),
         "reason": "moved abroad"},
    )  # fmt: skip
    assert withdrawal.status_code == 303, withdrawal.text
    page = client.get(f"/subjects/{subject_id}/casebook/withdrawal").text
    assert 'id="entry-form"' not in page
    assert "moved abroad" in page
    before_the_end = _post_form(
        client,
        f"/subjects/{subject_id}/casebook/death",
        {"death_date": (day0 + timedelta(3)).isoformat(), "cause": "unknown"},
    )
    assert before_the_end.status_code == 409, before_the_end.text
    assert 'id="error-death_date"' in before_the_end.text
    death = _post_form(
        client,
        f"/subjects/{subject_id}/casebook/death",
        {"death_date": (day0 + timedelta(12)).isoformat(), "cause": "other",
         "cause_detail": "road accident"},
    )  # fmt: skip
    assert death.status_code == 303, death.text
    assert _casebook(web_server, subject_id)["status"] == "dead"


def test_a_monitor_sees_no_entry_form_and_may_not_post_one(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 8)
    monitor = login("monitor")
    page = monitor.get(f"/subjects/{subject_id}/casebook/vital-signs")
    assert page.status_code == 200
    assert 'id="entry-form"' not in page.text
    refused = monitor.post(
        f"/subjects/{subject_id}/casebook/vital-signs",
        data={"csrf_token": csrf_of(page.text), "measured_on": day0.isoformat(),
              "systolic_mmhg": "120", "diastolic_mmhg": "80"},
    )  # fmt: skip
    assert refused.status_code == 403
    other = login("coord_bj")
    assert other.get(f"/subjects/{subject_id}/casebook/tumour").status_code == 404
    assert other.get(f"/subjects/{subject_id}/casebook/no-such-section").status_code == 404
    assert _casebook(web_server, subject_id)["vital_signs"] == []


def test_visit_form_marks_the_schedule_done(web_server: WebServer, login: Login) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 30)
    client = login("coord_tj")
    visit = _post_form(
        client,
        f"/subjects/{subject_id}/casebook/visits",
        {"visit_type": "treatment", "actual_date": (day0 + timedelta(28)).isoformat()},
    )
    assert visit.status_code == 303, visit.text
    schedule = httpx.get(
        f"{web_server.url}/api/v1/subjects/{subject_id}/schedule",
        headers=api_token(web_server, "coord_tj"),
    ).json()
    done = [(v["visit_type"], v["number"], v["status"], v["in_window"]) for v in schedule]
    assert ("treatment", 1, "done", True) in done
    page = client.get(f"/subjects/{subject_id}/casebook").text
    assert 'data-visit="treatment:1"' in page


@pytest.mark.parametrize(
    ("outcome", "resolved", "status"),
    [
        pytest.param("recovered", 3, 303, id="recovered-on-a-day"),
        pytest.param("recovered", None, 422, id="recovered-without-its-day"),
        pytest.param("not_recovered", 3, 422, id="a-day-for-an-ongoing-event"),
        pytest.param("not_recovered", None, 303, id="ongoing"),
    ],
)
def test_the_casebook_adverse_event_form_takes_the_resolution_day(
    web_server: WebServer, login: Login, outcome: str, resolved: int | None, status: int
) -> None:
    """The casebook page's adverse-event form offers a resolution day beside the outcome: an
    event that recovered can be entered (it needs the day), an ongoing one refuses a day."""
    subject_id, _, day0 = randomized_days_ago(web_server, 10)
    client = login("coord_tj")
    page = client.get(f"/subjects/{subject_id}/casebook")
    assert 'name="resolution_date"' in page.text
    drugs = _casebook(web_server, subject_id)["drugs"]
    form = {
        "csrf_token": csrf_of(page.text),
        "term": "Fatigue",
        "grade": "1",
        "onset_date": (day0 + timedelta(1)).isoformat(),
        "serious": "no",
        "outcome": outcome,
        "resolution_date": "" if resolved is None else (day0 + timedelta(resolved)).isoformat(),
        **{f"relatedness.{d}": "possible" for d in drugs},
        **{f"action_taken.{d}": "dose_not_changed" for d in drugs},
    }
    answer = client.post(f"/subjects/{subject_id}/casebook/adverse-events", data=form)
    assert answer.status_code == status, answer.text
    events = _casebook(web_server, subject_id)["adverse_events"]
    if status == 303:
        (event,) = events
        expected = None if resolved is None else (day0 + timedelta(resolved)).isoformat()
        assert (event["outcome"], event["resolution_date"]) == (outcome, expected)
    else:
        assert 'id="error-ae-resolution_date"' in answer.text
        assert events == []
