"""Casebook dates and numbers on SQLite and PostgreSQL: nothing is dated after the trial's
today, whatever is recorded or corrected, and an out-of-range value is named with its bound."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from metsor.clinical.plausibility import bounded as number
from metsor.errors import InputError
from metsor.services.casebook import (
    correct_value,
    record_adverse_event,
    record_anticancer_therapy,
    record_death,
    record_dose,
    record_lab,
    record_survival_contact,
    record_tumour_assessment,
    record_visit,
    record_vital_signs,
    record_withdrawal,
)
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.store.models import casebook as tables

from .builders import BASELINE_LESIONS, both_drugs, counts, lesions
from .conftest import enroll, move_clock

TODAY_OFFSET = 60
"""The trial's today, in days after randomization, in these tests."""

Entry = Callable[[ServiceContext, str, str, date], object]


def _ae(ctx: ServiceContext, subject_id: str, arm: str, on: date, **more: Any) -> object:
    return record_adverse_event(
        ctx, subject_id=subject_id, term="Fatigue", grade=1, onset_date=on,
        relatedness=both_drugs(arm, "possible"), action_taken=both_drugs(arm, "dose_not_changed"),
        **more,
    )  # fmt: skip


# Each entry records something on day ``on`` (the subject started sorafenib on day 0 and had a
# baseline scan); the field that carries the date.
ENTRIES: list[tuple[str, Entry, str]] = [
    ("visit", lambda c, s, arm, on: record_visit(
        c, subject_id=s, visit_type="unscheduled", actual_date=on), "actual_date"),
    ("dose", lambda c, s, arm, on: record_dose(
        c, subject_id=s, drug="sorafenib", event="interrupt", event_date=on,
        reason="hand-foot skin reaction"), "event_date"),
    ("lab", lambda c, s, arm, on: record_lab(
        c, subject_id=s, analyte="ast", value=80, unit="U/L", uln=40, collected_on=on),
     "collected_on"),
    ("vital signs", lambda c, s, arm, on: record_vital_signs(
        c, subject_id=s, measured_on=on, systolic_mmhg=120, diastolic_mmhg=80), "measured_on"),
    ("adverse event", lambda c, s, arm, on: _ae(c, s, arm, on), "onset_date"),
    ("adverse event resolved", lambda c, s, arm, on: _ae(
        c, s, arm, on - timedelta(1), outcome="recovered", resolution_date=on), "resolution_date"),
    ("tumour assessment", lambda c, s, arm, on: record_tumour_assessment(
        c, subject_id=s, assessed_on=on, lesions=lesions((38, 20), (30, 15))), "assessed_on"),
    ("death", lambda c, s, arm, on: record_death(
        c, subject_id=s, death_date=on, cause="disease_progression"), "death_date"),
    ("withdrawal", lambda c, s, arm, on: record_withdrawal(
        c, subject_id=s, kind="consent_withdrawn", withdrawn_on=on, reason="moved away"),
     "withdrawn_on"),
    ("anticancer therapy", lambda c, s, arm, on: record_anticancer_therapy(
        c, subject_id=s, name="TACE", category="locoregional", started_on=on), "started_on"),
    ("survival contact", lambda c, s, arm, on: record_survival_contact(
        c, subject_id=s, contact_on=on, status="alive", method="phone"), "contact_on"),
]  # fmt: skip


def started(trial: Database) -> tuple[str, str, date]:
    """A subject randomized on day 0, on sorafenib since then, with a baseline scan: id, arm
    and the trial's today, moved to day :data:`TODAY_OFFSET`."""
    subject_id, result = enroll(trial, randomize=True)
    assert result is not None
    day0 = result.randomized_at.date()
    move_clock(trial, day0 + timedelta(TODAY_OFFSET))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_dose(ctx, subject_id=subject_id, drug="sorafenib", event="start", event_date=day0)
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 - timedelta(2), lesions=BASELINE_LESIONS
        )
    return subject_id, result.arm, day0 + timedelta(TODAY_OFFSET)


def test_nothing_is_dated_after_today(trial: Database) -> None:
    subject_id, arm, today = started(trial)
    before = counts(trial)
    for what, entry, field in ENTRIES:
        tomorrow = today + timedelta(1)
        with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
            entry(ctx, subject_id, arm, tomorrow)
        assert caught.value.field == field, what
        assert str(caught.value) == f"field '{field}': {field} {tomorrow} is in the future", what
        assert counts(trial) == before, what


@pytest.mark.parametrize(("what", "entry", "field"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_today_itself_is_accepted(trial: Database, what: str, entry: Entry, field: str) -> None:
    subject_id, arm, today = started(trial)
    before = counts(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        recorded = entry(ctx, subject_id, arm, today)
    assert getattr(recorded, field) == today, what
    assert counts(trial) != before, what


def test_a_correction_into_the_future_is_refused(trial: Database) -> None:
    subject_id, _, today = started(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        lab = record_lab(
            ctx, subject_id=subject_id, analyte="ast", value=80, unit="U/L", uln=40,
            collected_on=today - timedelta(5),
        )  # fmt: skip
    before = counts(trial)
    with pytest.raises(InputError) as caught, unit_of_work(trial, "coord_tj") as ctx:
        correct_value(
            ctx, table="lab_results", record_id=lab.id, field="collected_on",
            value=str(today + timedelta(1)), reason="date typed wrongly",
        )  # fmt: skip
    assert caught.value.field == "collected_on"
    assert "is in the future" in str(caught.value)
    assert counts(trial) == before
    move_clock(trial, today + timedelta(1))  # the next day, that date is no longer future
    with unit_of_work(trial, "coord_tj") as ctx:
        correct_value(
            ctx, table="lab_results", record_id=lab.id, field="collected_on",
            value=str(today + timedelta(1)), reason="date read from the laboratory report",
        )  # fmt: skip
    with trial.sessions() as session:
        stored = session.get_one(tables.LabResult, lab.id)
        assert stored.collected_on == today + timedelta(1)


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        (
            {"value": -1},
            "value",
            "value -1 U/L is outside the plausible range of ast (0–100,000 U/L); check the "
            "value and its unit",
        ),
        ({"value": 80, "uln": -40}, "uln", "uln must be ≥ 0, got -40"),
        ({"value": 80, "lln": -0.5}, "lln", "lln must be ≥ 0, got -0.5"),
    ],
)
def test_a_negative_lab_value_or_limit_is_named(
    trial: Database, options: dict[str, Any], field: str, message: str
) -> None:
    subject_id, _, today = started(trial)
    before = counts(trial)
    values: dict[str, Any] = {"uln": 40} | options
    with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        record_lab(
            ctx, subject_id=subject_id, analyte="ast", unit="U/L", collected_on=today, **values
        )
    assert caught.value.field == field
    assert caught.value.message == message
    assert counts(trial) == before


@pytest.mark.parametrize(
    ("bounds", "value", "message"),
    [
        ({"low": 0.0}, -2.5, "x must be ≥ 0, got -2.5"),
        ({"high": 10.0}, 12, "x must be ≤ 10, got 12"),
        ({"low": 1.0, "high": 5.0}, 0.5, "x must lie in [1, 5], got 0.5"),
        ({"low": 1.0, "high": 5.0}, 6, "x must lie in [1, 5], got 6"),
    ],
)
def test_a_number_out_of_bounds_names_the_bounds_it_has(
    bounds: dict[str, float], value: float, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        number(value, "x", **bounds)
    assert (caught.value.field, caught.value.message) == ("x", message)
    assert number(bounds.get("low", 3.0), "x", **bounds) == bounds.get("low", 3.0)
