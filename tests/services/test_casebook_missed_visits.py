"""A visit of the schedule recorded as not done, on SQLite and PostgreSQL: what is refused, how
the schedule, the overdue list and the ``visit_overdue`` edit check count it, how it is
corrected and retracted, the monitoring guard over it, and the missed-assessment rule of TTP."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

from metsor.endpoints import AssessmentSchedule, time_to_progression
from metsor.endpoints.censoring import MISSED_ASSESSMENTS
from metsor.errors import ConflictError, InputError
from metsor.protocol import builtin
from metsor.services.casebook import (
    correct_value,
    record_dose,
    record_missed_visit,
    record_tumour_assessment,
    record_visit,
    subject_courses,
)
from metsor.services.casebook.schedule import METSOR_SCHEDULE
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.edit_checks import run_edit_checks
from metsor.services.monitoring.locks import change_lock
from metsor.services.users import add_user
from metsor.services.visit_status import overdue_visits, visit_schedule
from metsor.store.base import Base
from metsor.store.engine import make_engine
from metsor.store.migrate import alembic_config, current_revision, head_revision, upgrade
from metsor.store.models import casebook as tables
from metsor.store.models.core import Allocation, AuditLog
from metsor.store.models.monitoring import EditCheckQuery

from .builders import BASELINE_LESIONS, lesions
from .conftest import enroll, move_clock

SCAN = "tumour_assessment"
INTERVAL = METSOR_SCHEDULE.tumour_interval_days


def planned(day0: date, number: int, visit_type: str = SCAN) -> date:
    """The schedule's day for a visit of a subject randomized on ``day0``."""
    day = METSOR_SCHEDULE.plan(visit_type, number, randomized_on=day0).planned
    assert day is not None
    return day


@pytest.fixture
def trial_dm(trial: Database) -> Database:
    with unit_of_work(trial, "admin") as ctx:
        add_user(ctx, username="dm", role="data_manager")
    return trial


def randomized(database: Database) -> tuple[str, date]:
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    return subject_id, result.randomized_at.date()


def mark(database: Database, subject_id: str, **fields: Any) -> Any:
    values = {"visit_type": SCAN, "number": 1, "reason": "scanner down"} | fields
    with unit_of_work(database, "coord_tj") as ctx:
        return record_missed_visit(ctx, subject_id=subject_id, **values)


def marks(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(tables.MissedVisit)) or 0


def test_a_scan_not_done_is_accounted_for_and_the_next_one_expected(trial: Database) -> None:
    subject_id, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(INTERVAL + 20))
    with unit_of_work(trial, "coord_tj", readonly=True) as ctx:
        before = {(v.visit_type, v.number): v.status for v in visit_schedule(ctx, subject_id)}
        assert (SCAN, 1) in {(v.visit_type, v.number) for v in overdue_visits(ctx)}
    assert before[(SCAN, 1)] == "overdue"
    record = mark(trial, subject_id, reason="  patient in hospital for pneumonia ")
    assert (record.visit_type, record.number, record.reason) == (
        SCAN, 1, "patient in hospital for pneumonia"
    )  # fmt: skip
    assert record.planned_date == record.missed_on == planned(day0, 1)
    assert record.retracted is False
    assert record.recorded_by == "coord_tj"
    with pytest.raises(FrozenInstanceError):
        record.reason = "changed"  # type: ignore[misc]
    with unit_of_work(trial, "coord_tj", readonly=True) as ctx:
        rows = visit_schedule(ctx, subject_id)
        overdue = {(v.visit_type, v.number) for v in overdue_visits(ctx)}
    not_done = next(v for v in rows if v.status == "not done")
    assert (not_done.visit_type, not_done.number, not_done.actual) == (SCAN, 1, planned(day0, 1))
    assert (not_done.reason, not_done.missed_visit_id) == (
        "patient in hospital for pneumonia", record.id
    )  # fmt: skip
    assert {(v.visit_type, v.number) for v in rows if v.status != "not done"} >= {(SCAN, 2)}
    assert (SCAN, 1) not in overdue
    with trial.sessions() as session:
        written = session.scalars(
            select(AuditLog.action).where(
                AuditLog.table_name == "missed_visits", AuditLog.record_id == str(record.id)
            )
        ).all()
    assert written == ["insert"]


def test_the_next_visit_entered_without_a_number_follows_the_mark(trial: Database) -> None:
    subject_id, day0 = randomized(trial)
    move_clock(trial, planned(day0, 2))
    mark(trial, subject_id)
    with unit_of_work(trial, "coord_tj") as ctx:
        visit = record_visit(
            ctx, subject_id=subject_id, visit_type=SCAN, actual_date=planned(day0, 2)
        )
    assert (visit.number, visit.in_window) == (2, True)


@pytest.mark.parametrize(
    ("fields", "error", "field", "message"),
    [
        pytest.param({"reason": "   "}, InputError, "reason", "non-empty", id="blank-reason"),
        pytest.param({"visit_type": "baseline"}, InputError, "visit_type", "must be one of",
                     id="baseline-not-missable"),
        pytest.param({"visit_type": "unscheduled"}, InputError, "visit_type", "must be one of",
                     id="unscheduled-not-missable"),
        pytest.param({"number": 0}, InputError, "number", "must be ≥ 1, got 0",
                     id="number-zero"),
        pytest.param({"number": 3}, ConflictError, "number",
                     "not yet in subject .*'s schedule: the next expected is "
                     "tumour_assessment visit 1", id="beyond-the-next"),
        pytest.param({"missed_on": "2026-13-01"}, InputError, "missed_on", "YYYY-MM-DD",
                     id="malformed-day"),
        pytest.param({"missed_on": "future"}, InputError, "missed_on", "is in the future",
                     id="future-day"),
        pytest.param({"missed_on": "before"}, ConflictError, "missed_on",
                     "before subject .*'s randomization", id="before-randomization"),
        pytest.param({"visit_type": "follow_up"}, ConflictError, "visit_type",
                     "still on study treatment", id="follow-up-on-treatment"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_its_field(
    trial: Database, fields: dict[str, Any], error: type[Exception], field: str, message: str
) -> None:
    subject_id, result = enroll(trial, "inv_tj", randomize=True)
    assert result is not None
    arm, day0 = result.arm, result.randomized_at.date()
    today = day0 + timedelta(INTERVAL + 20)
    move_clock(trial, today)
    with unit_of_work(trial, "inv_tj") as ctx:
        for drug in ctx.protocol.drugs_of(arm):
            record_dose(ctx, subject_id=subject_id, drug=drug.code, event="start", event_date=day0)
    days = {"future": today + timedelta(1), "before": day0 - timedelta(1)}
    if fields.get("missed_on") in days:
        fields = fields | {"missed_on": days[fields["missed_on"]]}
    with pytest.raises(error, match=message) as refused:
        mark(trial, subject_id, **fields)
    assert refused.value.field == field  # type: ignore[attr-defined]
    assert marks(trial) == 0


def test_a_visit_recorded_or_marked_cannot_be_marked(trial: Database) -> None:
    subject_id, day0 = randomized(trial)
    move_clock(trial, planned(day0, 3))
    with unit_of_work(trial, "coord_tj") as ctx:
        record_visit(ctx, subject_id=subject_id, visit_type=SCAN, actual_date=planned(day0, 1))
    with pytest.raises(ConflictError, match="has tumour_assessment visit 1 recorded on") as done:
        mark(trial, subject_id, number=1)
    assert done.value.field == "number"
    first = mark(trial, subject_id, number=2)
    with pytest.raises(ConflictError, match=rf"already recorded as not done \(missed visit "
                       rf"{first.id}, missed on {planned(day0, 2)}: scanner down\)"):  # fmt: skip
        mark(trial, subject_id, number=2)
    assert marks(trial) == 1


def test_a_real_visit_is_refused_until_the_mark_is_retracted(trial: Database) -> None:
    """The two records would contradict each other: the mark is retracted on the record, with
    its reason, and the visit then recorded; the mark stays, retracted."""
    subject_id, day0 = randomized(trial)
    move_clock(trial, planned(day0, 1) + timedelta(10))
    record = mark(trial, subject_id)
    with (
        pytest.raises(
            ConflictError, match=r"is recorded as not done .* retract that mark first"
        ) as refused,
        unit_of_work(trial, "coord_tj") as ctx,
    ):
        record_visit(ctx, subject_id=subject_id, visit_type=SCAN, actual_date=planned(day0, 1),
                     number=1)  # fmt: skip
    assert refused.value.field == "number"
    with unit_of_work(trial, "inv_tj") as ctx:
        correction = correct_value(
            ctx, table="missed_visits", record_id=record.id, field="retracted", value="true",
            reason="the scan was done at a partner hospital; report received",
        )  # fmt: skip
        visit = record_visit(ctx, subject_id=subject_id, visit_type=SCAN,
                             actual_date=planned(day0, 1), number=1)  # fmt: skip
    assert (correction.old_value, correction.new_value) == ("false", "true")
    assert visit.number == 1
    with unit_of_work(trial, "coord_tj", readonly=True) as ctx:
        statuses = {(v.visit_type, v.number): v.status for v in visit_schedule(ctx, subject_id)}
    assert statuses[(SCAN, 1)] == "done"
    with (
        pytest.raises(ConflictError, match="has tumour_assessment visit 1 recorded"),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        correct_value(ctx, table="missed_visits", record_id=record.id, field="retracted",
                      value="false", reason="restore")  # fmt: skip
    assert marks(trial) == 1


def test_the_day_and_reason_are_corrected_as_entered(trial: Database) -> None:
    subject_id, day0 = randomized(trial)
    today = planned(day0, 1) + timedelta(10)
    move_clock(trial, today)
    record = mark(trial, subject_id)
    with unit_of_work(trial, "inv_tj") as ctx:
        correct_value(ctx, table="missed_visits", record_id=record.id, field="reason",
                      value="patient refused the scan", reason="site's note misread")  # fmt: skip
    with (
        pytest.raises(InputError, match="is in the future"),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        correct_value(ctx, table="missed_visits", record_id=record.id, field="missed_on",
                      value=today + timedelta(1), reason="typo")  # fmt: skip
    with trial.sessions() as session:
        stored = session.get_one(tables.MissedVisit, record.id)
        assert (stored.reason, stored.missed_on) == ("patient refused the scan", planned(day0, 1))


def test_a_frozen_subject_refuses_a_mark(trial_dm: Database) -> None:
    subject_id, day0 = randomized(trial_dm)
    move_clock(trial_dm, planned(day0, 1) + timedelta(10))
    with unit_of_work(trial_dm, "dm") as ctx:
        change_lock(ctx, action="freeze", scope="subject", target=subject_id, reason="interim")
    with pytest.raises(ConflictError, match="frozen"):
        mark(trial_dm, subject_id)
    assert marks(trial_dm) == 0


def _overdue_queries(database: Database) -> list[tuple[str, str, int, str, str]]:
    """(finding, table, record id, status, closed by) of the ``visit_overdue`` queries."""
    with database.sessions() as session:
        rows = session.execute(
            select(EditCheckQuery.finding, tables.DataQuery)
            .join(tables.DataQuery, tables.DataQuery.id == EditCheckQuery.query_id)
            .where(EditCheckQuery.rule == "visit_overdue")
            .order_by(tables.DataQuery.id)
        ).all()
    return [(f, q.table_name, q.record_id, q.status, q.closed_by or "") for f, q in rows]


def test_the_overdue_query_is_on_the_randomization_and_closes_once_marked(
    trial_dm: Database,
) -> None:
    subject_id, day0 = randomized(trial_dm)
    move_clock(trial_dm, planned(day0, 2) - timedelta(5))
    with unit_of_work(trial_dm, "coord_tj") as ctx:  # a later visit is not the record at fault
        record_visit(ctx, subject_id=subject_id, visit_type="treatment",
                     actual_date=planned(day0, 1, "treatment"))  # fmt: skip
    with unit_of_work(trial_dm, "dm") as ctx:
        run_edit_checks(ctx)
    with trial_dm.sessions() as session:
        allocation = session.scalars(
            select(Allocation.id).where(Allocation.subject_id == subject_id)
        ).one()
    assert (f"{SCAN}:1", "allocations", allocation, "open", "") in _overdue_queries(trial_dm)
    mark(trial_dm, subject_id)
    with unit_of_work(trial_dm, "dm") as ctx:
        run_edit_checks(ctx)
    found = {q[0]: q for q in _overdue_queries(trial_dm)}
    assert found[f"{SCAN}:1"][3:] == ("closed", "system")
    assert f"{SCAN}:2" not in found  # not overdue yet


def test_two_scans_not_done_before_progression_censor_ttp(trial: Database) -> None:
    """The missed-assessment rule counts the scans that took place: two marked not done
    before a progression leave it censored at the last adequate assessment."""
    subject_id, day0 = randomized(trial)
    move_clock(trial, planned(day0, 3) + timedelta(5))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0, lesions=BASELINE_LESIONS
        )
        for number in (1, 2):
            record_missed_visit(ctx, subject_id=subject_id, visit_type=SCAN, number=number,
                                reason="scanner down")  # fmt: skip
        # mRECIST PD: viable 50 + 40 mm against 70 mm at baseline (+28.6%)
        record_tumour_assessment(ctx, subject_id=subject_id, assessed_on=planned(day0, 3),
                                 lesions=lesions((50, 50), (40, 40)))  # fmt: skip
    with unit_of_work(trial, "stat", readonly=True) as ctx:
        (course,) = [c for c in subject_courses(ctx) if c.subject_id == subject_id]
    schedule = AssessmentSchedule.of(builtin().endpoint_rules)
    ttp = time_to_progression(course, schedule=schedule)
    assert (ttp.event, ttp.censor_reason) == (False, MISSED_ASSESSMENTS)
    assert ttp.event_or_censor_date == day0


def test_migration_0011_goes_down_and_up_on_a_database_with_data(trial: Database) -> None:
    """Down to 0010 the marks go with their table and every other record stays; up again the
    table is back, empty, as the models declare it."""
    subject_id, day0 = randomized(trial)
    move_clock(trial, planned(day0, 1) + timedelta(10))
    with unit_of_work(trial, "coord_tj") as ctx:
        record_visit(ctx, subject_id=subject_id, visit_type="treatment",
                     actual_date=planned(day0, 1, "treatment"))  # fmt: skip
    mark(trial, subject_id)
    trial.engine.dispose()
    command.downgrade(alembic_config(trial.url), "0010_audit_record_rows")
    engine = make_engine(trial.url)
    try:
        with engine.connect() as connection:
            assert "missed_visits" not in inspect(connection).get_table_names()
            visits = connection.execute(sa.text("SELECT subject_id, number FROM visits")).all()
            assert [tuple(v) for v in visits] == [(subject_id, 1)]
        upgrade(trial.url)
        assert current_revision(trial.url) == head_revision() == "0011_missed_visits"
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            count = connection.execute(sa.text("SELECT count(*) FROM missed_visits")).scalar()
            assert count == 0
    finally:
        engine.dispose()
    mark(trial, subject_id)
    assert marks(trial) == 1
