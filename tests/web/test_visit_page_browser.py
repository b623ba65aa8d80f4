"""In the browser (headless Chromium): a coordinator saves a visit with a laboratory value and
the vital signs measured at it from the visit's form, sees the visit in the table and the
graded value and vital signs on their pages; screenshots are kept in ``tests/web/artifacts``."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from .casebook.enrolled import randomized_days_ago
from .conftest import ARTIFACTS, USERS, WebServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytest.importorskip("playwright.sync_api")


def test_a_visit_is_saved_with_its_labs_and_vital_signs_from_one_form(
    browser: Browser, web_server: WebServer
) -> None:
    subject_id, _, day0 = randomized_days_ago(web_server, 40)
    casebook = f"/subjects/{subject_id}/casebook"
    context = browser.new_context(base_url=web_server.url, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "coord_tj")
    page.fill("#password", USERS["coord_tj"][2])
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto(f"{casebook}/visits")
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
    page.click("#entry-form button[type=submit]")
    page.wait_for_load_state()
    row = page.inner_text("#records tbody tr")
    assert "treatment" in row
    assert on in row
    page.screenshot(path=str(ARTIFACTS / "visit-page-saved.png"), full_page=True)

    page.goto(casebook)
    assert "grade 2" in page.inner_text("#labs")  # AST 3.25 x ULN, CTCAE v5.0
    page.goto(f"{casebook}/vital-signs")
    assert page.inner_text("#records tbody tr td:nth-child(1)").strip() == on
    assert page.inner_text("#records tbody tr td:nth-child(4)").strip() == "grade 3"
    page.screenshot(path=str(ARTIFACTS / "visit-page-vital-signs.png"), full_page=True)
    context.close()
