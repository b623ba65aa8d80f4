"""A page's checks read what they need in few statements and still check all of it.

A laboratory panel of the baseline period reads its analytes' stored results in one
statement, refuses a second result of the day and grades again the results it is the
baseline of; a death reads the subject's latest dates in one statement, and is refused
after a death or before a record already entered.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from metsor.errors import ConflictError
from metsor.services.casebook import record_death, record_lab_panel, record_vital_signs
from metsor.services.context import Database, unit_of_work
from metsor.store.models import casebook as tables

from .conftest import enroll, move_clock, statements


def liver_panel(value: float) -> list[dict[str, Any]]:
    """AST and ALT of ``value`` U/L, ULN 40."""
    return [
        {"analyte": analyte, "value": value, "unit": "U/L", "uln": 40.0}
        for analyte in ("ast", "alt")
    ]


def randomized(database: Database) -> tuple[str, date]:
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    return subject_id, result.randomized_at.date()


def test_a_late_baseline_panel_grades_again_the_results_after_it_with_one_read(
    trial: Database,
) -> None:
    """CTCAE v5.0: 130 U/L is 3.25 × ULN (grade 2); against an abnormal baseline of 80 it is
    1.625 × baseline (grade 1)."""
    subject_id, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        on_study = record_lab_panel(
            ctx, subject_id=subject_id, collected_on=day0 + timedelta(28), results=liver_panel(130)
        )
    assert {(r.ctcae_grade, r.ctcae_basis) for r in on_study} == {(2, "x ULN")}
    with statements(trial) as sent, unit_of_work(trial, "inv_tj") as ctx:
        record_lab_panel(
            ctx, subject_id=subject_id, collected_on=day0 - timedelta(2), results=liver_panel(80)
        )
    reads = [s for s in sent if s.startswith("SELECT") and "FROM lab_results" in s]
    assert len(reads) == 2  # the panel's analytes, then the edit checks on save
    with trial.sessions() as session:
        for result in on_study:
            regraded = session.get_one(tables.LabResult, result.id)
            assert (regraded.ctcae_grade, regraded.ctcae_basis, regraded.baseline_value) == (
                1,
                "x baseline",
                80,
            )


def test_a_baseline_panel_refuses_a_second_result_of_the_day(trial: Database) -> None:
    subject_id, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(10))
    on = day0 - timedelta(2)
    with unit_of_work(trial, "inv_tj") as ctx:
        first = record_lab_panel(
            ctx, subject_id=subject_id, collected_on=on, results=liver_panel(80)
        )
    with (
        pytest.raises(ConflictError, match=f"already has a ast result collected on {on}") as caught,
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        record_lab_panel(ctx, subject_id=subject_id, collected_on=on, results=liver_panel(90))
    assert caught.value.field == "collected_on"
    assert f"(record {first[0].id})" in caught.value.message


def test_a_second_death_is_refused_naming_the_first(trial: Database) -> None:
    subject_id, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_death(ctx, subject_id=subject_id, death_date=day0 + timedelta(40), cause="other")
    with (
        pytest.raises(
            ConflictError, match=f"already has a death recorded on {day0 + timedelta(40)}"
        ),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        record_death(ctx, subject_id=subject_id, death_date=day0 + timedelta(50), cause="other")


def test_a_death_before_a_record_names_it_after_one_read_of_the_latest_dates(
    trial: Database,
) -> None:
    subject_id, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_vital_signs(
            ctx,
            subject_id=subject_id,
            measured_on=day0 + timedelta(30),
            systolic_mmhg=120,
            diastolic_mmhg=80,
        )
    with (
        statements(trial) as sent,
        pytest.raises(
            ConflictError, match=f"before vital signs recorded on {day0 + timedelta(30)}"
        ),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        record_death(ctx, subject_id=subject_id, death_date=day0 + timedelta(20), cause="other")
    assert len([s for s in sent if "max(visits.actual_date)" in s]) == 1
