"""In the browser (headless Chromium): a coordinator saves a visit with two laboratory values,
the vital signs measured at it and an adverse event seen at it from the visit's form, sees the
visit in the table and the graded values, vital signs and event on their pages; a page whose
adverse event has a grade its term has not is shown again with the fault beside the grade and
nothing written. Screenshots are kept in ``tests/web/artifacts``."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from .casebook.enrolled import randomized_days_ago
from .conftest import ARTIFACTS, USERS, WebServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytest.importorskip("playwright.sync_api")


def _coordinator(browser: Browser, server: WebServer) -> Page:
    """A page of a new browser context, logged in as TJ's coordinator."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "coord_tj")
    page.fill("#password", USERS["coord_tj"][2])
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    return page


def _drugs(page: Page) -> list[str]:
    """The study drugs the form asks an adverse event's relatedness for (the arm's)."""
    names = page.eval_on_selector_all(
        '#event-rows select[name^="adverse_events.0.relatedness."]', "els => els.map(e => e.name)"
    )
    return [str(name).rpartition(".")[2] for name in names]


def _fill_event(page: Page, onset: str, term: str, grade: str, *, serious: bool) -> None:
    """Fill the first adverse-event row: related possibly to each drug, doses unchanged."""
    page.fill('[name="adverse_events.0.term"]', term)
    page.select_option('[name="adverse_events.0.grade"]', grade)
    page.fill('[name="adverse_events.0.onset_date"]', onset)
    page.set_checked('[name="adverse_events.0.serious"]', serious)
    for drug in _drugs(page):
        page.select_option(f'[name="adverse_events.0.relatedness.{drug}"]', "possible")
        page.select_option(f'[name="adverse_events.0.action_taken.{drug}"]', "dose_not_changed")


def test_a_visit_is_saved_with_its_labs_vital_signs_and_adverse_event_from_one_form(
    browser: Browser, web_server: WebServer
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 40)
    casebook = f"/subjects/{subject_id}/casebook"
    page = _coordinator(browser, web_server)

    page.goto(f"{casebook}/visits")
    assert _drugs(page)
    assert page.inner_text("fieldset.part legend").startswith("Vital signs at the visit")
    on = (day0 + timedelta(28)).isoformat()
    page.fill('[name="actual_date"]', on)
    page.fill('[name="vital_signs.systolic_mmhg"]', "164")
    page.fill('[name="vital_signs.diastolic_mmhg"]', "94")
    page.fill('[name="vital_signs.weight_kg"]', "66")
    page.select_option('[name="vital_signs.ecog"]', "1")
    page.select_option('[name="labs.0.analyte"]', "ast")
    page.fill('[name="labs.0.value"]', "130")
    page.fill('[name="labs.0.unit"]', "U/L")
    page.fill('[name="labs.0.uln"]', "40")
    page.select_option('[name="labs.1.analyte"]', "platelets")
    page.fill('[name="labs.1.value"]', "90000")
    page.fill('[name="labs.1.unit"]', "/mm3")
    page.fill('[name="labs.1.lln"]', "150000")
    onset = (day0 + timedelta(21)).isoformat()
    _fill_event(page, onset, "Diarrhea", "2", serious=False)
    page.screenshot(path=str(ARTIFACTS / "visit-page-filled.png"), full_page=True)
    page.click("#entry-form button[type=submit]")
    page.wait_for_load_state()
    row = page.inner_text("#records tbody tr")
    assert "treatment" in row
    assert on in row
    page.screenshot(path=str(ARTIFACTS / "visit-page-saved.png"), full_page=True)

    page.goto(casebook)
    labs = page.inner_text("#labs")
    assert "grade 2" in labs  # AST 3.25 x ULN, CTCAE v5.0
    assert "grade 1" in labs  # platelets 90,000/mm3: below the LLN, above 75,000/mm3
    events = page.inner_text("#adverse-events")
    assert "Diarrhea" in events
    assert onset in events
    assert "grade 2" in events
    page.goto(f"{casebook}/vital-signs")
    assert page.inner_text("#records tbody tr td:nth-child(1)").strip() == on
    assert page.inner_text("#records tbody tr td:nth-child(4)").strip() == "grade 3"
    page.screenshot(path=str(ARTIFACTS / "visit-page-vital-signs.png"), full_page=True)
    page.context.close()


def test_a_page_with_a_grade_its_event_has_not_is_refused_with_nothing_written(
    browser: Browser, web_server: WebServer
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 40)
    casebook = f"/subjects/{subject_id}/casebook"
    page = _coordinator(browser, web_server)

    page.goto(f"{casebook}/visits")
    on = (day0 + timedelta(28)).isoformat()
    page.fill('[name="actual_date"]', on)
    page.fill('[name="vital_signs.systolic_mmhg"]', "128")
    page.fill('[name="vital_signs.diastolic_mmhg"]', "82")
    page.select_option('[name="labs.0.analyte"]', "albumin")
    page.fill('[name="labs.0.value"]', "3.4")
    page.fill('[name="labs.0.unit"]', "g/dL")
    # CTCAE v5.0 grades alopecia 1 or 2 only
    _fill_event(page, (day0 + timedelta(25)).isoformat(), "Alopecia", "3", serious=True)
    page.click("#entry-form button[type=submit]")
    page.wait_for_load_state()
    fault = page.inner_text("#error-adverse_events-0-grade")
    assert "grade" in fault
    assert page.locator("#event-rows td.invalid").count() == 1
    # the form keeps what was given
    assert page.input_value('[name="adverse_events.0.term"]') == "Alopecia"
    assert page.is_checked('[name="adverse_events.0.serious"]')
    assert page.input_value('[name="labs.0.value"]') == "3.4"
    page.screenshot(path=str(ARTIFACTS / "visit-page-event-refused.png"), full_page=True)
    assert page.locator("#records").count() == 0  # no visit recorded
    page.goto(casebook)
    assert page.locator("#labs").count() == 0  # no laboratory value recorded
    assert page.locator("#adverse-events").count() == 0
    assert "No adverse event yet." in page.content()
    page.context.close()


def test_a_fatal_grade_5_event_is_saved_from_the_visit_form_once_its_outcome_is_fatal(
    browser: Browser, web_server: WebServer
) -> None:
    """Grade 5 (CTCAE v5.0: death related to the event) with the outcome left blank is
    refused beside the grade in the service's words; chosen fatal, the page is saved."""
    subject_id, _, day0 = randomized_days_ago(web_server, 40)
    casebook = f"/subjects/{subject_id}/casebook"
    page = _coordinator(browser, web_server)

    page.goto(f"{casebook}/visits")
    assert "Grade 5 is death related to the event" in page.inner_text("#adverse-events-hint")
    on = (day0 + timedelta(28)).isoformat()
    page.fill('[name="actual_date"]', on)
    _fill_event(page, (day0 + timedelta(25)).isoformat(), "Diarrhea", "5", serious=True)
    page.click("#entry-form button[type=submit]")
    page.wait_for_load_state()
    fault = page.inner_text("#error-adverse_events-0-grade")
    assert fault == (
        "grade 5 with outcome not_recovered: grade 5 is death, and only a fatal outcome has it"
    )
    assert page.input_value('[name="adverse_events.0.grade"]') == "5"
    page.screenshot(path=str(ARTIFACTS / "visit-page-grade-5-refused.png"), full_page=True)

    page.select_option('[name="adverse_events.0.outcome"]', "fatal")
    page.fill('[name="adverse_events.0.resolution_date"]', on)
    page.screenshot(path=str(ARTIFACTS / "visit-page-grade-5-fatal.png"), full_page=True)
    page.click("#entry-form button[type=submit]")
    page.wait_for_load_state()
    assert on in page.inner_text("#records tbody tr")
    page.goto(casebook)
    events = page.inner_text("#adverse-events")
    assert "grade 5" in events
    assert "fatal" in events
    page.context.close()
