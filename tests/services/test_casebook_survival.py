"""Survival contacts on SQLite and PostgreSQL: the last day known alive, and OS at a cut-off.

FDA 2018 guidance (Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics,
overall survival): a subject alive is censored at the last date known to be alive; at a data
cut-off, a subject known alive after it is censored at the cut-off.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from metsor.endpoints import DAYS_PER_MONTH
from metsor.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from metsor.export.datasets import export_datasets
from metsor.services.casebook import (
    correct_value,
    record_death,
    record_tumour_assessment,
    record_withdrawal,
    subject_courses,
)
from metsor.services.casebook.survival_contacts import record_survival_contact
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.services.reports import verify_audit

from .conftest import Calendar, enroll
from .follow_up_builders import (
    DAY0,
    STABLE,
    adtte_rows,
    assert_each_refused,
    counts,
    dated_trial,
    day,
    randomized_on_day0,
)

RTOL = 1e-9


@pytest.fixture
def clocked(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Database, Calendar]]:
    with dated_trial(database_url, monkeypatch) as found:
        yield found


def _adsl(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as handle:
        return {r["SUBJID"]: r for r in csv.DictReader(handle)}


def test_a_later_contact_is_the_last_known_alive(
    clocked: tuple[Database, Calendar], tmp_path: Path
) -> None:
    trial, calendar = clocked
    called, early = randomized_on_day0(trial), randomized_on_day0(trial)
    calendar.move_to(day(330))
    with unit_of_work(trial, "inv_tj") as ctx:
        for subject_id in (called, early):
            record_tumour_assessment(
                ctx, subject_id=subject_id, assessed_on=day(56), lesions=STABLE
            )
        record_survival_contact(
            ctx, subject_id=called, contact_on=day(300), status="alive", method="phone"
        )
        # a contact before the last scan does not move the last day known alive back
        record_survival_contact(
            ctx, subject_id=early, contact_on=day(30), status="alive", method="visit"
        )
    with unit_of_work(trial, "stat", readonly=True) as ctx:
        courses = {c.subject_id: c for c in subject_courses(ctx)}
        full = export_datasets(ctx, tmp_path / "full", cutoff=day(320))
        cut = export_datasets(ctx, tmp_path / "cut", cutoff=day(250))
    assert courses[called].last_known_alive_on == day(300)
    assert courses[early].last_known_alive_on == day(56)
    # alive at the last contact before the cut-off: OS censored at the contact
    overall = adtte_rows(full["adtte"])[(called, "OS")]
    assert (overall["CNSR"], overall["EVNTDESC"], overall["CNSDTDSC"]) == (
        "1",
        "alive at last contact",
        "last contact",
    )
    assert float(overall["AVAL"]) == pytest.approx(300 / DAYS_PER_MONTH, rel=RTOL)
    assert _adsl(full["adsl"])[called]["LSTALVDT"] == day(300).isoformat()
    # known alive after the cut-off: censored at the cut-off, and ADSL agrees
    at_cutoff = adtte_rows(cut["adtte"])[(called, "OS")]
    assert (at_cutoff["CNSR"], at_cutoff["EVNTDESC"]) == ("1", "data cut-off")
    assert float(at_cutoff["AVAL"]) == pytest.approx(250 / DAYS_PER_MONTH, rel=RTOL)
    assert _adsl(cut["adsl"])[called]["LSTALVDT"] == day(250).isoformat()
    assert adtte_rows(cut["adtte"])[(early, "OS")]["ADT"] == day(56).isoformat()


def test_a_contact_that_learns_of_the_death(clocked: tuple[Database, Calendar]) -> None:
    trial, calendar = clocked
    subject_id = randomized_on_day0(trial)
    calendar.move_to(day(200))
    with (
        pytest.raises(ConflictError, match="record the death") as caught,
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        record_survival_contact(
            ctx, subject_id=subject_id, contact_on=day(150), status="dead", method="records"
        )
    assert caught.value.field == "status"
    with unit_of_work(trial, "inv_tj") as ctx:
        record_survival_contact(
            ctx, subject_id=subject_id, contact_on=day(100), status="alive", method="phone"
        )
        record_death(ctx, subject_id=subject_id, death_date=day(140), cause="disease_progression")
        record_survival_contact(
            ctx, subject_id=subject_id, contact_on=day(150), status="dead", method="records"
        )
    with unit_of_work(trial, "stat", readonly=True) as ctx:
        (course,) = subject_courses(ctx)
    assert (course.last_known_alive_on, course.death_on) == (day(100), day(140))


def test_refused_contacts_write_nothing(clocked: tuple[Database, Calendar]) -> None:
    trial, calendar = clocked
    subject_id = randomized_on_day0(trial)
    dead = randomized_on_day0(trial)
    withdrawn = randomized_on_day0(trial)
    consented, _ = enroll(trial)
    calendar.move_to(day(200))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_survival_contact(
            ctx, subject_id=subject_id, contact_on=day(100), status="alive", method="phone"
        )
        record_death(ctx, subject_id=dead, death_date=day(90), cause="disease_progression")
        record_withdrawal(
            ctx, subject_id=withdrawn, kind="lost_to_follow_up", withdrawn_on=day(120),
            reason="no answer to calls or letters",
        )  # fmt: skip

    def contact(**changes: Any) -> Callable[[ServiceContext], object]:
        values: dict[str, Any] = {
            "subject_id": subject_id, "contact_on": day(150), "status": "alive",
            "method": "phone",
        } | changes  # fmt: skip
        return lambda ctx: record_survival_contact(ctx, **values)

    cases: list[tuple[str, Callable[[ServiceContext], object], type[Exception], str]] = [
        ("inv_tj", contact(contact_on=day(201)), InputError, "contact_on"),
        ("inv_tj", contact(contact_on="yesterday"), InputError, "contact_on"),
        ("inv_tj", contact(contact_on=DAY0 - timedelta(1)), ConflictError, "contact_on"),
        ("inv_tj", contact(status="unknown"), InputError, "status"),
        ("inv_tj", contact(method="email"), InputError, "method"),
        ("inv_tj", contact(contact_on=day(100), method="visit"), ConflictError, "contact_on"),
        ("inv_tj", contact(subject_id=dead, contact_on=day(91)), ConflictError, "contact_on"),
        # death on day 90 known on day 89: impossible
        ("inv_tj", contact(subject_id=dead, contact_on=day(89), status="dead"), ConflictError,
         "contact_on"),
        ("inv_tj", contact(subject_id=withdrawn, contact_on=day(121)), ConflictError,
         "contact_on"),
        ("inv_tj", contact(subject_id=consented, contact_on=day(10)), ConflictError,
         "contact_on"),
        ("inv_bj", contact(), NotFoundError, "subject_id"),
        ("stat", contact(), PermissionDeniedError, "user"),
    ]  # fmt: skip
    assert_each_refused(trial, cases)


def test_contacts_are_corrected_and_audited(clocked: tuple[Database, Calendar]) -> None:
    trial, calendar = clocked
    subject_id = randomized_on_day0(trial)
    calendar.move_to(day(200))
    with unit_of_work(trial, "inv_tj") as ctx:
        contact = record_survival_contact(
            ctx, subject_id=subject_id, contact_on=day(180), status="alive", method="phone"
        )
    with unit_of_work(trial, "coord_tj") as ctx:
        correct_value(
            ctx, table="survival_contacts", record_id=contact.id, field="contact_on",
            value=str(day(170)), reason="date of the call in the site's log",
        )  # fmt: skip
    with unit_of_work(trial, "stat", readonly=True) as ctx:
        (course,) = subject_courses(ctx)
    assert course.last_known_alive_on == day(170)
    before = counts(trial)
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="survival_contacts", record_id=contact.id, field="method",
            value="letter", reason="was a letter",
        )  # fmt: skip
    assert caught.value.field == "method"
    assert counts(trial) == before
    with unit_of_work(trial, "admin") as ctx:
        report = verify_audit(ctx)
    assert report.intact, report.first_problem
