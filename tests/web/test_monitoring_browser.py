"""Monitoring and sign-off in a real browser: Playwright driving Debian's Chromium, headless.

A monitor verifies two laboratory values from the SDV worklist; a coordinator corrects one; the
monitor sees it to verify again, with the correction that cleared it. An investigator signs the
casebook (user ID and password: the session's first signature), a correction voids the
signature and the casebook shows why, and the investigator signs again (the password only).
A data manager sees the freeze and lock, edit check and audit trail pages. Screenshots of each
page are saved under ``tests/web/artifacts/`` (ignored by git).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from metsor.services.casebook import correct_value, record_lab
from metsor.services.context import unit_of_work
from metsor.services.randomize import randomize_subject

from .conftest import ARTIFACTS, USERS, WebServer, consented_subjects

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium (Debian's package; never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


def _page(browser: object, server: WebServer) -> object:
    context = browser.new_context(base_url=server.url, viewport={"width": 1360, "height": 900})  # type: ignore[attr-defined]
    return context.new_page()


def _login(page: object, username: str) -> None:
    page.goto("/login")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", USERS[username][2])  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/")  # type: ignore[attr-defined]


def _shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _subject_with_two_labs(server: WebServer) -> tuple[str, int, int]:
    (subject_id,) = consented_subjects(server, 1)
    today = datetime.now(UTC).date()
    database = server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            randomize_subject(ctx, subject_id)
        with unit_of_work(database, "coord_tj") as ctx:
            first = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=38,
                               unit="g/L", collected_on=today).id  # fmt: skip
            second = record_lab(ctx, subject_id=subject_id, analyte="total_bilirubin", value=15,
                                unit="umol/L", uln=21, collected_on=today).id  # fmt: skip
    finally:
        database.close()
    return subject_id, first, second


def _coordinator_corrects(server: WebServer, lab: int, value: float, reason: str) -> None:
    """The coordinator's correction, through the casebook service (audited as coord_tj)."""
    database = server.database()
    try:
        with unit_of_work(database, "coord_tj") as ctx:
            correct_value(ctx, table="lab_results", record_id=lab, field="value", value=value,
                          reason=reason)  # fmt: skip
    finally:
        database.close()


def test_verify_correct_unverified_sign_void_sign_again(
    browser: object, web_server: WebServer
) -> None:
    subject_id, first, second = _subject_with_two_labs(web_server)
    monitor = _page(browser, web_server)
    _login(monitor, "monitor")
    monitor.click("nav.nav >> text=Monitoring")  # type: ignore[attr-defined]
    monitor.wait_for_selector("#worklist")  # type: ignore[attr-defined]
    _shot(monitor, "monitoring-01-sdv-worklist")
    monitor.click(f"#sdv-{subject_id} a")  # type: ignore[attr-defined]
    monitor.wait_for_selector("#entries")  # type: ignore[attr-defined]
    for lab in (first, second):
        with monitor.expect_navigation():  # type: ignore[attr-defined]
            monitor.click(f"#verify-lab_results-{lab}")  # type: ignore[attr-defined]
        assert monitor.locator(f"#verify-lab_results-{lab}").count() == 0  # type: ignore[attr-defined]
    for lab in (first, second):
        row = monitor.locator(f"#lab_results-{lab}")  # type: ignore[attr-defined]
        assert "verified" in row.get_attribute("class")
        assert "by monitor on" in row.inner_text()
    _shot(monitor, "monitoring-02-sdv-verified")

    _coordinator_corrects(web_server, first, 36, "the source document says 36 g/L")
    monitor.reload()  # type: ignore[attr-defined]
    row = monitor.locator(f"#lab_results-{first}")  # type: ignore[attr-defined]
    assert row.get_attribute("class") == "entry-to_verify"
    assert f"cleared by the correction of lab {first} (value)" in row.inner_text()
    assert "the source document says 36 g/L" in row.inner_text()
    assert monitor.locator(f"#lab_results-{second}").get_attribute("class") == "entry-verified"  # type: ignore[attr-defined]
    assert monitor.locator(f"#verify-lab_results-{first}").count() == 1  # type: ignore[attr-defined]
    _shot(monitor, "monitoring-03-sdv-cleared-by-correction")

    investigator = _page(browser, web_server)
    _login(investigator, "inv_tj")
    investigator.goto(f"/subjects/{subject_id}/casebook")  # type: ignore[attr-defined]
    assert "Not signed." in investigator.inner_text("#signatures")  # type: ignore[attr-defined]
    investigator.click("#sign-link")  # type: ignore[attr-defined]
    investigator.wait_for_selector("#sign-form")  # type: ignore[attr-defined]
    investigator.fill("#sign-printed_name", "Dr Tian Jin")  # type: ignore[attr-defined]
    investigator.fill("#sign-user_id", "inv_tj")  # type: ignore[attr-defined]
    investigator.fill("#sign-password", USERS["inv_tj"][2])  # type: ignore[attr-defined]
    investigator.check("input[name=meaning][value=approve]")  # type: ignore[attr-defined]
    _shot(investigator, "monitoring-04-signing")
    investigator.click("#sign-button")  # type: ignore[attr-defined]
    investigator.wait_for_selector(".signature-valid")  # type: ignore[attr-defined]
    signed = investigator.inner_text(".signature-valid")  # type: ignore[attr-defined]
    assert "Dr Tian Jin" in signed
    assert "I have reviewed and approve these data" in signed
    _shot(investigator, "monitoring-05-signed")

    _coordinator_corrects(web_server, second, 17, "transcription error")
    investigator.goto(f"/subjects/{subject_id}/casebook")  # type: ignore[attr-defined]
    voided = investigator.inner_text(".signature-voided").lower()  # type: ignore[attr-defined]
    assert f"voided by the correction of lab {second} (value)" in voided
    assert "transcription error" in voided
    assert investigator.locator(".signature-valid").count() == 0  # type: ignore[attr-defined]
    _shot(investigator, "monitoring-06-casebook-signature-voided")
    investigator.click("#sign-link")  # type: ignore[attr-defined]
    investigator.wait_for_selector("#sign-form")  # type: ignore[attr-defined]
    assert investigator.locator("#sign-user_id").count() == 0  # type: ignore[attr-defined]
    investigator.fill("#sign-password", USERS["inv_tj"][2])  # type: ignore[attr-defined]
    investigator.click("#sign-button")  # type: ignore[attr-defined]
    investigator.wait_for_selector(".signature-valid")  # type: ignore[attr-defined]
    assert investigator.locator(".signature-valid").count() == 1  # type: ignore[attr-defined]
    assert investigator.locator(".signature-voided").count() == 1  # type: ignore[attr-defined]
    _shot(investigator, "monitoring-07-signed-again")

    manager = _page(browser, web_server)
    _login(manager, "datamgr")
    manager.goto("/monitoring/locks")  # type: ignore[attr-defined]
    manager.fill("#lock-target", subject_id)  # type: ignore[attr-defined]
    manager.fill("#lock-reason", "cleaning before the interim look")  # type: ignore[attr-defined]
    manager.click("#lock-button")  # type: ignore[attr-defined]
    manager.wait_for_selector("#lock-done")  # type: ignore[attr-defined]
    assert "is now frozen" in manager.inner_text("#lock-done")  # type: ignore[attr-defined]
    _shot(manager, "monitoring-08-freeze")
    manager.goto("/monitoring/checks")  # type: ignore[attr-defined]
    manager.click("#checks-button")  # type: ignore[attr-defined]
    manager.wait_for_selector("#checks-done")  # type: ignore[attr-defined]
    _shot(manager, "monitoring-09-edit-checks")
    manager.goto("/monitoring/audit")  # type: ignore[attr-defined]
    _shot(manager, "monitoring-10-audit-trail")
    with manager.expect_download() as download:  # type: ignore[attr-defined]
        manager.click("#audit-download")  # type: ignore[attr-defined]
    assert download.value.suggested_filename == "audit-trail.csv"
