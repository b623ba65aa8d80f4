"""The administration pages: sites and users managed by an administrator, audited, 403 else.

A password the application generates is shown once, on the page that answers the change, and
never again (nor in the server's log); a refused change shows the page again with the message
by the form, and nothing is written.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import select

from metsor.store.audit import FieldEntry, field_entries
from metsor.store.models.core import Site, User

from .conftest import ADMIN_PASSWORD, ON_BOTH_DATABASES, USERS, WebServer, browser_login, csrf_of

pytestmark = ON_BOTH_DATABASES

_SHOWN = re.compile(r'<code class="secret" id="new-password">([^<]+)</code>')

Client = Callable[[str, str | None], httpx.Client]


@pytest.fixture
def client(web_server: WebServer) -> Iterator[Client]:
    """``client(username, password)``: a browser logged in through the form."""
    opened: list[httpx.Client] = []

    def open_client(username: str, password: str | None = None) -> httpx.Client:
        browser = httpx.Client(base_url=web_server.url, timeout=60)
        opened.append(browser)
        if username == "admin":
            password = ADMIN_PASSWORD
        return browser_login(web_server, username, password, client=browser)

    yield open_client
    for browser in opened:
        browser.close()


def _post(browser: httpx.Client, path: str, **data: str) -> httpx.Response:
    token = csrf_of(browser.get("/admin/users").text) if "csrf_token" not in data else ""
    return browser.post(path, data={"csrf_token": token, **data} if token else data)


def _name() -> str:
    return f"u{secrets.token_hex(4)}"


def _user(server: WebServer, username: str) -> User | None:
    database = server.database()
    try:
        with database.sessions() as session:
            return session.scalars(select(User).where(User.username == username)).one_or_none()
    finally:
        database.close()


def _audit(server: WebServer, table: str, field: str) -> list[FieldEntry]:
    database = server.database()
    try:
        with database.sessions() as session:
            return list(field_entries(session, table=table, field=field))
    finally:
        database.close()


def _can_log_in(server: WebServer, username: str, password: str) -> bool:
    with httpx.Client(base_url=server.url, timeout=60) as browser:
        token = csrf_of(browser.get("/login").text)
        answer = browser.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        return answer.status_code == 303


def test_admin_adds_a_user_whose_password_is_shown_once(
    web_server: WebServer, client: Client
) -> None:
    admin = client("admin", None)
    username = _name()
    page = _post(admin, "/admin/users", username=username, role="coordinator", site="BJ")
    assert page.status_code == 200
    assert f"user {username} added (coordinator)" in page.text
    shown = _SHOWN.search(page.text)
    assert shown is not None
    password = shown.group(1)
    assert len(password) >= 20
    assert _can_log_in(web_server, username, password)
    listing = admin.get("/admin/users").text
    assert f'id="user-{username}"' in listing
    assert password not in listing, "the password is shown only once"
    assert password not in web_server.log.read_text(errors="replace")
    added = _user(web_server, username)
    assert added is not None
    assert added.role == "coordinator"
    assert password not in (added.password_hash or "")
    added_rows = [
        row for row in _audit(web_server, "users", "username") if username in (row.new_value or "")
    ]
    assert len(added_rows) == 1
    assert added_rows[0].actor == "admin"
    assert added_rows[0].reason == "user added"


def test_role_change_reset_and_deactivation_are_audited_with_their_reason(
    web_server: WebServer, client: Client
) -> None:
    admin = client("admin", None)
    username = _name()
    added = _post(admin, "/admin/users", username=username, role="coordinator", site="TJ")
    first = _SHOWN.search(added.text)
    assert first is not None
    user_browser = client(username, first.group(1))
    assert user_browser.get("/subjects").status_code == 200

    changed = _post(
        admin, f"/admin/users/{username}/role", role="investigator", site="BJ", reason="moved"
    )
    assert f"user {username} is now investigator, site BJ" in changed.text
    role_rows = _audit(web_server, "users", "role")
    assert role_rows[-1].actor == "admin"
    assert role_rows[-1].reason == "moved"

    reset = _post(admin, f"/admin/users/{username}/password", reason="forgotten")
    second = _SHOWN.search(reset.text)
    assert second is not None
    assert second.group(1) != first.group(1)
    assert user_browser.get("/subjects").status_code == 303, "a reset ends the open sessions"
    assert not _can_log_in(web_server, username, first.group(1))
    assert _can_log_in(web_server, username, second.group(1))
    assert _audit(web_server, "users", "password_hash")[-1].reason == "forgotten"

    gone = _post(admin, f"/admin/users/{username}/deactivate", reason="left the trial")
    assert f"user {username} deactivated" in gone.text
    user = _user(web_server, username)
    assert user is not None
    assert not user.active
    assert not _can_log_in(web_server, username, second.group(1))
    active_rows = _audit(web_server, "users", "active")
    assert active_rows[-1].reason == "left the trial"
    assert active_rows[-1].actor == "admin"


@pytest.mark.parametrize(
    ("fields", "status", "field", "message"),
    [
        ({"username": "Bad Name", "role": "coordinator", "site": "TJ"}, 422, "username",
         "must be 2–64 lower-case"),
        ({"username": "newcoord", "role": "coordinator", "site": ""}, 422, "site",
         "needs a site"),
        ({"username": "newboss", "role": "emperor", "site": ""}, 422, "role", "is not one of"),
        ({"username": "coord_tj", "role": "coordinator", "site": "TJ"}, 409, "username",
         "already exists"),
        ({"username": "newsite", "role": "coordinator", "site": "XX"}, 404, "site", "no site"),
    ],
)  # fmt: skip
def test_a_refused_user_is_shown_again_with_the_message_and_nothing_written(
    web_server: WebServer,
    client: Client,
    fields: dict[str, str],
    status: int,
    field: str,
    message: str,
) -> None:
    admin = client("admin", None)
    before = _user(web_server, fields["username"])
    answer = _post(admin, "/admin/users", **fields)
    assert answer.status_code == status
    assert f'id="error-{field}"' in answer.text
    assert message in answer.text
    assert not _SHOWN.search(answer.text), "no password is shown for a refused user"
    after = _user(web_server, fields["username"])
    assert (before is None) == (after is None)


def test_the_last_administrator_keeps_the_role(web_server: WebServer, client: Client) -> None:
    admin = client("admin", None)
    answer = _post(admin, "/admin/users/admin/role", role="monitor", site="")
    assert answer.status_code == 409
    assert "only active administrator" in answer.text
    user = _user(web_server, "admin")
    assert user is not None
    assert user.role == "admin"


def test_admin_adds_a_site(web_server: WebServer, client: Client) -> None:
    admin = client("admin", None)
    code = "S" + secrets.token_hex(2).upper().replace("0", "A")[:4]
    token = csrf_of(admin.get("/admin/sites").text)
    answer = admin.post(
        "/admin/sites", data={"csrf_token": token, "name": f"Hospital {code}", "code": code}
    )
    assert answer.status_code == 200
    assert f"site {code} (Hospital {code}) added" in answer.text
    assert f"<td>{code}</td>" in admin.get("/admin/sites").text
    assert _audit(web_server, "sites", "code")[-1].actor == "admin"
    again = admin.post("/admin/sites", data={"csrf_token": token, "name": "Another", "code": code})
    assert again.status_code == 409
    assert 'id="error-site"' in again.text
    bad = admin.post("/admin/sites", data={"csrf_token": token, "name": "Bad", "code": "1x"})
    assert bad.status_code == 422
    assert 'id="error-code"' in bad.text
    assert 'value="Bad"' in bad.text, "the other values are kept"
    database = web_server.database()
    try:
        with database.sessions() as session:
            names = set(session.scalars(select(Site.name)))
    finally:
        database.close()
    assert "Another" not in names
    assert "Bad" not in names


@pytest.mark.parametrize("username", ["coord_tj", "inv_tj", "monitor", "datamgr", "stat"])
def test_other_roles_are_refused(web_server: WebServer, client: Client, username: str) -> None:
    browser = client(username, USERS[username][2])
    assert browser.get("/admin/users").status_code == 403
    assert browser.get("/admin/sites").status_code == 403
    token = csrf_of(browser.get("/").text)
    added = browser.post(
        "/admin/users",
        data={"csrf_token": token, "username": _name(), "role": "admin", "site": ""},
    )
    assert added.status_code == 403
    assert (
        browser.post(
            "/admin/sites", data={"csrf_token": token, "name": "Rogue", "code": "RG"}
        ).status_code
        == 403
    )
    assert (
        browser.post("/admin/users/admin/password", data={"csrf_token": token}).status_code == 403
    )
    assert 'href="/admin/users"' not in browser.get("/").text


def test_an_admin_form_without_its_csrf_token_is_refused(
    web_server: WebServer, client: Client
) -> None:
    admin = client("admin", None)
    username = _name()
    answer = admin.post("/admin/users", data={"username": username, "role": "monitor", "site": ""})
    assert answer.status_code == 403
    assert _user(web_server, username) is None
