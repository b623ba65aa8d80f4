"""Metformin's eGFR limits when it is started or resumed, on SQLite and PostgreSQL.

Glucophage (metformin hydrochloride) US prescribing information, revised 2017 (FDA drug safety
communication of 8 April 2016): section 4, contraindicated in severe renal impairment, eGFR
below 30 mL/min/1.73 m²; section 2.3, starting metformin at an eGFR between 30 and 45 is not
recommended. eGFR by CKD-EPI 2021 without race (Inker et al., N Engl J Med 2021;385:1737),
compared as reported, to one decimal. The example record is of a man aged 54 at screening.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from numpy.testing import assert_allclose

from metsor.clinical.egfr import egfr_ckd_epi_2021
from metsor.errors import ConflictError, InputError
from metsor.services.casebook import correct_value, record_dose, record_lab
from metsor.services.casebook.renal_function import renal_function
from metsor.services.context import Database, unit_of_work
from metsor.store.audit import field_entries
from metsor.store.models import casebook as tables

from .builders import counts
from .conftest import DAY0, SCREENED_ON, enroll, move_clock, record_for

RTOL = 1e-9

AGE_AT_SCREENING = 54
START = DAY0 + timedelta(10)
OVERRIDE = "hyperglycaemia; nephrologist agrees, eGFR rechecked every month"


def creatinine_for(egfr: float, on: date) -> float:
    """Serum creatinine (mg/dL) of a man of the example record whose eGFR on ``on`` is
    ``egfr`` (CKD-EPI 2021 solved for creatinine above κ = 0.9), his age then being his age at
    screening plus the time since."""
    age = AGE_AT_SCREENING + (on - SCREENED_ON).days / 365.25
    creatinine = 0.9 * (egfr / (142.0 * 0.9938**age)) ** (-1 / 1.2)
    assert_allclose(
        egfr_ckd_epi_2021(creatinine_mg_dl=creatinine, age_years=age, sex="male"), egfr, rtol=RTOL
    )
    return creatinine


def metformin_subject(trial: Database, record: dict[str, Any] | None = None) -> str:
    """A subject randomized on DAY0 to the metformin arm; the clock moved to DAY0 + 30."""
    for _ in range(10):
        subject_id, result = enroll(trial, record=record, randomize=True)
        assert result is not None
        if "metformin" in result.arm.split("_"):
            move_clock(trial, DAY0 + timedelta(30))
            return subject_id
    raise AssertionError("no subject randomized to metformin in ten")


def creatinine(
    trial: Database, subject_id: str, value: float, on: date, unit: str = "mg/dL"
) -> None:
    with unit_of_work(trial, "inv_tj") as ctx:
        record_lab(
            ctx, subject_id=subject_id, analyte="creatinine", value=value, unit=unit,
            collected_on=on,
        )  # fmt: skip


def start(trial: Database, subject_id: str, **more: Any) -> Any:
    with unit_of_work(trial, "inv_tj") as ctx:
        return record_dose(
            ctx, subject_id=subject_id, drug="metformin", event="start", event_date=START, **more
        )


@pytest.mark.parametrize(
    ("egfr", "plain", "with_override"),
    [
        pytest.param(29.9, "event_date", "event_date", id="below-30-contraindicated"),
        pytest.param(30.0, "egfr_override", None, id="at-30-not-recommended"),
        pytest.param(30.1, "egfr_override", None, id="above-30-not-recommended"),
        pytest.param(44.9, "egfr_override", None, id="below-45-not-recommended"),
        pytest.param(45.0, None, None, id="at-45-allowed"),
        pytest.param(45.1, None, None, id="above-45-allowed"),
    ],
)
def test_a_metformin_start_within_the_labels_egfr_limits(
    trial: Database, egfr: float, plain: str | None, with_override: str | None
) -> None:
    """Refused below 30 even with an override; from 30 to below 45 only with one."""
    subject_id = metformin_subject(trial)
    creatinine(trial, subject_id, creatinine_for(egfr, START), START - timedelta(3))
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        found = renal_function(ctx, subject_id, START)
    assert found is not None
    assert found.egfr == egfr
    for options, field in (({}, plain), ({"egfr_override": OVERRIDE}, with_override)):
        before = counts(trial)
        if field is None:
            recorded = start(trial, subject_id, **options)
            assert recorded.event == "start"
            assert recorded.egfr_override == (OVERRIDE if options else None)
            assert recorded.reason is None
            break
        with pytest.raises(ConflictError) as caught:
            start(trial, subject_id, **options)
        assert caught.value.field == field
        assert "metformin" in caught.value.message
        assert f"eGFR {egfr:.1f} mL/min/1.73 m²" in caught.value.message
        assert counts(trial) == before


@pytest.mark.parametrize(
    ("egfr", "allowed"),
    [(29.9, False), (30.0, True), (30.1, True), (44.9, True)],
)
def test_a_resumption_is_refused_below_30_only(trial: Database, egfr: float, allowed: bool) -> None:
    subject_id = metformin_subject(trial)
    start(trial, subject_id)
    resume_on = START + timedelta(14)
    with unit_of_work(trial, "inv_tj") as ctx:
        record_dose(
            ctx, subject_id=subject_id, drug="metformin", event="interrupt",
            event_date=START + timedelta(7), reason="acute kidney injury",
        )  # fmt: skip
    creatinine(trial, subject_id, creatinine_for(egfr, resume_on), resume_on - timedelta(1))
    before = counts(trial)
    resume: dict[str, Any] = {
        "subject_id": subject_id, "drug": "metformin", "event": "resume",
        "event_date": resume_on, "level": "500mg_bid", "reason": "creatinine rechecked",
    }  # fmt: skip
    if allowed:
        with unit_of_work(trial, "inv_tj") as ctx:
            assert record_dose(ctx, **resume).event == "resume"
        return
    with (
        pytest.raises(ConflictError, match=rf"eGFR {egfr:.1f}") as caught,
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        record_dose(ctx, **resume)
    assert caught.value.field == "event_date"
    assert counts(trial) == before


def test_the_latest_creatinine_up_to_the_day_counts(trial: Database) -> None:
    subject_id = metformin_subject(trial)
    # low once, normal since; and a low value after the start does not reach back to it
    creatinine(trial, subject_id, creatinine_for(25, START), START - timedelta(19))
    creatinine(trial, subject_id, creatinine_for(80, START) * 88.42, START - timedelta(2), "umol/L")
    creatinine(trial, subject_id, creatinine_for(25, START), START + timedelta(1))
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        found = renal_function(ctx, subject_id, START)
        assert renal_function(ctx, subject_id, START - timedelta(20)) is None
    assert found is not None
    assert (found.egfr, found.collected_on, found.sex_known) == (80.0, START - timedelta(2), True)
    assert start(trial, subject_id).event == "start"


def test_without_creatinine_there_is_nothing_to_check(trial: Database) -> None:
    subject_id = metformin_subject(trial)
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        assert renal_function(ctx, subject_id, START) is None
    assert start(trial, subject_id).level == "500mg_bid"


def test_sex_not_recorded_takes_the_lower_estimate(trial: Database) -> None:
    """The female estimate is the lower one above κ: 0.778^1.2 × 1.012 ≈ 0.749 of the male."""
    record = record_for()
    del record["sex"]
    record["pregnant"] = False
    subject_id = metformin_subject(trial, record)
    value = creatinine_for(50, START)
    creatinine(trial, subject_id, value, START - timedelta(1))
    age = AGE_AT_SCREENING + (START - SCREENED_ON).days / 365.25
    female = egfr_ckd_epi_2021(creatinine_mg_dl=value, age_years=age, sex="female")
    with pytest.raises(ConflictError) as caught:
        start(trial, subject_id)
    assert caught.value.field == "egfr_override"
    assert f"eGFR {female:.1f}" in caught.value.message
    assert "sex unknown" in caught.value.message
    assert start(trial, subject_id, egfr_override=OVERRIDE).event == "start"


def test_an_override_is_for_a_metformin_start_only(trial: Database) -> None:
    subject_id = metformin_subject(trial)
    before = counts(trial)
    for drug, event in (("sorafenib", "start"), ("metformin", "discontinue")):
        with pytest.raises(InputError) as caught, unit_of_work(trial, "inv_tj") as ctx:
            record_dose(
                ctx, subject_id=subject_id, drug=drug, event=event, event_date=START,
                reason="x", egfr_override=OVERRIDE,
            )  # fmt: skip
        assert caught.value.field == "egfr_override"
    with pytest.raises(InputError) as empty:
        start(trial, subject_id, egfr_override="  ")
    assert empty.value.field == "egfr_override"
    assert counts(trial) == before
    recorded = start(trial, subject_id, reason="protocol start", egfr_override=OVERRIDE)
    assert (recorded.reason, recorded.egfr_override) == ("protocol start", OVERRIDE)
    with trial.sessions() as session:  # the override is audited in its own column
        audited = [
            e.new_value
            for e in field_entries(
                session, table="dose_events", record_id=str(recorded.id), field="egfr_override"
            )
        ]
    assert len(audited) == 1
    assert OVERRIDE in str(audited[0])


def test_a_corrected_start_is_checked_again(trial: Database) -> None:
    subject_id = metformin_subject(trial)
    creatinine(trial, subject_id, creatinine_for(40, START + timedelta(5)), START + timedelta(5))
    dose = start(trial, subject_id)
    before = counts(trial)
    with pytest.raises(ConflictError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="dose_events", record_id=dose.id, field="event_date",
            value=str(START + timedelta(6)), reason="date typed wrongly",
        )  # fmt: skip
    assert caught.value.field == "egfr_override"
    assert counts(trial) == before


OVERRIDE_TEXT = "eGFR override: " + OVERRIDE


def test_an_override_written_in_the_reason_grants_nothing(trial: Database) -> None:
    """A start at eGFR 40 whose free-text reason reads like an override is still refused."""
    subject_id = metformin_subject(trial)
    creatinine(trial, subject_id, creatinine_for(40, START), START - timedelta(1))
    before = counts(trial)
    with pytest.raises(ConflictError) as caught:
        start(trial, subject_id, reason=OVERRIDE_TEXT)
    assert caught.value.field == "egfr_override"
    assert counts(trial) == before


@pytest.mark.parametrize(
    ("given", "new_reason"),
    [
        pytest.param(None, OVERRIDE_TEXT, id="reason-cannot-add-an-override"),
        pytest.param(OVERRIDE, "started as planned", id="reason-cannot-remove-the-override"),
    ],
)
def test_correcting_the_reason_leaves_the_override_as_it_was(
    trial: Database, given: str | None, new_reason: str
) -> None:
    subject_id = metformin_subject(trial)
    dose = start(trial, subject_id, reason="first reason", egfr_override=given)
    # creatinine after the start: eGFR 40 on the day of a start moved later
    creatinine(trial, subject_id, creatinine_for(40, START + timedelta(5)), START + timedelta(5))
    with unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="dose_events", record_id=dose.id, field="reason", value=new_reason,
            reason="reason reworded",
        )  # fmt: skip
    with trial.sessions() as session:
        stored = session.get_one(tables.DoseEvent, dose.id)
        assert (stored.reason, stored.egfr_override) == (new_reason, given)
    before = counts(trial)
    move = {
        "table": "dose_events", "record_id": dose.id, "field": "event_date",
        "value": str(START + timedelta(6)), "reason": "date typed wrongly",
    }  # fmt: skip
    if given is None:  # no override: the start cannot move to a day of eGFR 40
        with pytest.raises(ConflictError) as caught, unit_of_work(trial, "inv_tj") as ctx:
            correct_value(ctx, **move)
        assert caught.value.field == "egfr_override"
        assert counts(trial) == before
    else:  # the override stands: it may
        with unit_of_work(trial, "inv_tj") as ctx:
            correct_value(ctx, **move)


def test_the_override_cannot_be_corrected(trial: Database) -> None:
    subject_id = metformin_subject(trial)
    dose = start(trial, subject_id, egfr_override=OVERRIDE)
    before = counts(trial)
    with (
        pytest.raises(InputError, match="correctable fields") as caught,
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        correct_value(
            ctx, table="dose_events", record_id=dose.id, field="egfr_override",
            value="null", reason="override withdrawn",
        )  # fmt: skip
    assert caught.value.field == "field"
    assert counts(trial) == before
