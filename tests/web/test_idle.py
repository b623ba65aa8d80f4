"""The idle time-out: kept in the database, it holds across a restart and between workers.

A session unused for longer than the time-out (30 minutes by default) is ended, audited as a
logout. The last request of each session is stored (``session_activity``), so a new process on
the same database — the server restarted, or another worker — knows it. Each test runs on
SQLite and on PostgreSQL, with a clock the test moves forward (no waiting).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from metsor.services.allocation_seed import SeedSource
from metsor.services.authentication import open_session, token_digest
from metsor.services.context import Database
from metsor.services.session_activity import ACTIVITY_RESOLUTION, ActivityRecorder
from metsor.services.setup import initialize
from metsor.store.audit import field_entries
from metsor.store.models.auth import LoginSession, SessionActivity
from metsor.web import WebSettings, create_app

from .conftest import free_port

PASSWORD = "admin-password-0001"
IDLE = timedelta(minutes=30)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Clock:
    """The trial's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def trial_url(database_url: str, clock: Clock) -> str:
    """An initialised trial whose administrator has :data:`PASSWORD`."""
    database = Database.open(database_url, clock=clock)
    try:
        initialize(database, admin_password=PASSWORD, seed=SeedSource(bytes(range(32)), "tests"))
    finally:
        database.close()
    return database_url


@contextmanager
def _app(url: str, clock: Clock) -> Iterator[httpx.Client]:
    """A new server (its own process state and CSRF secret) on the trial, and a client of it."""
    app = create_app(WebSettings(database_url=url, idle_timeout=IDLE, clock=clock))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the server did not start"
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _log_in(client: httpx.Client) -> str:
    """Log ``admin`` in through the form; the session cookie's value."""
    match = _CSRF.search(client.get("/login").text)
    assert match is not None
    answer = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": match.group(1)},
    )
    assert answer.status_code == 303, answer.text
    return str(answer.cookies["metsor_session"])


def _get(client: httpx.Client, cookie: str) -> httpx.Response:
    """The subject list requested with the session cookie only."""
    client.cookies.clear()
    return client.get("/subjects", headers={"Cookie": f"metsor_session={cookie}"})


def _page(client: httpx.Client, cookie: str) -> int:
    return _get(client, cookie).status_code


def _login_session(url: str, cookie: str) -> LoginSession:
    database = Database.open(url)
    try:
        with database.sessions() as session:
            digest = token_digest(cookie.split(":", 1)[1])
            return session.scalars(
                select(LoginSession).where(LoginSession.token_digest == digest)
            ).one()
    finally:
        database.close()


def _logouts(url: str) -> int:
    database = Database.open(url)
    try:
        with database.sessions() as session:
            entries = field_entries(session, table="login_sessions", field="end_reason")
            return sum(1 for e in entries if "logout" in str(e.new_value))
    finally:
        database.close()


def test_the_time_out_holds_across_a_restart(trial_url: str, clock: Clock) -> None:
    with _app(trial_url, clock) as before:
        cookie = _log_in(before)
        clock.advance(minutes=5)
        assert _page(before, cookie) == 200
    # The server restarts: a new application, a new process's memory.
    clock.advance(minutes=29)
    with _app(trial_url, clock) as after:
        assert _page(after, cookie) == 200, "29 minutes idle: the session goes on"
    clock.advance(minutes=31)
    with _app(trial_url, clock) as restarted:
        answer = _get(restarted, cookie)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login"
    login = _login_session(trial_url, cookie)
    assert login.end_reason == "logout"
    assert login.ended_at == START + timedelta(minutes=65)
    assert _logouts(trial_url) == 1
    with _app(trial_url, clock) as again:
        assert _page(again, cookie) == 303, "an ended session stays ended"


def test_two_workers_share_the_last_request(trial_url: str, clock: Clock) -> None:
    with _app(trial_url, clock) as one, _app(trial_url, clock) as two:
        cookie = _log_in(one)
        clock.advance(minutes=25)
        assert _page(two, cookie) == 200
        clock.advance(minutes=25)
        assert _page(one, cookie) == 200, "the other worker's request kept the session"
        clock.advance(minutes=30, seconds=30)
        assert _page(two, cookie) == 303
    assert _login_session(trial_url, cookie).end_reason == "logout"


def test_a_form_served_by_one_worker_is_accepted_by_another(trial_url: str, clock: Clock) -> None:
    with _app(trial_url, clock) as one, _app(trial_url, clock) as two:
        form = one.get("/login")
        match = _CSRF.search(form.text)
        assert match is not None
        two.cookies.clear()
        answer = two.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": match.group(1)},
            headers={"Cookie": f"metsor_presession={form.cookies['metsor_presession']}"},
        )
        assert answer.status_code == 303, "the CSRF key is the same in every worker"
        forged = two.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": "0" * 40},
            headers={"Cookie": f"metsor_presession={form.cookies['metsor_presession']}"},
        )
        assert forged.status_code == 403


def test_requests_within_the_resolution_are_recorded_once(trial_url: str, clock: Clock) -> None:
    database = Database.open(trial_url, clock=clock)
    try:
        ticket = open_session(database, "admin", PASSWORD)
        recorder = ActivityRecorder(database, IDLE)

        def request() -> bool:
            return recorder.note_request("admin", ticket.token)

        def recorded() -> datetime | None:
            with database.sessions() as session:
                return session.scalars(select(SessionActivity.last_request_at)).one_or_none()

        assert request()
        assert recorded() is None, "a request just after the login writes nothing"
        clock.advance(seconds=ACTIVITY_RESOLUTION.total_seconds())
        assert request()
        assert recorded() == clock.now
        seen = clock.now
        clock.advance(seconds=ACTIVITY_RESOLUTION.total_seconds() / 2)
        assert request()
        assert recorded() == seen
        clock.now = seen + IDLE + ACTIVITY_RESOLUTION
        assert request(), "never ended before the time-out: the real last request may be later"
        latest = recorded()
        assert latest == clock.now
        clock.now = latest + IDLE + ACTIVITY_RESOLUTION + timedelta(seconds=1)
        assert not request()
    finally:
        database.close()


def test_another_workers_request_is_read_before_a_session_is_ended(
    trial_url: str, clock: Clock
) -> None:
    database = Database.open(trial_url, clock=clock)
    try:
        ticket = open_session(database, "admin", PASSWORD)
        here, there = ActivityRecorder(database, IDLE), ActivityRecorder(database, IDLE)
        assert here.note_request("admin", ticket.token)
        clock.advance(minutes=20)
        assert there.note_request("admin", ticket.token)
        clock.advance(minutes=20)
        assert here.note_request("admin", ticket.token), "what it remembers is only a bound"
        clock.advance(minutes=31)
        assert not there.note_request("admin", ticket.token)
    finally:
        database.close()


def test_a_session_opened_elsewhere_counts_from_its_opening(trial_url: str, clock: Clock) -> None:
    database = Database.open(trial_url, clock=clock)
    try:
        ticket = open_session(database, "admin", PASSWORD)
        clock.advance(minutes=31)
        assert not ActivityRecorder(database, IDLE).note_request("admin", ticket.token)
    finally:
        database.close()
