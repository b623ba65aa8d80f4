"""The JSON API under /api/v1: tokens, status codes, roles and site isolation."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from metsor.eligibility.examples import eligible_record
from metsor.services.authentication import token_digest
from metsor.services.context import session_scope
from metsor.store.models.auth import LoginSession

from .conftest import ON_BOTH_DATABASES, WebServer, api_token, consented_subjects

pytestmark = ON_BOTH_DATABASES


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def test_no_token_is_401(web_server: WebServer) -> None:
    answer = httpx.get(f"{web_server.url}/api/v1/subjects")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer nobody:abc", id="unknown-token"),
        pytest.param("Bearer coord_tj", id="no-separator"),
        pytest.param("Basic Y29vcmRfdGo6eA==", id="not-bearer"),
    ],
)
def test_bad_token_is_401(web_server: WebServer, authorization: str) -> None:
    answer = httpx.get(
        f"{web_server.url}/api/v1/subjects", headers={"Authorization": authorization}
    )
    assert answer.status_code == 401


def test_wrong_password_gives_no_token(web_server: WebServer) -> None:
    answer = httpx.post(
        f"{web_server.url}/api/v1/auth/token",
        data={"username": "stat", "password": "not-the-password"},
    )
    assert answer.status_code == 401
    assert answer.json()["detail"] == "unknown user or wrong password"


def test_expired_token_is_401(web_server: WebServer) -> None:
    headers = api_token(web_server, "stat")
    token = headers["Authorization"].split(":", 1)[1]
    assert httpx.get(f"{web_server.url}/api/v1/subjects", headers=headers).status_code == 200
    database = web_server.database()
    try:
        with session_scope(database, actor="stat", reason="test: session expires") as session:
            login = session.query(LoginSession).filter_by(token_digest=token_digest(token)).one()
            login.expires_at = datetime(2020, 1, 1, tzinfo=UTC)
    finally:
        database.close()
    answer = httpx.get(f"{web_server.url}/api/v1/subjects", headers=headers)
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


def test_register_consent_randomize_then_conflict(web_server: WebServer) -> None:
    headers = api_token(web_server, "inv_tj")
    url = web_server.url
    registered = httpx.post(
        f"{url}/api/v1/subjects",
        json={"record": eligible_record(), "screened_on": _today()},
        headers=headers,
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["verdict"] == "eligible"
    subject_id = registered.json()["subject_id"]
    consent = httpx.post(
        f"{url}/api/v1/subjects/{subject_id}/consent",
        json={"consent_date": _today()},
        headers=headers,
    )
    assert consent.json()["status"] == "consented"
    first = httpx.post(f"{url}/api/v1/subjects/{subject_id}/randomize", headers=headers)
    assert first.status_code == 200
    assert first.json()["arm"] in ("sorafenib", "sorafenib_metformin")
    again = httpx.post(f"{url}/api/v1/subjects/{subject_id}/randomize", headers=headers)
    assert again.status_code == 409
    shown = httpx.get(f"{url}/api/v1/subjects/{subject_id}", headers=headers).json()
    assert shown["allocation"]["arm"] == first.json()["arm"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"record": {"age_years": "old"}}, "age_years", id="record-field"),
        pytest.param(
            {"record": {"labs": {"ast": {"value": -1, "unit": "U/L", "uln": 40}}}},
            "labs.ast.value",
            id="nested-field",
        ),
        pytest.param({"record": {}, "screened_on": "someday"}, "screened_on", id="date"),
        pytest.param({"record": {}, "colour": "red"}, "colour", id="unknown-key"),
        pytest.param({}, "record", id="missing-record"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    web_server: WebServer, body: dict[str, object], field: str
) -> None:
    headers = api_token(web_server, "coord_tj")
    before = httpx.get(f"{web_server.url}/api/v1/subjects", headers=headers).json()
    answer = httpx.post(f"{web_server.url}/api/v1/subjects", json=body, headers=headers)
    assert answer.status_code == 422
    assert field in answer.text
    after = httpx.get(f"{web_server.url}/api/v1/subjects", headers=headers).json()
    assert after == before


def test_an_unknown_status_is_422_naming_it(web_server: WebServer) -> None:
    headers = api_token(web_server, "coord_tj")
    answer = httpx.get(
        f"{web_server.url}/api/v1/subjects", params={"status": "bogus"}, headers=headers
    )
    assert answer.status_code == 422
    assert "status" in answer.text
    assert "bogus" in answer.text
    assert "randomized" in answer.text  # the statuses there are


def test_another_sites_subject_is_404(web_server: WebServer) -> None:
    (subject_id,) = consented_subjects(web_server, 1, user="coord_tj")
    other = api_token(web_server, "coord_bj")
    assert (
        httpx.get(f"{web_server.url}/api/v1/subjects/{subject_id}", headers=other).status_code
        == 404
    )
    randomize = httpx.post(
        f"{web_server.url}/api/v1/subjects/{subject_id}/randomize", headers=other
    )
    assert randomize.status_code == 404
    listed = httpx.get(f"{web_server.url}/api/v1/subjects", headers=other).json()
    assert subject_id not in [row["subject_id"] for row in listed]
    monitor = api_token(web_server, "monitor")
    seen = httpx.get(f"{web_server.url}/api/v1/subjects/{subject_id}", headers=monitor)
    assert seen.status_code == 200


@pytest.mark.parametrize("username", ["monitor", "stat", "datamgr"])
def test_a_role_that_may_not_randomize_is_403(web_server: WebServer, username: str) -> None:
    (subject_id,) = consented_subjects(web_server, 1, user="coord_tj")
    headers = api_token(web_server, username)
    answer = httpx.post(f"{web_server.url}/api/v1/subjects/{subject_id}/randomize", headers=headers)
    assert answer.status_code == 403
    assert answer.json()["field"] == "user"
    registering = httpx.post(
        f"{web_server.url}/api/v1/subjects",
        json={"record": eligible_record(), "site": "TJ"},
        headers=headers,
    )
    assert registering.status_code == 403


def test_screening_check_stores_nothing(web_server: WebServer) -> None:
    headers = api_token(web_server, "coord_tj")
    before = httpx.get(f"{web_server.url}/api/v1/subjects", headers=headers).json()
    record = eligible_record()
    record["labs"]["total_bilirubin"]["value"] = 3.1
    answer = httpx.post(
        f"{web_server.url}/api/v1/screening/check", json={"record": record}, headers=headers
    )
    assert answer.json()["verdict"] == "ineligible"
    failed = [c["id"] for c in answer.json()["criteria"] if c["status"] == "fail"]
    assert "total_bilirubin" in failed
    assert httpx.get(f"{web_server.url}/api/v1/subjects", headers=headers).json() == before


def test_enrollment_counts_only_the_users_site(web_server: WebServer) -> None:
    overview = httpx.get(
        f"{web_server.url}/api/v1/enrollment", headers=api_token(web_server, "coord_bj")
    ).json()
    assert [row["site"] for row in overview["sites"]] == ["BJ"]
    assert overview["target"] == 82


def test_openapi_lists_the_api(web_server: WebServer) -> None:
    paths = httpx.get(f"{web_server.url}/openapi.json").json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/subjects/{subject_id}/randomize" in paths
    assert "/login" not in paths
