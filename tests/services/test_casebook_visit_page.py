"""A visit's page — the visit, its laboratory panel, vital signs and adverse events — recorded
in one call stores, grades and audits every field exactly as the single-record services do,
with one INSERT statement a table, on SQLite and PostgreSQL; and
refuses what a single call refuses (naming the field) plus a malformed page, writing nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from metsor.errors import ConflictError, InputError
from metsor.services.casebook import (
    record_adverse_event,
    record_lab_panel,
    record_visit,
    record_visit_page,
    record_vital_signs,
)
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.store.audit import field_entries
from metsor.store.models import casebook as tables
from metsor.store.models.core import AuditLog

from .conftest import enroll, move_clock

PANEL: list[dict[str, Any]] = [
    {"analyte": "ast", "value": 130.0, "unit": "U/L", "uln": 40.0},
    {"analyte": "platelets", "value": 90_000.0, "unit": "/mm3", "lln": 150_000.0},
]
VITALS: dict[str, Any] = {"systolic_mmhg": 162, "diastolic_mmhg": 95, "weight_kg": 70.5, "ecog": 1}

#: Audited fields that differ between two subjects' identical entries (who, which, when).
_IDENTITY = {"id", "subject_id", "recorded_at", "adverse_event_id"}


def randomized(database: Database) -> tuple[str, date, str]:
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    return subject_id, result.randomized_at.date(), result.arm


def events(ctx: ServiceContext, arm: str, on: date) -> list[dict[str, Any]]:
    """Two adverse events related to every study drug of the arm."""
    drugs = [drug.code for drug in ctx.protocol.drugs_of(arm)]
    return [
        {
            "term": term,
            "grade": 2,
            "onset_date": on - timedelta(days=3),
            "relatedness": dict.fromkeys(drugs, "probable"),
            "action_taken": dict.fromkeys(drugs, "dose_not_changed"),
        }
        for term in ("Diarrhea", "Fatigue")
    ]


def last_seq(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.max(AuditLog.seq))) or 0


def audited_since(database: Database, seq: int) -> list[tuple[str, str, str | None]]:
    """(table, field, new value) of the audit rows after ``seq``, sorted."""
    with database.sessions() as session:
        rows = [(e.table_name, e.field, e.new_value) for e in field_entries(session) if e.seq > seq]
    return sorted(
        ((table, field, value) for table, field, value in rows if field not in _IDENTITY),
        key=repr,
    )


@contextmanager
def counting_inserts(session: Session) -> Iterator[Counter[str]]:
    """The INSERT statements the session's connection sends, by table."""
    inserts: Counter[str] = Counter()
    connection = session.connection()

    def sent(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO "):
            inserts[statement.split()[2]] += 1

    event.listen(connection, "before_cursor_execute", sent)
    try:
        yield inserts
    finally:
        event.remove(connection, "before_cursor_execute", sent)


def test_a_page_is_stored_and_audited_as_single_entries(trial: Database) -> None:
    one_by_one, day0, arm = randomized(trial)
    as_page, _, page_arm = randomized(trial)
    for _ in range(8):  # the same arm for both, so that the same per-drug rows are written
        if page_arm == arm:
            break
        as_page, _, page_arm = randomized(trial)
    assert page_arm == arm
    move_clock(trial, day0 + timedelta(60))
    on = day0 + timedelta(28)
    seq = last_seq(trial)
    with unit_of_work(trial, "inv_tj") as ctx:
        record_visit(ctx, subject_id=one_by_one, visit_type="treatment", number=1, actual_date=on)
        record_lab_panel(ctx, subject_id=one_by_one, collected_on=on, results=PANEL)
        record_vital_signs(ctx, subject_id=one_by_one, measured_on=on, **VITALS)
        for fields in events(ctx, arm, on):
            record_adverse_event(ctx, subject_id=one_by_one, **fields)
    singles = audited_since(trial, seq)
    seq = last_seq(trial)
    with unit_of_work(trial, "inv_tj") as ctx, counting_inserts(ctx.session) as inserts:
        page = record_visit_page(
            ctx,
            subject_id=as_page,
            visit_type="treatment",
            number=1,
            actual_date=on,
            labs=PANEL,
            vital_signs=VITALS,
            adverse_events=events(ctx, arm, on),
        )
        # one statement a table: the events' per-drug rows after the events
        assert inserts == {
            "visits": 1,
            "lab_results": 1,
            "vital_signs": 1,
            "adverse_events": 1,
            "adverse_event_drugs": 1,
        }
        assert page.records == 1 + len(PANEL) + 1 + 2
        assert page.visit.in_window is not None
        assert page.vital_signs is not None
        # CTCAE v5.0 Hypertension, adult: systolic >= 160 mm Hg is grade 3
        assert page.vital_signs.hypertension_grade == 3
        assert all(result.ctcae_grade is not None for result in page.labs)
    assert audited_since(trial, seq) == singles
    assert len(singles) > 20


def test_a_page_without_adverse_events_is_one_insert_a_table(trial: Database) -> None:
    subject_id, day0, _ = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx, counting_inserts(ctx.session) as inserts:
        page = record_visit_page(
            ctx,
            subject_id=subject_id,
            visit_type="baseline",
            actual_date=day0 - timedelta(2),
            labs=PANEL,
            vital_signs=VITALS,
        )
        assert inserts == {"visits": 1, "lab_results": 1, "vital_signs": 1}
        assert (page.visit.number, len(page.labs), page.adverse_events) == (0, 2, ())


def stored(database: Database, subject_id: str) -> tuple[int, ...]:
    """How many visits, results, vital signs and adverse events the subject has."""
    with database.sessions() as session:
        return tuple(
            session.scalar(
                select(func.count()).select_from(table).where(table.subject_id == subject_id)
            )
            or 0
            for table in (
                tables.Visit,
                tables.LabResult,
                tables.VitalSigns,
                tables.AdverseEvent,
            )
        )


def _page(**change: Any) -> dict[str, Any]:
    return {"labs": PANEL, "vital_signs": VITALS, **change}


@pytest.mark.parametrize(
    ("page", "error", "field", "message"),
    [
        pytest.param(
            _page(vital_signs={**VITALS, "diastolic_mmhg": 170}),
            InputError,
            "vital_signs.diastolic_mmhg",
            "not below systolic",
            id="vital-signs-refused",
        ),
        pytest.param(
            _page(labs=[{**PANEL[0], "unit": "furlongs"}]),
            InputError,
            "labs.0.unit",
            "furlongs",
            id="lab-refused",
        ),
        pytest.param(
            _page(vital_signs={**VITALS, "measured_on": "2026-01-01"}),
            InputError,
            "vital_signs",
            "must not give measured_on",
            id="vital-signs-dated",
        ),
        pytest.param(
            _page(vital_signs=[1]), InputError, "vital_signs", "expected an object", id="not-a-map"
        ),
        pytest.param(
            _page(adverse_events="twice"),
            InputError,
            "adverse_events.0",
            "expected an object",
            id="ae-text",
        ),
        pytest.param(
            _page(adverse_events="same-twice"),
            ConflictError,
            "adverse_events",
            "twice on the page",
            id="ae-twice",
        ),
        pytest.param(
            _page(adverse_events="grade-9"),
            InputError,
            "adverse_events.0.grade",
            "≤ 5, got 9",
            id="ae-refused",
        ),
        pytest.param(_page(number=1), ConflictError, "number", "already has", id="visit-clash"),
    ],
)
def test_a_refused_page_names_the_field_and_writes_nothing(
    trial: Database, page: dict[str, Any], error: type[Exception], field: str, message: str
) -> None:
    subject_id, day0, arm = randomized(trial)
    move_clock(trial, day0 + timedelta(90))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_visit(
            ctx,
            subject_id=subject_id,
            visit_type="treatment",
            number=1,
            actual_date=day0 + timedelta(28),
        )
        valid = events(ctx, arm, day0 + timedelta(56))
    given = page.get("adverse_events")
    if given == "same-twice":
        page = {**page, "adverse_events": [valid[0], valid[0]]}
    elif given == "grade-9":
        page = {**page, "adverse_events": [{**valid[0], "grade": 9}]}
    elif given == "twice":
        page = {**page, "adverse_events": ["Diarrhea"]}
    before = (stored(trial, subject_id), last_seq(trial))
    options: dict[str, Any] = {"number": 2, **page}
    with pytest.raises(error, match=message) as raised, unit_of_work(trial, "inv_tj") as ctx:
        record_visit_page(
            ctx,
            subject_id=subject_id,
            visit_type="treatment",
            actual_date=day0 + timedelta(56),
            **options,
        )
    assert getattr(raised.value, "field", None) == field
    assert (stored(trial, subject_id), last_seq(trial)) == before
