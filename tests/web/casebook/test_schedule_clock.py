"""The visit schedule as the trial's days pass: the application served in this process (uvicorn
in a thread, on a loopback port) with a clock the test moves. A treatment visit is upcoming,
then due once its window opens, then overdue on the casebook and the dashboard once it closes,
and done when recorded through the form.

(Starlette's TestClient is not used: with this Starlette it needs ``httpx2``, and warns.)
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from metsor.eligibility.examples import eligible_record
from metsor.services.casebook.dosing import record_dose
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject
from metsor.services.users import add_user
from metsor.web import WebSettings, create_app

from ..conftest import ADMIN_PASSWORD, METSOR, csrf_of, free_port

PASSWORD = "coord-clock-password-1"

#: Randomization day of the subject: a Monday of the trial's recruitment.
DAY0 = datetime(2016, 6, 6, 9, 0, tzinfo=UTC)


@dataclass
class TrialClock:
    """The trial's "now", moved by the test."""

    now: datetime = field(default=DAY0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def trial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, TrialClock]:
    """A trial database with a coordinator of site TJ and one subject randomized on DAY0
    and started on sorafenib that day; its clock."""
    monkeypatch.setenv("METSOR_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    url = f"sqlite:///{tmp_path / 'trial.sqlite'}"
    subprocess.run(
        [METSOR, "db", "init", "--db", url, "--admin-password-stdin"],
        input=ADMIN_PASSWORD.encode(),
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    clock = TrialClock()
    database = Database.open(url, clock=clock)
    try:
        with unit_of_work(database, "admin") as ctx:
            add_user(ctx, username="coord", role="coordinator", site="TJ", password=PASSWORD)
        with unit_of_work(database, "coord") as ctx:
            subject = register_subject(ctx, record=eligible_record(), screened_on=DAY0.date())
        with unit_of_work(database, "coord") as ctx:
            record_consent(ctx, subject.subject_id, consent_date=DAY0.date())
        with unit_of_work(database, "coord") as ctx:
            randomize_subject(ctx, subject.subject_id)
        with unit_of_work(database, "coord") as ctx:
            record_dose(
                ctx, subject_id=subject.subject_id, drug="sorafenib", event="start",
                event_date=DAY0.date(),
            )  # fmt: skip
    finally:
        database.close()
    return url, clock


@pytest.fixture
def on(trial: tuple[str, TrialClock]) -> Iterator[Callable[[int], httpx.Client]]:
    """``on(day)``: a client of the application, logged in as the coordinator on day ``day``
    of the trial (the application's clock moved there)."""
    url, clock = trial
    port = free_port()
    app = create_app(WebSettings(database_url=url, clock=clock))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the application did not start")
        time.sleep(0.05)

    clients: list[httpx.Client] = []

    def client_on(day: int) -> httpx.Client:
        clock.now = DAY0 + timedelta(days=day)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        clients.append(client)
        token = csrf_of(client.get("/login").text)
        login = client.post(
            "/login", data={"username": "coord", "password": PASSWORD, "csrf_token": token}
        )
        assert login.status_code == 303, login.text
        return client

    yield client_on
    for client in clients:
        client.close()
    server.should_exit = True
    thread.join(timeout=30)


def _status(client: httpx.Client, visit: str) -> str:
    rows = client.get("/subjects/TJ-001/casebook").text
    marker = f'data-visit="{visit}"'
    assert marker in rows, rows
    row = rows[rows.index(marker) :]
    status: str = row[row.index('class="status visit-status-') :].split(">", 1)[1]
    return status.split("<", 1)[0]


def test_a_treatment_visit_becomes_due_then_overdue_then_done(
    on: Callable[[int], httpx.Client],
) -> None:
    client = on(20)
    assert _status(client, "treatment:1") == "upcoming"  # day 28 ± 3
    assert "No visit is overdue." in client.get("/").text
    client = on(25)
    assert _status(client, "treatment:1") == "due"
    client = on(32)
    assert _status(client, "treatment:1") == "overdue"
    dashboard = client.get("/").text
    assert '<a href="/subjects/TJ-001/casebook">TJ-001</a>' in dashboard
    assert "treatment 1" in dashboard
    page = client.get("/subjects/TJ-001/casebook/visits").text
    visit = client.post(
        "/subjects/TJ-001/casebook/visits",
        data={
            "csrf_token": csrf_of(page),
            "visit_type": "treatment",
            "actual_date": (DAY0 + timedelta(days=32)).date().isoformat(),
        },
    )
    assert visit.status_code == 303, visit.text
    assert _status(client, "treatment:1") == "done"
    assert _status(client, "treatment:2") == "upcoming"
    visits = client.get("/subjects/TJ-001/casebook/visits").text
    assert "field=in_window" in visits
    assert 'field=in_window" title="Audit history">no</a>' in visits  # day 32: late


def test_an_overdue_visit_marked_not_done_leaves_the_overdue_list(
    on: Callable[[int], httpx.Client],
) -> None:
    """The casebook's small form on an overdue row: a blank reason is shown beside the field
    and nothing is written; with a reason the row reads "not done" with it, the dashboard and
    the JSON API's overdue list drop it, and the next treatment visit is the one expected."""
    client = on(32)
    page = client.get("/subjects/TJ-001/casebook").text
    assert 'action="/subjects/TJ-001/casebook/missed-visits"' in page
    form = {"csrf_token": csrf_of(page), "visit_type": "treatment", "number": "1"}
    blank = client.post("/subjects/TJ-001/casebook/missed-visits", data={**form, "reason": " "})
    assert blank.status_code == 422
    reason_field = blank.text.split('for="missed-reason-treatment-1"')[0].rsplit("<div", 1)[1]
    assert 'class="field invalid"' in reason_field
    assert "Field required" in blank.text
    assert _status(client, "treatment:1") == "overdue"
    missed_on = (DAY0 + timedelta(days=28)).date().isoformat()
    marked = client.post(
        "/subjects/TJ-001/casebook/missed-visits",
        data={**form, "reason": "admitted to hospital with pneumonia", "missed_on": missed_on},
    )
    assert marked.status_code == 303, marked.text
    assert _status(client, "treatment:1") == "not done"
    assert _status(client, "treatment:2") == "upcoming"
    page = client.get("/subjects/TJ-001/casebook").text
    assert '<span class="visit-reason">admitted to hospital with pneumonia</span>' in page
    assert f"missed {missed_on}" in page
    assert "No visit is overdue." in client.get("/").text
    token = client.post("/api/v1/auth/token", data={"username": "coord", "password": PASSWORD})
    assert token.status_code == 200, token.text
    api = {"Authorization": f"Bearer {token.json()['access_token']}"}
    schedule = client.get("/api/v1/subjects/TJ-001/schedule", headers=api)
    assert schedule.status_code == 200, schedule.text
    row = next(r for r in schedule.json() if (r["visit_type"], r["number"]) == ("treatment", 1))
    assert (row["status"], row["reason"], row["actual"]) == (
        "not done", "admitted to hospital with pneumonia", missed_on
    )  # fmt: skip
    assert client.get("/api/v1/visits/overdue", headers=api).json() == []
    again = client.post(
        "/api/v1/subjects/TJ-001/missed-visits", headers=api,
        json={"visit_type": "treatment", "number": 1, "reason": "twice"},
    )  # fmt: skip
    assert again.status_code == 409, again.text
    assert "already recorded as not done" in again.text
    future = client.post(
        "/api/v1/subjects/TJ-001/missed-visits", headers=api,
        json={"visit_type": "tumour_assessment", "number": 1, "reason": "refused"},
    )  # fmt: skip
    assert future.status_code == 422, future.text  # planned on day 56, in the future
    assert "missed_on" in future.text
