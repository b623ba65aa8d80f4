"""The pages: login, CSRF, lock-out, cookies, forms shown again with the field's message,
escaping, roles and site isolation, and no password in any log line."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from markupsafe import escape
from sqlalchemy import text

from metsor.web import WebSettings, create_app

from .conftest import (
    ON_BOTH_DATABASES,
    USERS,
    WebServer,
    consented_subjects,
    csrf_of,
    eligible_form,
)

pytestmark = ON_BOTH_DATABASES

Login = Callable[[str], httpx.Client]


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _subject_ids(client: httpx.Client) -> list[str]:
    return re.findall(r'<a href="/subjects/([A-Z]+-\d+)">', client.get("/subjects").text)


def test_a_page_without_a_session_goes_to_the_login(web_server: WebServer) -> None:
    answer = httpx.get(f"{web_server.url}/subjects")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"


def test_session_cookie_is_httponly_and_samesite_strict(
    web_server: WebServer, anonymous: httpx.Client
) -> None:
    client = anonymous
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"username": "stat", "password": USERS["stat"][2], "csrf_token": token},
    )
    cookie = next(
        value
        for value in answer.headers.get_list("set-cookie")
        if value.startswith("metsor_session=")
    )
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags
    assert "samesite=strict" in flags
    assert "secure" not in flags  # served over http


def test_cookie_is_secure_over_https(web_server: WebServer) -> None:
    app = create_app(WebSettings(database_url=web_server.database_url, https=True))

    async def first_page() -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://site") as client:
            form = await client.get("/login")
            return form.headers.get_list("set-cookie")

    cookies = asyncio.run(first_page())
    app.state.metsor.database.close()
    assert cookies
    assert all("secure" in [p.strip().lower() for p in c.split(";")] for c in cookies)


def test_logout_ends_the_session(web_server: WebServer, login: Login) -> None:
    client = login("stat")
    page = client.get("/")
    assert page.status_code == 200
    cookie = client.cookies["metsor_session"]
    assert client.post("/logout", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    replay = httpx.get(f"{web_server.url}/", cookies={"metsor_session": cookie})
    assert replay.status_code == 303


@pytest.mark.parametrize(
    "token",
    [pytest.param(None, id="missing"), pytest.param("0" * 40, id="forged")],
)
def test_a_form_without_its_csrf_token_is_refused(
    web_server: WebServer, login: Login, token: str | None
) -> None:
    client = login("coord_tj")
    before = _subject_ids(client)
    data = {"screened_on": _today(), "age_years": "54"}
    if token is not None:
        data["csrf_token"] = token
    answer = client.post("/subjects/new", data=data)
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    assert _subject_ids(client) == before


def test_lockout_after_five_wrong_passwords(web_server: WebServer, anonymous: httpx.Client) -> None:
    client = anonymous
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        wrong = client.post(
            "/login", data={"username": "locked", "password": "wrong-password", "csrf_token": token}
        )
        assert wrong.status_code == 401
    assert "lock the user until" in wrong.text
    right = client.post(
        "/login",
        data={"username": "locked", "password": USERS["locked"][2], "csrf_token": token},
    )
    assert right.status_code == 401
    assert "is locked after 5 failed logins" in right.text
    assert USERS["locked"][2] not in right.text


def test_a_bad_value_is_shown_next_to_its_field_and_nothing_written(
    web_server: WebServer, login: Login
) -> None:
    client = login("coord_tj")
    before = _subject_ids(client)
    form = client.get("/subjects/new").text
    answer = client.post(
        "/subjects/new",
        data={
            "csrf_token": csrf_of(form),
            "screened_on": _today(),
            "age_years": "54",
            "sex": "female",
            "labs.ast.value": "-3",
            "labs.ast.unit": "U/L",
            "labs.ast.uln": "40",
        },
    )
    assert answer.status_code == 422
    message = re.search(r'id="error-labs\.ast\.value">([^<]+)<', answer.text)
    assert message is not None
    assert "≥ 0" in message.group(1)
    assert 'name="age_years" value="54"' in answer.text
    assert '<option value="female" selected>' in answer.text
    assert _subject_ids(client) == before


def test_screening_registers_and_shows_the_failing_criterion(
    web_server: WebServer, login: Login
) -> None:
    client = login("coord_tj")
    form = client.get("/subjects/new").text
    answer = client.post(
        "/subjects/new",
        data={"csrf_token": csrf_of(form), "screened_on": _today(), "age_years": "16"},
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert 'class="criterion fail" data-criterion="age"' in page
    assert "screen failed" in page


def test_script_and_sql_are_kept_as_typed_and_shown_escaped(
    web_server: WebServer, anonymous: httpx.Client, login: Login
) -> None:
    typed = "<script>alert('x')</script>' OR 1=1 --"
    client = anonymous
    token = csrf_of(client.get("/login").text)
    refused = client.post(
        "/login", data={"username": typed, "password": "whatever-it-is", "csrf_token": token}
    )
    assert refused.status_code == 401
    assert "<script>alert" not in refused.text
    assert str(escape(typed)) in refused.text
    logged_in = login("monitor")
    search = logged_in.get("/subjects", params={"q": typed})
    assert search.status_code == 200
    assert "<script>alert" not in search.text
    assert "No subject matches" in search.text
    database = web_server.database()
    try:
        from sqlalchemy import select

        from metsor.store.models.auth import LoginAttempt

        with database.sessions() as session:
            names = session.scalars(select(LoginAttempt.username)).all()
    finally:
        database.close()
    assert typed in names


def test_another_sites_subject_is_a_404_page(web_server: WebServer, login: Login) -> None:
    (subject_id,) = consented_subjects(web_server, 1, user="coord_tj")
    other = login("coord_bj")
    assert other.get(f"/subjects/{subject_id}").status_code == 404
    assert other.get(f"/subjects/{subject_id}/randomize").status_code == 404
    assert subject_id not in _subject_ids(other)
    own = login("inv_tj")
    assert own.get(f"/subjects/{subject_id}").status_code == 200


def test_a_monitor_may_not_randomize(web_server: WebServer, login: Login) -> None:
    (subject_id,) = consented_subjects(web_server, 1, user="coord_tj")
    monitor = login("monitor")
    page = monitor.get(f"/subjects/{subject_id}")
    assert "randomize-link" not in page.text
    answer = monitor.post(
        f"/subjects/{subject_id}/randomize", data={"csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 403


def test_consent_with_a_bad_date_is_shown_again(web_server: WebServer, login: Login) -> None:
    client = login("coord_tj")
    form = client.get("/subjects/new").text
    created = client.post(
        "/subjects/new",
        data={
            "csrf_token": csrf_of(form),
            "screened_on": _today(),
            **eligible_form(),
        },
    )
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    page = client.get(location).text
    answer = client.post(
        f"{location}/consent", data={"csrf_token": csrf_of(page), "consent_date": "2099-01-01"}
    )
    assert answer.status_code == 422
    assert 'id="error-consent_date"' in answer.text
    assert "in the future" in answer.text
    assert 'value="2099-01-01"' in answer.text


def test_no_password_in_any_log_line(web_server: WebServer, login: Login) -> None:
    login("datamgr")
    output = web_server.log.read_text(errors="replace")
    for _, _, password in USERS.values():
        assert password not in output
    stored = _everything_stored(web_server)
    assert b"datamgr" in stored, "what is read holds the users' rows"
    for _, _, password in USERS.values():
        assert password.encode() not in stored


def _everything_stored(server: WebServer) -> bytes:
    """The database's bytes: the SQLite file, or every row of every PostgreSQL table as text."""
    if server.database_url.startswith("sqlite:///"):
        with open(server.database_url.removeprefix("sqlite:///"), "rb") as handle:
            return handle.read()
    database = server.database()
    try:
        with database.engine.connect() as connection:
            tables = connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
            return b"\n".join(
                (row or "").encode()
                for table in list(tables)
                for row in connection.execute(text(f'SELECT t::text FROM "{table}" t')).scalars()
            )
    finally:
        database.close()
