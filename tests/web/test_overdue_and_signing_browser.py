"""Overdue visits and the first signature of a login session in a real browser (Playwright
driving Debian's Chromium, headless), on the application served in this process with a clock
the test moves.

A subject started on treatment on day 0 misses treatment visit 1 (day 28 ± 3): on day 32 the
dashboard lists it one day overdue, and the edit checks, run from their page, raise a query
that reads "1 day overdue". An investigator logged in on the web signs from the command line's
service meanwhile: the sign-off page still asks for the user ID, and after the browser's first
signature only for the password. Screenshots of each page are saved under
``tests/web/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn

from metsor.eligibility.examples import eligible_record
from metsor.services.casebook.dosing import record_dose
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.monitoring.sdv import sdv_status, verify_entry
from metsor.services.monitoring.signatures import sign_casebook
from metsor.services.randomize import randomize_subject
from metsor.services.users import add_user
from metsor.web import WebSettings, create_app

from .conftest import ADMIN_PASSWORD, ARTIFACTS, METSOR, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytest.importorskip("playwright.sync_api")

#: Randomization day of the subject: a Monday of the trial's recruitment.
DAY0 = datetime(2016, 6, 6, 9, 0, tzinfo=UTC)
PASSWORDS = {
    "coord": "coord-overdue-password-1",
    "inv": "inv-overdue-password-1",
    "dm": "dm-overdue-password-1",
    "monitor": "monitor-overdue-password-1",
}


@dataclass
class TrialClock:
    """The trial's "now", moved by the test."""

    now: datetime = field(default=DAY0)

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Served:
    """The application served in this process: its URL, database and clock."""

    url: str
    database_url: str
    clock: TrialClock


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """A trial with one subject of site TJ randomized and started on sorafenib on DAY0,
    served by uvicorn in a thread."""
    monkeypatch.setenv("METSOR_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    url = f"sqlite:///{tmp_path / 'trial.sqlite'}"
    subprocess.run([METSOR, "db", "init", "--db", url, "--admin-password-stdin"],
                   input=ADMIN_PASSWORD.encode(), cwd=tmp_path, check=True,
                   capture_output=True)  # fmt: skip
    clock = TrialClock()
    database = Database.open(url, clock=clock)
    try:
        with unit_of_work(database, "admin") as ctx:
            add_user(ctx, username="coord", role="coordinator", site="TJ",
                     password=PASSWORDS["coord"])  # fmt: skip
            add_user(ctx, username="inv", role="investigator", site="TJ",
                     password=PASSWORDS["inv"])  # fmt: skip
            add_user(ctx, username="dm", role="data_manager", password=PASSWORDS["dm"])
            add_user(ctx, username="monitor", role="monitor", password=PASSWORDS["monitor"])
        with unit_of_work(database, "coord") as ctx:
            subject = register_subject(ctx, record=eligible_record(), screened_on=DAY0.date())
        with unit_of_work(database, "coord") as ctx:
            record_consent(ctx, subject.subject_id, consent_date=DAY0.date())
        with unit_of_work(database, "coord") as ctx:
            randomize_subject(ctx, subject.subject_id)
        with unit_of_work(database, "coord") as ctx:
            record_dose(ctx, subject_id=subject.subject_id, drug="sorafenib", event="start",
                        event_date=DAY0.date())  # fmt: skip
    finally:
        database.close()
    port = free_port()
    app = create_app(WebSettings(database_url=url, clock=clock))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the application did not start")
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", url, clock)
    server.should_exit = True
    thread.join(timeout=30)


def _page(browser: Browser, served: Served, username: str) -> Page:
    context = browser.new_context(base_url=served.url, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    return page


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_one_day_overdue_on_the_dashboard_and_in_the_edit_check_query(
    browser: Browser, served: Served
) -> None:
    served.clock.now = DAY0 + timedelta(days=32)  # treatment 1's window closed on day 31
    manager = _page(browser, served, "dm")
    row = manager.locator("#overdue-visits tbody tr")
    assert row.count() == 1
    assert "treatment 1" in row.inner_text()
    assert row.locator("td.days").inner_text() == "1"
    _shot(manager, "overdue-01-dashboard")
    manager.goto("/monitoring/checks")
    with manager.expect_navigation():
        manager.click("#checks-button")
    done = manager.inner_text("#checks-done")
    assert done.startswith("1 subject checked: ")
    assert "1 query raised" in done
    _shot(manager, "overdue-02-edit-checks-run")
    manager.goto("/subjects/TJ-001/casebook")
    queries = manager.inner_text("main")
    assert "and is not recorded: 1 day overdue" in queries
    assert "1 days" not in queries
    _shot(manager, "overdue-03-casebook-query")


def test_the_browser_s_first_signature_asks_the_user_id_after_one_from_elsewhere(
    browser: Browser, served: Served
) -> None:
    served.clock.now = DAY0 + timedelta(days=2)
    investigator = _page(browser, served, "inv")
    database = Database.open(served.database_url, clock=served.clock)
    try:  # as ``metsor sign`` does, after the browser's login
        sign_casebook(database, acting_user="inv", user_id="inv", password=PASSWORDS["inv"],
                      subject_id="TJ-001", meaning="review",
                      printed_name="Dr Tian Jin")  # fmt: skip
    finally:
        database.close()
    investigator.goto("/subjects/TJ-001/signoff")
    assert investigator.locator(".signature-valid").count() == 1
    assert investigator.locator("#sign-user_id").count() == 1
    _shot(investigator, "signing-01-first-in-the-browser")
    investigator.fill("#sign-password", PASSWORDS["inv"])
    investigator.check("input[name=meaning][value=approve]")
    with investigator.expect_navigation():
        investigator.click("#sign-button")
    assert "your user ID" in investigator.inner_text("#error-user_id")
    _shot(investigator, "signing-02-user-id-missing")
    investigator.fill("#sign-user_id", "inv")
    investigator.fill("#sign-password", PASSWORDS["inv"])
    with investigator.expect_navigation():
        investigator.click("#sign-button")
    assert investigator.locator(".signature-valid").count() == 2
    assert investigator.locator("#sign-user_id").count() == 0
    assert "your password is enough" in investigator.inner_text("#sign-form")
    _shot(investigator, "signing-03-later-password-only")


def test_a_worklist_of_one_entry_says_so(browser: Browser, served: Served) -> None:
    database = Database.open(served.database_url, clock=served.clock)
    try:
        with unit_of_work(database, "monitor", readonly=True) as ctx:
            (subject,) = sdv_status(ctx, site="TJ").subjects
        for item in subject.worklist[1:]:
            with unit_of_work(database, "monitor") as ctx:
                verify_entry(ctx, table=item.split(" ")[0], record_id=int(item.split(" ")[1]))
    finally:
        database.close()
    monitor = _page(browser, served, "monitor")
    monitor.goto("/monitoring/sdv")
    assert monitor.inner_text("#worklist-total") == "1 entry to verify."
    assert monitor.locator("#worklist tbody tr").count() == 1
    _shot(monitor, "sdv-01-one-entry-left")
