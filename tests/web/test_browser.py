"""The site's day in a real browser: Playwright driving Debian's Chromium, headless.

A coordinator logs in, screens an ineligible candidate (the live checklist shows the failing
criterion) then an eligible one, registers, consents and randomizes them after the
confirmation step, enters a laboratory value and an adverse event and sees their grades,
answers a query a monitor raised on the laboratory value (highlighted), and logs out; a
coordinator of another site cannot see that subject.
A second course, in a subject randomized 60 days before: the coordinator sees the overdue
visits on the dashboard and the schedule, enters vital signs (graded), a baseline and a
follow-up tumour assessment and sees their RECIST 1.1 and mRECIST responses, starts sorafenib
and reduces its dose by the label's levels, and records the death; a data manager corrects a
value with a reason beside its audit history.
Screenshots of each key page are saved under ``tests/web/artifacts/`` (ignored by git).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from metsor.eligibility.examples import eligible_record

from .casebook.enrolled import randomized_days_ago
from .conftest import ARTIFACTS, USERS, WebServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytest.importorskip("playwright.sync_api")


def _flat(node: dict[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        elif isinstance(value, bool):
            flat[f"{prefix}{key}"] = "yes" if value else "no"
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


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


def _fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        selector = f'[name="{name}"]'
        if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def test_a_coordinators_day(browser: Browser, web_server: WebServer) -> None:
    page = _page(browser, web_server)
    page.goto("/login")
    _shot(page, "01-login")
    _login(page, "coord_tj")
    _shot(page, "02-dashboard")

    ineligible = _flat(eligible_record())
    ineligible["labs.total_bilirubin.value"] = "2.6"
    page.goto("/subjects/new")
    _fill(page, ineligible)
    failing = page.locator('li.criterion.fail[data-criterion="total_bilirubin"]')
    failing.wait_for()
    assert "2.6 mg/dL" in failing.inner_text()
    assert page.text_content("#verdict") == "ineligible"
    _shot(page, "03-screening-ineligible")

    page.goto("/subjects/new")
    _fill(page, _flat(eligible_record()))
    page.locator("#verdict", has_text="eligible").wait_for()
    page.wait_for_function("document.querySelector('#verdict').textContent === 'eligible'")
    _shot(page, "04-screening-eligible")
    page.click("text=Register and screen")
    page.wait_for_url("**/subjects/TJ-*")
    subject_url = page.url
    subject_id = subject_url.rsplit("/", 1)[1]
    assert page.inner_text("#subject-status") == "eligible"

    page.fill("#f-consent_date", datetime.now(UTC).date().isoformat())
    page.click("#consent-form button[type=submit]")
    page.wait_for_selector("#randomize-link")
    _shot(page, "05-subject-consented")
    page.click("#randomize-link")
    page.wait_for_selector("#confirm-randomize")
    assert "arm" not in page.inner_text("main").lower()
    _shot(page, "06-randomize-confirm")
    page.click("#confirm-randomize")
    page.wait_for_selector("#allocation")
    assert page.inner_text("#arm") in ("Sorafenib", "Sorafenib + Metformin")
    assert page.inner_text("#list-position").isdigit()
    _shot(page, "07-randomized")

    page.goto(f"{subject_url}/casebook")
    page.select_option("#lab-analyte", "ast")
    page.fill("#lab-value", "250")
    page.fill("#lab-unit", "U/L")
    page.fill("#lab-uln", "40")
    page.click("#lab-form button[type=submit]")
    assert page.locator("#labs .grade").first.inner_text().strip().startswith("grade 3")
    page.fill("#ae-term", "Diarrhea")
    page.select_option("#ae-grade", "2")
    page.click("#ae-form button[type=submit]")
    assert "grade 2" in page.inner_text("#adverse-events")
    _shot(page, "08-casebook")

    monitor = _page(browser, web_server)
    _login(monitor, "monitor")
    monitor.goto(f"{subject_url}/casebook")
    monitor.fill("#query-field", "value")
    monitor.fill("#query-question", "AST 250 U/L: please confirm against the source document")
    monitor.click("#query-form button[type=submit]")
    monitor.wait_for_selector(".query-open")
    assert monitor.locator("#labs td.queried").count() == 1

    page.reload()
    assert page.locator("#labs td.queried").inner_text().strip() == "250"
    _shot(page, "09-query-open")
    page.fill(".query-open input[name=answer]", "Confirmed: 250 U/L in the laboratory report")
    page.click(".query-open button[type=submit]")
    page.wait_for_selector(".query-answered")
    _shot(page, "10-query-answered")

    page.goto("/subjects")
    assert subject_id in page.inner_text("#subject-list")
    _shot(page, "11-subject-list")
    page.click("text=Log out")
    page.wait_for_url("**/login")
    page.goto(subject_url)
    assert page.url.endswith("/login")

    other = _page(browser, web_server)
    _login(other, "coord_bj")
    answer = other.goto(subject_url)
    assert answer is not None
    assert answer.status == 404
    _shot(other, "12-other-site-404")


def _submit(page: Page, form: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_a_course_in_the_casebook(browser: Browser, web_server: WebServer) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 60)
    casebook = f"/subjects/{subject_id}/casebook"
    page = _page(browser, web_server)
    _login(page, "coord_tj")
    assert subject_id in page.inner_text("#overdue-visits")
    _shot(page, "13-dashboard-overdue")

    page.goto(f"{casebook}/vital-signs")
    _fill(page, {"measured_on": (day0 + timedelta(14)).isoformat(), "systolic_mmhg": "168",
                 "diastolic_mmhg": "96", "heart_rate_bpm": "78", "weight_kg": "64",
                 "ecog": "1"})  # fmt: skip
    _submit(page, "#entry-form")
    assert page.inner_text("#records tbody tr td:nth-child(4)").strip() == "grade 3"
    _shot(page, "14-vital-signs")

    page.goto(f"{casebook}/tumour")
    _fill(page, {"assessed_on": day0.isoformat(),
                 "lesions.0.lesion_id": "T1", "lesions.0.organ": "liver",
                 "lesions.0.kind": "target",
                 "lesions.0.diameter_mm": "40", "lesions.0.viable_diameter_mm": "40",
                 "lesions.0.enhancing": "yes",
                 "lesions.1.lesion_id": "T2", "lesions.1.organ": "liver",
                 "lesions.1.kind": "target",
                 "lesions.1.diameter_mm": "30", "lesions.1.viable_diameter_mm": "30",
                 "lesions.1.enhancing": "yes",
                 "lesions.2.lesion_id": "N1", "lesions.2.organ": "peritoneum",
                 "lesions.2.kind": "non_target"})  # fmt: skip
    _submit(page, "#tumour-form")
    assert page.input_value('[name="lesions.1.lesion_id"]') == "T2"  # carried to the follow-up
    _fill(page, {"assessed_on": (day0 + timedelta(49)).isoformat(),
                 "lesions.0.diameter_mm": "38", "lesions.0.viable_diameter_mm": "20",
                 "lesions.1.diameter_mm": "30", "lesions.1.viable_diameter_mm": "15"})  # fmt: skip
    _submit(page, "#tumour-form")
    assert page.inner_text('#assessments [data-criteria="recist"]') == "SD"
    assert page.inner_text('#assessments [data-criteria="mrecist"]') == "PR"
    _shot(page, "15-tumour-responses")

    page.goto(f"{casebook}/dosing")
    _fill(page, {"drug": "sorafenib", "event": "start", "event_date": day0.isoformat()})
    _submit(page, "#entry-form")
    _fill(page, {"drug": "sorafenib", "event": "reduce", "level": "400mg_qd",
                 "event_date": (day0 + timedelta(21)).isoformat(), "reason": ""})  # fmt: skip
    _submit(page, "#entry-form")
    assert page.locator("#error-reason").is_visible()
    _shot(page, "16-dose-reduction-refused")
    page.fill('[name="reason"]', "grade 3 hand-foot skin reaction")
    _submit(page, "#entry-form")
    assert "dosing at 400 mg QD (400mg_qd)" in page.inner_text("#dose-states")
    _shot(page, "17-dose-reduced")

    page.goto(f"{casebook}/death")
    _fill(page, {"death_date": (day0 + timedelta(58)).isoformat(),
                 "cause": "disease_progression"})  # fmt: skip
    _submit(page, "#entry-form")
    assert page.locator("#entry-form").count() == 0
    _shot(page, "18-death")
    page.goto(casebook)
    assert page.inner_text("#subject-status") == "dead"
    assert "SD" in page.inner_text("#latest-response")
    _shot(page, "19-casebook-overview")

    manager = _page(browser, web_server)
    _login(manager, "datamgr")
    manager.goto(f"{casebook}/vital-signs")
    manager.click("#records a.fix[aria-label='Correct weight_kg']")
    manager.fill("#correction-value", "46")
    manager.fill("#correction-reason", "weight of the previous visit copied by mistake")
    _submit(manager, "#correction-form")
    assert manager.inner_text("#current-value") == "46"
    assert "copied by mistake" in manager.inner_text("#history")
    _shot(manager, "20-correction")
