"""The monitoring pages of the running server: the SDV page and its Verify button, signing with
the password again (both components on a session's first signature), a voided signature shown
with why, freeze and lock with a reason, edit checks on demand, and the audit trail download;
each refused to the roles that may not (403, nothing written). On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select

from metsor.services.casebook import correct_value, record_lab, record_visit
from metsor.services.context import unit_of_work
from metsor.services.randomize import randomize_subject
from metsor.store.models.casebook import LabResult
from metsor.store.models.monitoring import SdvMark, Signature

from .conftest import ON_BOTH_DATABASES, USERS, WebServer, api_token, consented_subjects, csrf_of

pytestmark = ON_BOTH_DATABASES

Login = Callable[[str], httpx.Client]


def _subject_with_lab(server: WebServer) -> tuple[str, int]:
    """A randomized subject with one laboratory value today: (subject, lab id)."""
    (subject_id,) = consented_subjects(server, 1)
    database = server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            randomize_subject(ctx, subject_id)
        with unit_of_work(database, "coord_tj") as ctx:
            lab = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=38,
                             unit="g/L", collected_on=datetime.now(UTC).date())  # fmt: skip
    finally:
        database.close()
    return subject_id, lab.id


def _correct(server: WebServer, lab_id: int, value: float, reason: str) -> None:
    database = server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            correct_value(ctx, table="lab_results", record_id=lab_id, field="value",
                          value=value, reason=reason)  # fmt: skip
    finally:
        database.close()


def _count(server: WebServer, model: type) -> int:
    database = server.database()
    try:
        with database.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        database.close()


def _post(client: httpx.Client, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def _change_lock(client: httpx.Client, data: dict[str, str]) -> httpx.Response:
    """Post the freeze and lock form; a change done redirects to the list, which is returned."""
    answer = _post(client, "/monitoring/locks", "/monitoring/locks", data)
    if answer.status_code != 303:
        return answer
    assert answer.headers["location"].startswith("/monitoring/locks?")
    return client.get(answer.headers["location"])


def test_the_sdv_page_verifies_an_entry_and_shows_the_change_that_cleared_it(
    web_server: WebServer, login: Login
) -> None:
    subject_id, lab = _subject_with_lab(web_server)
    monitor = login("monitor")
    worklist = monitor.get("/monitoring/sdv")  # the shared trial's: this entry may be past its end
    assert worklist.status_code == 200
    assert 'id="worklist"' in worklist.text
    page = monitor.get("/monitoring/sdv", params={"subject": subject_id})
    assert page.status_code == 200
    assert f'id="verify-lab_results-{lab}"' in page.text
    assert "albumin 38.0 g/L" in page.text  # what the entry is
    assert "100% SDV" in page.text
    coordinator = login("coord_tj")
    marks = _count(web_server, SdvMark)
    refused = _post(coordinator, "/monitoring/sdv", "/monitoring/sdv/verify",
                    {"table": "lab_results", "record_id": str(lab)})  # fmt: skip
    assert refused.status_code == 403
    assert "may not verify source" in refused.text
    assert _count(web_server, SdvMark) == marks
    done = _post(monitor, "/monitoring/sdv", "/monitoring/sdv/verify",
                 {"table": "lab_results", "record_id": str(lab), "back": "subject"})  # fmt: skip
    assert done.status_code == 303
    detail = monitor.get(done.headers["location"].split("#")[0])
    assert f'<tr id="lab_results-{lab}" class="entry-verified">' in detail.text
    assert "by monitor on" in detail.text
    _correct(web_server, lab, 36, "source document says 36")
    detail = monitor.get(f"/monitoring/sdv?subject={subject_id}")
    assert f'<tr id="lab_results-{lab}" class="entry-to_verify">' in detail.text
    assert f"cleared by the correction of lab {lab} (value)" in detail.text
    assert "source document says 36" in detail.text
    again = _post(monitor, "/monitoring/sdv", "/monitoring/sdv/verify",
                  {"table": "lab_results", "record_id": str(lab)})  # fmt: skip
    assert again.status_code == 303
    unknown = _post(monitor, "/monitoring/sdv", "/monitoring/sdv/verify",
                    {"table": "lab_results", "record_id": "x"})  # fmt: skip
    assert unknown.status_code == 422
    assert "record id" in unknown.text
    huge = _post(monitor, "/monitoring/sdv", "/monitoring/sdv/verify",
                 {"table": "lab_results", "record_id": "9" * 30})  # fmt: skip
    assert huge.status_code == 404
    assert "no lab_results record 999" in huge.text
    assert 'id="plan-form"' not in monitor.get("/monitoring/sdv").text
    assert _post(monitor, "/monitoring/sdv", "/monitoring/sdv/plan",
                 {"plan": "targeted", "reason": "x"}).status_code == 403  # fmt: skip
    manager = login("datamgr")
    blank = _post(manager, "/monitoring/sdv", "/monitoring/sdv/plan",
                  {"plan": "targeted", "reason": " "})  # fmt: skip
    assert blank.status_code == 422
    assert 'id="error-reason"' in blank.text
    targeted = _post(manager, "/monitoring/sdv", "/monitoring/sdv/plan",
                     {"plan": "targeted", "reason": "risk-based monitoring plan"})  # fmt: skip
    assert targeted.status_code == 303
    assert "targeted SDV" in manager.get("/monitoring/sdv").text
    back = _post(manager, "/monitoring/sdv", "/monitoring/sdv/plan",
                 {"plan": "full", "reason": "back to 100% SDV"})  # fmt: skip
    assert back.status_code == 303


def test_signing_needs_the_password_and_a_correction_voids_the_signature(
    web_server: WebServer, login: Login
) -> None:
    subject_id, lab = _subject_with_lab(web_server)
    page = f"/subjects/{subject_id}/signoff"
    investigator = login("inv_tj")
    form = investigator.get(page)
    assert form.status_code == 200
    assert 'id="sign-user_id"' in form.text  # both components on the session's first signature
    assert "I have reviewed and approve these data" in form.text
    signatures = _count(web_server, Signature)
    no_user = _post(investigator, page, page,
                    {"password": USERS["inv_tj"][2], "meaning": "approve",
                     "printed_name": "Dr Tian Jin"})  # fmt: skip
    assert no_user.status_code == 422
    assert 'id="error-user_id"' in no_user.text
    wrong = _post(investigator, page, page,
                  {"user_id": "inv_tj", "password": "not it", "meaning": "approve",
                   "printed_name": "Dr Tian Jin"})  # fmt: skip
    assert wrong.status_code == 403
    assert 'id="error-password"' in wrong.text
    assert "not it" not in wrong.text
    assert _count(web_server, Signature) == signatures
    signed = _post(investigator, page, page,
                   {"user_id": "inv_tj", "password": USERS["inv_tj"][2], "meaning": "approve",
                    "printed_name": "Dr Tian Jin", "scope": "casebook"})  # fmt: skip
    assert signed.status_code == 303
    shown = investigator.get(page).text
    assert "Dr Tian Jin" in shown
    assert 'id="sign-user_id"' not in shown  # later signatures of the session: the password
    _correct(web_server, lab, 35, "re-read the lab report")
    casebook = investigator.get(f"/subjects/{subject_id}/casebook").text
    assert "signature-voided" in casebook
    assert f"voided by the correction of lab {lab} (value)" in casebook
    assert "re-read the lab report" in casebook
    again = _post(investigator, page, page,
                  {"password": USERS["inv_tj"][2], "meaning": "approve"})  # fmt: skip
    assert again.status_code == 303
    assert investigator.get(page).text.count("status-signature-valid") == 1
    coordinator = login("coord_tj")
    assert 'id="sign-form"' not in coordinator.get(page).text
    refused = _post(coordinator, page, page,
                    {"user_id": "coord_tj", "password": USERS["coord_tj"][2],
                     "meaning": "approve", "printed_name": "A Coordinator"})  # fmt: skip
    assert refused.status_code == 403
    assert _count(web_server, Signature) == signatures + 2


def test_a_data_manager_freezes_and_unfreezes_with_a_reason(
    web_server: WebServer, login: Login
) -> None:
    subject_id, lab_id = _subject_with_lab(web_server)
    manager = login("datamgr")
    page = "/monitoring/locks"
    no_reason = _change_lock(
        manager, {"action": "freeze", "scope": "subject", "target": subject_id, "reason": " "}
    )
    assert no_reason.status_code == 422
    assert 'id="error-reason"' in no_reason.text
    frozen = _change_lock(
        manager,
        {
            "action": "freeze",
            "scope": "subject",
            "target": subject_id,
            "reason": "interim cleaning",
        },
    )
    assert frozen.status_code == 200
    assert f"Subject {subject_id} is now frozen" in frozen.text
    token = api_token(web_server, "coord_tj")
    lab = httpx.post(f"{web_server.url}/api/v1/subjects/{subject_id}/labs", headers=token,
                     json={"analyte": "albumin", "value": 37, "unit": "g/L",
                           "collected_on": datetime.now(UTC).date().isoformat()},
                     timeout=30)  # fmt: skip
    assert lab.status_code == 409, lab.text
    query = httpx.post(f"{web_server.url}/api/v1/queries", headers=api_token(web_server, "monitor"),
                       json={"table": "lab_results", "record_id": lab_id, "field": "value",
                             "question": "please confirm against the source"},
                       timeout=30)  # fmt: skip
    assert query.status_code == 201, query.text  # a frozen subject still takes queries
    twice = _change_lock(
        manager, {"action": "freeze", "scope": "subject", "target": subject_id, "reason": "again"}
    )
    assert twice.status_code == 409
    assert "it is frozen" in twice.text
    monitor = login("monitor")
    assert 'id="lock-form"' not in monitor.get(page).text
    refused = _change_lock(
        monitor,
        {
            "action": "unfreeze",
            "scope": "subject",
            "target": subject_id,
            "reason": "monitors may not",
        },
    )
    assert refused.status_code == 403
    opened = _change_lock(
        manager,
        {"action": "unfreeze", "scope": "subject", "target": subject_id, "reason": "cleaning done"},
    )
    assert f"Subject {subject_id} is now open" in opened.text


def test_edit_checks_on_demand_and_the_audit_trail_download(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _ = _subject_with_lab(web_server)
    manager = login("datamgr")
    ran = _post(manager, "/monitoring/checks", "/monitoring/checks", {"site": ""})
    assert ran.status_code == 200
    assert 'id="checks-done"' in ran.text
    unknown = _post(manager, "/monitoring/checks", "/monitoring/checks", {"site": "XX"})
    assert unknown.status_code == 422
    assert "no site &#39;XX&#39;" in unknown.text
    coordinator = login("coord_tj")
    assert _post(coordinator, "/monitoring/checks", "/monitoring/checks", {}).status_code == 403
    assert 'id="audit-download"' in manager.get("/monitoring/audit").text
    with manager.stream("GET", "/monitoring/audit.csv", params={"site": "TJ"}) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        text = "".join(answer.iter_text())
    rows = list(csv.reader(io.StringIO(text)))
    from metsor.services.monitoring.audit_export import AUDIT_EXPORT_COLUMNS

    assert tuple(rows[0]) == tuple(AUDIT_EXPORT_COLUMNS)
    assert len(rows) > 2
    assert any(subject_id in row for row in rows[1:])
    assert coordinator.get("/monitoring/audit.csv").status_code == 403
    bad = manager.get("/monitoring/audit.csv", params={"since": "2016-02-30"})
    assert bad.status_code == 422
    assert "since must be a date" in bad.text


def test_an_investigator_signs_one_visit_and_a_monitor_writes_no_clinical_data(
    web_server: WebServer, login: Login
) -> None:
    subject_id, _ = _subject_with_lab(web_server)
    database = web_server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            visit = record_visit(ctx, subject_id=subject_id, visit_type="unscheduled",
                                 actual_date=datetime.now(UTC).date()).id  # fmt: skip
    finally:
        database.close()
    page = f"/subjects/{subject_id}/signoff"
    investigator = login("inv_tj")
    assert f'value="visit:{visit}"' in investigator.get(page).text
    signed = _post(investigator, page, page,
                   {"user_id": "inv_tj", "password": USERS["inv_tj"][2], "meaning": "review",
                    "printed_name": "Dr Tian Jin", "scope": f"visit:{visit}"})  # fmt: skip
    assert signed.status_code == 303
    shown = investigator.get(page).text
    assert f"Visit {visit}</span>" in shown
    assert "I have reviewed these data" in shown
    assert "2 rows" in shown  # the visit and the laboratory value of its day
    other = _post(
        investigator,
        page,
        page,
        {"password": USERS["inv_tj"][2], "meaning": "review", "scope": "visit:x"},
    )
    assert other.status_code == 422
    assert 'id="error-scope"' in other.text
    monitor = api_token(web_server, "monitor")
    labs = _count(web_server, LabResult)
    written = httpx.post(f"{web_server.url}/api/v1/subjects/{subject_id}/labs", headers=monitor,
                         json={"analyte": "albumin", "value": 37, "unit": "g/L",
                               "collected_on": datetime.now(UTC).date().isoformat()},
                         timeout=30)  # fmt: skip
    assert written.status_code == 403
    assert _count(web_server, LabResult) == labs


def test_a_locked_study_refuses_everything_on_the_web_until_unlocked(
    web_server: WebServer, login: Login
) -> None:
    subject_id, lab = _subject_with_lab(web_server)
    manager = login("datamgr")
    investigator = login("inv_tj")
    signoff = f"/subjects/{subject_id}/signoff"
    signed = _post(investigator, signoff, signoff,
                   {"user_id": "inv_tj", "password": USERS["inv_tj"][2], "meaning": "approve",
                    "printed_name": "Dr Tian Jin"})  # fmt: skip
    assert signed.status_code == 303
    locked = _change_lock(manager, {"action": "lock", "scope": "study", "reason": "database lock"})
    try:
        assert "The study is now locked" in locked.text
        monitor = login("monitor")
        marks, signatures = _count(web_server, SdvMark), _count(web_server, Signature)
        verify = _post(monitor, "/monitoring/sdv", "/monitoring/sdv/verify",
                       {"table": "lab_results", "record_id": str(lab)})  # fmt: skip
        assert verify.status_code == 409
        assert "the study is locked" in verify.text
        query = httpx.post(f"{web_server.url}/api/v1/queries",
                           headers=api_token(web_server, "monitor"),
                           json={"table": "lab_results", "record_id": lab, "field": "value",
                                 "question": "source?"}, timeout=30)  # fmt: skip
        assert query.status_code == 409
        again = _post(investigator, signoff, signoff,
                      {"password": USERS["inv_tj"][2], "meaning": "review"})  # fmt: skip
        assert again.status_code == 409
        assert "the study is locked" in again.text
        assert (_count(web_server, SdvMark), _count(web_server, Signature)) == (marks, signatures)
    finally:
        unlocked = _change_lock(
            manager, {"action": "unlock", "scope": "study", "reason": "late data"}
        )
        opened = _change_lock(
            manager, {"action": "unfreeze", "scope": "study", "reason": "late data"}
        )
    assert "The study is now frozen" in unlocked.text
    assert "signatures voided" in unlocked.text or "signature voided" in unlocked.text
    assert "The study is now open" in opened.text
    voided = investigator.get(signoff).text
    assert "voided by the unlocking of the study" in voided
    assert "late data" in voided
