"""Monitoring and sign-off through the JSON API of the running server: a monitor verifies an
entry, a coordinator corrects it, the monitor sees it unverified; an investigator signs (a wrong
password does not), a correction voids the signature with its reason, the investigator signs
again; the audit trail downloads as CSV for a data manager only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx

from metsor.services.casebook import correct_value, record_lab
from metsor.services.context import unit_of_work
from metsor.services.randomize import randomize_subject

from .conftest import USERS, WebServer, api_token, consented_subjects


def _correct(server: WebServer, lab_id: int, value: float, reason: str) -> None:
    database = server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            correct_value(ctx, table="lab_results", record_id=lab_id, field="value",
                          value=value, reason=reason)  # fmt: skip
    finally:
        database.close()


def test_verify_correct_sign_void_sign_again(web_server: WebServer) -> None:
    (subject_id,) = consented_subjects(web_server, 1)
    database = web_server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            randomize_subject(ctx, subject_id)
        with unit_of_work(database, "coord_tj") as ctx:
            lab = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=38,
                             unit="g/L", collected_on=datetime.now(UTC).date())  # fmt: skip
    finally:
        database.close()
    url = web_server.url + "/api/v1"
    monitor = api_token(web_server, "monitor")
    verified = httpx.post(f"{url}/sdv/lab_results/{lab.id}", headers=monitor, timeout=30)
    assert verified.status_code == 200, verified.text
    status = httpx.get(f"{url}/sdv", params={"subject_id": subject_id}, headers=monitor,
                       timeout=30).json()  # fmt: skip
    assert f"lab_results {lab.id}" not in status["subjects"][0]["worklist"]
    _correct(web_server, lab.id, 36, "source document says 36")
    status = httpx.get(f"{url}/sdv", params={"subject_id": subject_id}, headers=monitor,
                       timeout=30).json()  # fmt: skip
    assert f"lab_results {lab.id}" in status["subjects"][0]["worklist"]

    investigator = api_token(web_server, "inv_tj")
    signing = f"{url}/subjects/{subject_id}/signatures"
    body = {"user_id": "inv_tj", "password": USERS["inv_tj"][2], "printed_name": "Dr Tian Jin"}
    wrong = httpx.post(signing, json={**body, "password": "not it"}, headers=investigator,
                       timeout=30)  # fmt: skip
    assert wrong.status_code == 403
    first = httpx.post(signing, json=body, headers=investigator, timeout=30)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "valid"
    _correct(web_server, lab.id, 37, "second look at the source")
    shown = httpx.get(signing, headers=investigator, timeout=30).json()["signatures"]
    assert shown[-1]["status"] == "voided"
    assert f"correction of lab {lab.id} (value)" in shown[-1]["manifest"]
    assert "second look at the source" in shown[-1]["voided_because"]
    again = httpx.post(signing, json=body, headers=investigator, timeout=30)
    assert again.status_code == 200, again.text
    coordinator = api_token(web_server, "coord_tj")
    refused = httpx.post(signing, json={**body, "user_id": "coord_tj",
                                        "password": USERS["coord_tj"][2]},
                         headers=coordinator, timeout=30)  # fmt: skip
    assert refused.status_code == 403


def test_the_audit_trail_downloads_for_a_data_manager(web_server: WebServer) -> None:
    (subject_id,) = consented_subjects(web_server, 1)
    url = web_server.url + "/api/v1/audit/export.csv"
    answer = httpx.get(url, params={"site": "TJ"}, headers=api_token(web_server, "datamgr"),
                       timeout=60)  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert subject_id in {row["subject_id"] for row in rows}
    refused = httpx.get(url, headers=api_token(web_server, "coord_tj"), timeout=30)
    assert refused.status_code == 403
