"""From stored casebook to endpoints: subject courses, datasets with a cut-off, corrections that
move responses and dosing, treatment status, follow-up visits, the audit trail, migrations."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from metsor.endpoints import DAYS_PER_MONTH
from metsor.errors import ConflictError, InputError
from metsor.export.datasets import export_datasets
from metsor.services.casebook import (
    correct_value,
    record_death,
    record_dose,
    record_tumour_assessment,
    record_visit,
    record_withdrawal,
    subject_courses,
)
from metsor.services.context import Database, unit_of_work
from metsor.services.reports import verify_audit
from metsor.store.base import Base
from metsor.store.engine import make_engine
from metsor.store.migrate import alembic_config, upgrade
from metsor.store.models import casebook as tables
from metsor.store.models.core import Subject

from .builders import BASELINE_LESIONS, lesions
from .conftest import enroll, move_clock

RTOL = 1e-9


def test_courses_and_datasets_follow_the_records(trial: Database, tmp_path: Path) -> None:
    first, result = enroll(trial, randomize=True)
    second, _ = enroll(trial, randomize=True)
    assert result is not None
    day0 = result.randomized_at.date()
    move_clock(trial, day0 + timedelta(120))
    with unit_of_work(trial, "inv_tj") as ctx:
        for subject_id in (first, second):
            record_tumour_assessment(
                ctx, subject_id=subject_id, assessed_on=day0, lesions=BASELINE_LESIONS
            )
        # mRECIST PD at day 50: viable 50 + 40 mm against 70 mm at baseline (+28.6%)
        record_tumour_assessment(
            ctx, subject_id=first, assessed_on=day0 + timedelta(50),
            lesions=lesions((50, 50), (40, 40)),
        )  # fmt: skip
        record_death(ctx, subject_id=first, death_date=day0 + timedelta(100), cause="other")
        record_withdrawal(
            ctx, subject_id=second, kind="consent_withdrawn", withdrawn_on=day0 + timedelta(30),
            reason="no longer wishes to attend", last_contact_date=day0 + timedelta(30),
        )  # fmt: skip
    with unit_of_work(trial, "stat", readonly=True) as ctx:
        courses = {c.subject_id: c for c in subject_courses(ctx)}
    assert courses[first].death_on == day0 + timedelta(100)
    assert [(a.mrecist, a.recist) for a in courses[first].tumour_assessments] == [("PD", "PD")]
    assert courses[second].withdrawn_on == day0 + timedelta(30)
    assert courses[second].lost_to_follow_up_on is None
    assert courses[first].baseline["age"] == 54
    # Child-Pugh of the screening record: bilirubin 0.8 mg/dL, albumin 3.9 g/dL, INR 1.1,
    # no ascites, no encephalopathy: 1 point each, 5 points (class A).
    assert courses[first].baseline["child_pugh_score"] == 5

    with unit_of_work(trial, "stat", readonly=True) as ctx:
        written = export_datasets(ctx, tmp_path, cutoff=day0 + timedelta(80))
    with written["adtte"].open() as handle:
        rows = {
            (r["USUBJID"].removeprefix("NCT02672488-"), r["PARAMCD"]): r
            for r in csv.DictReader(handle)
        }
    # death on day 100 lies after the cut-off of day 80: OS censored at the cut-off
    os_first = rows[(first, "OS")]
    assert (os_first["EVENT"], os_first["CNSR"]) == ("0", "1")
    assert float(os_first["AVAL"]) == pytest.approx(80 / DAYS_PER_MONTH, rel=RTOL)
    ttp_first = rows[(first, "TTP")]
    assert ttp_first["EVENT"] == "1"
    assert float(ttp_first["AVAL"]) == pytest.approx(50 / DAYS_PER_MONTH, rel=RTOL)
    assert rows[(second, "OS")]["EVENT"] == "0"
    with written["adsl"].open() as handle:
        adsl = {r["SUBJID"]: r for r in csv.DictReader(handle)}
    assert adsl[second]["WDDT"] == str(day0 + timedelta(30))


def test_corrections_recompute_responses_and_replay_dosing(trial: Database) -> None:
    subject_id, result = enroll(trial, randomize=True)
    assert result is not None
    day0 = result.randomized_at.date()
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 - timedelta(2), lesions=BASELINE_LESIONS
        )
        scan = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(49),
            lesions=lesions((38, 20), (30, 15)),
        )  # fmt: skip
        start = record_dose(
            ctx, subject_id=subject_id, drug="sorafenib", event="start", event_date=day0
        )
        reduce = record_dose(
            ctx, subject_id=subject_id, drug="sorafenib", event="reduce", level="400mg_qd",
            event_date=day0 + timedelta(20), reason="grade 3 hand-foot skin reaction",
        )  # fmt: skip
    assert scan.mrecist_response == "PR"
    with trial.sessions() as session:
        t1 = session.scalars(
            select(tables.TumourLesion).where(
                tables.TumourLesion.assessment_id == scan.id, tables.TumourLesion.lesion_id == "T1"
            )
        ).one()
    with unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="tumour_lesions", record_id=t1.id, field="viable_diameter_mm",
            value="38", reason="re-read by the central radiologist",
        )  # fmt: skip
    with trial.sessions() as session:
        again = session.get_one(tables.TumourAssessment, scan.id)
        # viable sum 38 + 15 = 53 mm against 70 mm: -24%, mRECIST SD
        assert (again.sum_viable_diameters_mm, again.mrecist_response) == (53.0, "SD")
    # moving the reduction before the start breaks the label's order: refused
    with pytest.raises(ConflictError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="dose_events", record_id=start.id, field="event_date",
            value=str(day0 + timedelta(25)), reason="date typed wrongly",
        )  # fmt: skip
    assert caught.value.field == "event"
    assert "not started" in str(caught.value)
    # 400 mg QOD is the second reduction (Nexavar label), not one level below 400 mg BID
    with pytest.raises(ConflictError) as skipped, unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="dose_events", record_id=reduce.id, field="level", value="400mg_qod",
            reason="checked against the prescription",
        )  # fmt: skip
    assert skipped.value.field == "level"
    with unit_of_work(trial, "admin") as ctx:
        report = verify_audit(ctx)
    assert report.intact, report.first_problem


def test_treatment_status_and_follow_up_visits(trial: Database) -> None:
    subject_id, result = enroll(trial, randomize=True)
    assert result is not None
    day0 = result.randomized_at.date()
    drugs = result.arm.split("_")
    move_clock(trial, day0 + timedelta(110))
    with unit_of_work(trial, "inv_tj") as ctx:
        with pytest.raises(ConflictError) as early:
            record_visit(
                ctx, subject_id=subject_id, visit_type="follow_up", actual_date=day0 + timedelta(9)
            )
        assert early.value.field == "visit_type"
    with unit_of_work(trial, "inv_tj") as ctx:
        for drug in drugs:
            record_dose(ctx, subject_id=subject_id, drug=drug, event="start", event_date=day0)
    with trial.sessions() as session:
        assert session.get_one(Subject, subject_id).status == "on_treatment"
    stop = day0 + timedelta(70)
    with unit_of_work(trial, "inv_tj") as ctx:
        for drug in drugs:
            record_dose(
                ctx, subject_id=subject_id, drug=drug, event="discontinue", event_date=stop,
                reason="radiological progression",
            )  # fmt: skip
        visit = record_visit(
            ctx, subject_id=subject_id, visit_type="follow_up", actual_date=stop + timedelta(31)
        )
    assert (visit.number, visit.planned_date, visit.in_window) == (1, stop + timedelta(30), True)
    with trial.sessions() as session:
        assert session.get_one(Subject, subject_id).status == "off_treatment"


def test_casebook_migration_goes_down_and_up(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "0001_core")
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            names = set(connection.dialect.get_table_names(connection))
        assert "lab_results" not in names
        assert "subjects" in names
        upgrade(empty_database_url)
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_adae_study_day() -> None:
    """The study day convention of ADAE: day 1 is randomization, no day 0."""
    from metsor.endpoints.adverse_events import study_day

    start = date(2026, 3, 1)
    assert study_day(start, start) == 1
    assert study_day(start - timedelta(1), start) == -1
    assert study_day(start + timedelta(27), start) == 28


def test_export_names_the_folder_it_cannot_write(trial: Database, tmp_path: Path) -> None:
    enroll(trial, randomize=True)
    a_file = tmp_path / "existing.csv"
    a_file.write_text("kept\n")
    blocked = tmp_path / "blocked"
    (blocked / "adsl.csv").mkdir(parents=True)  # a folder where a dataset file goes
    cases = [
        (a_file, f"out_dir {a_file} exists and is not a folder"),
        (a_file / "sub", f"cannot create the folder {a_file / 'sub'}: Not a directory"),
        (blocked, f"cannot write {blocked / 'adsl.csv'}: Is a directory"),
    ]
    if Path("/proc/self").is_dir():  # Linux: nothing can be created in /proc
        cases.append(
            (Path("/proc/x"), "cannot create the folder /proc/x: No such file or directory")
        )
    for out_dir, message in cases:
        with pytest.raises(InputError) as caught, unit_of_work(trial, "stat", readonly=True) as ctx:
            export_datasets(ctx, out_dir)
        assert (caught.value.field, caught.value.message) == ("out_dir", message)
    assert a_file.read_text() == "kept\n"
