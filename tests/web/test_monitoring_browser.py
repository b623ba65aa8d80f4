"""Monitoring and sign-off in a real browser: Playwright driving Debian's Chromium, headless.

A monitor verifies two laboratory values on the SDV page; a coordinator corrects one through
the casebook's correction form; the monitor sees it to verify again, with the correction that
cleared it. An investigator signs the casebook (user ID and password: the session's first
signature), a correction voids the signature and the casebook shows why, and the investigator
signs again (the password only). A data manager freezes the subject, runs the edit checks and
downloads the audit trail. Screenshots of each page are saved under ``tests/web/artifacts/``
(ignored by git).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from metsor.services.casebook import record_lab
from metsor.services.context import unit_of_work
from metsor.services.randomize import randomize_subject

from .conftest import ARTIFACTS, USERS, WebServer, consented_subjects

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytest.importorskip("playwright.sync_api")


def _page(browser: Browser, server: WebServer) -> Page:
    context = browser.new_context(base_url=server.url, viewport={"width": 1360, "height": 900})
    return context.new_page()


def _login(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", USERS[username][2])
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


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


def _correct(page: Page, subject_id: str, lab: int, value: str, reason: str) -> None:
    """Correct a laboratory value through the casebook's correction form."""
    page.goto(
        f"/subjects/{subject_id}/casebook/correct?table=lab_results&record_id={lab}&field=value"
    )
    page.fill("#correction-value", value)
    page.fill("#correction-reason", reason)
    with page.expect_navigation():
        page.click("#correction-form button[type=submit]")
    assert reason in page.inner_text("main")


def test_verify_correct_unverified_sign_void_sign_again(
    browser: Browser, web_server: WebServer
) -> None:
    subject_id, first, second = _subject_with_two_labs(web_server)
    monitor = _page(browser, web_server)
    _login(monitor, "monitor")
    monitor.click("nav.nav >> text=Monitoring")
    monitor.wait_for_selector("#worklist")
    _shot(monitor, "monitoring-01-sdv-worklist")
    monitor.click(f"#sdv-{subject_id} a")
    monitor.wait_for_selector("#entries")
    for lab in (first, second):
        with monitor.expect_navigation():
            monitor.click(f"#verify-lab_results-{lab}")
        assert monitor.locator(f"#verify-lab_results-{lab}").count() == 0
    for lab in (first, second):
        row = monitor.locator(f"#lab_results-{lab}")
        assert row.get_attribute("class") == "entry-verified"
        assert "by monitor on" in row.inner_text()
    _shot(monitor, "monitoring-02-sdv-verified")

    coordinator = _page(browser, web_server)
    _login(coordinator, "coord_tj")
    _correct(coordinator, subject_id, first, "36", "the source document says 36 g/L")
    _shot(coordinator, "monitoring-03-coordinator-corrects")
    monitor.reload()
    row = monitor.locator(f"#lab_results-{first}")
    assert row.get_attribute("class") == "entry-to_verify"
    assert f"cleared by the correction of lab {first} (value)" in row.inner_text()
    assert "the source document says 36 g/L" in row.inner_text()
    assert monitor.locator(f"#lab_results-{second}").get_attribute("class") == "entry-verified"
    assert monitor.locator(f"#verify-lab_results-{first}").count() == 1
    _shot(monitor, "monitoring-04-sdv-cleared-by-correction")

    investigator = _page(browser, web_server)
    _login(investigator, "inv_tj")
    investigator.goto(f"/subjects/{subject_id}/casebook")
    assert "Not signed." in investigator.inner_text("#signatures")
    investigator.click("#sign-link")
    investigator.wait_for_selector("#sign-form")
    if investigator.locator("#sign-printed_name").count():  # the investigator's first signature
        investigator.fill("#sign-printed_name", "Dr Tian Jin")
    investigator.fill("#sign-user_id", "inv_tj")
    investigator.fill("#sign-password", USERS["inv_tj"][2])
    investigator.check("input[name=meaning][value=approve]")
    _shot(investigator, "monitoring-05-signing")
    investigator.click("#sign-button")
    investigator.wait_for_selector(".signature-valid")
    signed = investigator.inner_text(".signature-valid")
    assert "Dr Tian Jin" in signed
    assert "I have reviewed and approve these data" in signed
    _shot(investigator, "monitoring-06-signed")

    _correct(coordinator, subject_id, second, "17", "transcription error")
    investigator.goto(f"/subjects/{subject_id}/casebook")
    voided = investigator.inner_text(".signature-voided").lower()
    assert f"voided by the correction of lab {second} (value)" in voided
    assert "transcription error" in voided
    assert investigator.locator(".signature-valid").count() == 0
    _shot(investigator, "monitoring-07-casebook-signature-voided")
    investigator.click("#sign-link")
    investigator.wait_for_selector("#sign-form")
    assert investigator.locator("#sign-user_id").count() == 0
    investigator.fill("#sign-password", USERS["inv_tj"][2])
    investigator.click("#sign-button")
    investigator.wait_for_selector(".signature-valid")
    assert investigator.locator(".signature-valid").count() == 1
    assert investigator.locator(".signature-voided").count() == 1
    _shot(investigator, "monitoring-08-signed-again")

    manager = _page(browser, web_server)
    _login(manager, "datamgr")
    manager.goto("/monitoring/locks")
    manager.fill("#lock-target", subject_id)
    manager.fill("#lock-reason", "cleaning before the interim look")
    manager.click("#lock-button")
    manager.wait_for_selector("#lock-done")
    assert "is now frozen" in manager.inner_text("#lock-done")
    _shot(manager, "monitoring-09-freeze")
    manager.goto("/monitoring/checks")
    manager.click("#checks-button")
    manager.wait_for_selector("#checks-done")
    _shot(manager, "monitoring-10-edit-checks")
    manager.goto("/monitoring/audit")
    _shot(manager, "monitoring-11-audit-trail")
    with manager.expect_download() as download:
        manager.click("#audit-download")
    assert download.value.suggested_filename == "audit-trail.csv"
