"""The web application's test server: a throwaway trial and ``metsor serve`` on it.

``web_server`` (one per test run and database) makes a trial with ``metsor db init`` in a
temporary folder (its own ``METSOR_HOME``), adds the users of :data:`USERS` (two sites: TJ and
BJ) and starts ``metsor serve`` on a free loopback port; its output is kept in ``server.log``
(copied to ``artifacts/`` at the end) to check that no password is ever written. Helpers log in
through the form or the API.

The trial is on SQLite unless a module marks itself :data:`ON_BOTH_DATABASES` (the security,
roles and exactly-once tests): its tests then also run against a server on PostgreSQL, in a
throwaway database ``metsor_web_<random>`` on the test server (see ``tests/conftest.py``),
dropped at the end of the run.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from metsor.eligibility.examples import eligible_record
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.sites import add_site
from metsor.services.users import add_user

if TYPE_CHECKING:
    from playwright.sync_api import Browser

METSOR = str(Path(sys.executable).with_name("metsor"))
ADMIN_PASSWORD = "admin-password-0001"

#: username → (role, site, password) of the test trial's users.
USERS: dict[str, tuple[str, str | None, str]] = {
    "coord_tj": ("coordinator", "TJ", "coord-tj-password-1"),
    "inv_tj": ("investigator", "TJ", "inv-tj-password-1"),
    "coord_bj": ("coordinator", "BJ", "coord-bj-password-1"),
    "monitor": ("monitor", None, "monitor-password-1"),
    "datamgr": ("data_manager", None, "datamgr-password-1"),
    "stat": ("statistician", None, "stat-password-1"),
    "locked": ("coordinator", "TJ", "locked-password-1"),
}

#: Marks a module whose tests run against a server on SQLite and one on PostgreSQL.
ON_BOTH_DATABASES = pytest.mark.parametrize(
    "web_server", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)

ARTIFACTS = Path(__file__).parent / "artifacts"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class WebServer:
    """A running ``metsor serve``: its URL, database, folder and log file."""

    url: str
    database_url: str
    home: Path
    log: Path

    def database(self) -> Database:
        """The trial database, opened in this process with the server's audit key (close it)."""
        previous = os.environ.get("METSOR_HOME")
        os.environ["METSOR_HOME"] = str(self.home)
        try:
            return Database.open(self.database_url)
        finally:
            if previous is None:
                os.environ.pop("METSOR_HOME", None)
            else:
                os.environ["METSOR_HOME"] = previous


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("METSOR_")}
    env["METSOR_HOME"] = str(home)
    return env


def start_server(
    tmp: Path, *extra: str, database_url: str | None = None
) -> tuple[WebServer, subprocess.Popen[bytes]]:
    """Initialise a trial in ``tmp`` (or at ``database_url``) and serve it; the caller stops
    the process."""
    home = tmp / "home"
    home.mkdir()
    database_url = database_url or f"sqlite:///{tmp / 'trial.sqlite'}"
    env = _environment(home)
    subprocess.run(
        [METSOR, "db", "init", "--db", database_url, "--admin-password-stdin"],
        input=ADMIN_PASSWORD.encode(),
        env=env,
        cwd=tmp,
        check=True,
        capture_output=True,
    )
    database = WebServer(url="", database_url=database_url, home=home, log=Path()).database()
    try:
        with unit_of_work(database, "admin") as ctx:
            add_site(ctx, name="Peking Union Medical College Hospital", code="BJ")
            for username, (role, site, password) in USERS.items():
                add_user(ctx, username=username, role=role, site=site, password=password)
    finally:
        database.close()
    port = free_port()
    log = tmp / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [METSOR, "serve", "--db", database_url, "--port", str(port), *extra],
            env=env,
            cwd=tmp,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/login", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"metsor serve did not start: {log.read_text()}")
    return WebServer(url=url, database_url=database_url, home=home, log=log), process


@pytest.fixture(scope="session", params=["sqlite"])
def web_server(request: pytest.FixtureRequest) -> Iterator[WebServer]:
    """``metsor serve`` on a fresh trial, shared by the web tests of the run (per database).

    Each test makes the subjects it needs and asserts on those only. The trial lives in a
    temporary folder of its own, not under pytest's numbered folders, which a concurrent
    pytest run may prune while this server still uses them.
    """
    with serving(request, "server") as server:
        yield server


@contextmanager
def serving(request: pytest.FixtureRequest, name: str) -> Iterator[WebServer]:
    """A fresh trial served on ``request.param``'s database (``sqlite`` or ``postgresql``);
    its log is copied to ``artifacts/<name>.log`` (``<name>-postgresql.log``) at the end."""
    backend = str(request.param)
    postgres: Any = None
    dbname = f"metsor_web_{secrets.token_hex(6)}"
    database_url = None
    if backend == "postgresql":
        postgres = request.getfixturevalue("postgres_server")
        postgres.create(dbname)
        database_url = postgres.url(dbname)
    try:
        with tempfile.TemporaryDirectory(prefix="metsor-web-") as folder:
            server, process = start_server(Path(folder), database_url=database_url)
            try:
                yield server
            finally:
                process.terminate()
                process.wait(timeout=10)
                ARTIFACTS.mkdir(exist_ok=True)
                log = f"{name}.log" if backend == "sqlite" else f"{name}-{backend}.log"
                shutil.copyfile(server.log, ARTIFACTS / log)
    finally:
        if postgres is not None:
            postgres.drop(dbname)


def eligible_form() -> dict[str, str]:
    """The example eligible record as the screening form's fields (``labs.albumin_g_dl``,
    yes/no for a truth value)."""
    flat: dict[str, str] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            elif isinstance(value, bool):
                flat[f"{prefix}{key}"] = "yes" if value else "no"
            else:
                flat[f"{prefix}{key}"] = str(value)

    walk(eligible_record(), "")
    return flat


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = _CSRF.search(html)
    assert match is not None, "the page has no CSRF token"
    return match.group(1)


def browser_login(
    server: WebServer, username: str, password: str | None = None, *, client: httpx.Client
) -> httpx.Client:
    """``client`` logged in through the login form (cookies kept)."""
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={
            "username": username,
            "password": password or USERS[username][2],
            "csrf_token": token,
        },
    )
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def login(web_server: WebServer) -> Iterator[Callable[[str], httpx.Client]]:
    """``login(username)``: a new client logged in through the form, closed after the test."""
    clients: list[httpx.Client] = []

    def open_client(username: str) -> httpx.Client:
        client = httpx.Client(base_url=web_server.url, timeout=30)
        clients.append(client)
        return browser_login(web_server, username, client=client)

    yield open_client
    for client in clients:
        client.close()


@pytest.fixture
def anonymous(web_server: WebServer) -> Iterator[httpx.Client]:
    """A client that has not logged in, closed after the test."""
    with httpx.Client(base_url=web_server.url, timeout=30) as client:
        yield client


def api_token(server: WebServer, username: str) -> dict[str, str]:
    """Authorization headers with a fresh bearer token of ``username``."""
    answer = httpx.post(
        f"{server.url}/api/v1/auth/token",
        data={"username": username, "password": USERS[username][2]},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def consented_subjects(
    server: WebServer, count: int, *, user: str = "coord_tj", **changes: Any
) -> list[str]:
    """Register and consent ``count`` eligible subjects today (services, one transaction each)."""
    record = eligible_record()
    record.update(changes)
    today = datetime.now(UTC).date()
    database = server.database()
    ids = []
    try:
        for _ in range(count):
            with unit_of_work(database, user) as ctx:
                subject_id = register_subject(ctx, record=record, screened_on=today).subject_id
            with unit_of_work(database, user) as ctx:
                record_consent(ctx, subject_id, consent_date=today)
            ids.append(subject_id)
    finally:
        database.close()
    return ids


CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium, which the browser tests drive (never a downloaded browser)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium for a module's browser tests."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()
