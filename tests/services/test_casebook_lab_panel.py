"""A laboratory panel recorded in one call stores, grades and audits each value exactly as one
``record_lab`` call per value does, on SQLite and PostgreSQL, and refuses what a single call
refuses (naming the field) plus a malformed panel, writing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from metsor.errors import ConflictError, InputError
from metsor.services.casebook import record_lab, record_lab_panel
from metsor.services.context import Database, unit_of_work
from metsor.store.audit import field_entries
from metsor.store.models import casebook as tables
from metsor.store.models.core import AuditLog

from .conftest import enroll, move_clock

PANEL: list[dict[str, Any]] = [
    {"analyte": "ast", "value": 130.0, "unit": "U/L", "uln": 40.0},
    {"analyte": "total_bilirubin", "value": 30.0, "unit": "umol/L", "uln": 21.0},
    {"analyte": "platelets", "value": 90_000.0, "unit": "/mm3", "lln": 150_000.0},
    {"analyte": "hemoglobin", "value": 9.5, "unit": "g/dL", "lln": 13.0},
]

#: Columns that differ between two subjects' identical results (who, which, when stored).
_IDENTITY = {"id", "subject_id", "recorded_at"}


def randomized(database: Database) -> tuple[str, date]:
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    return subject_id, result.randomized_at.date()


def stored(database: Database, subject_id: str) -> list[dict[str, Any]]:
    """The subject's results, column by column, in the order they were stored."""
    with database.sessions() as session:
        rows = session.scalars(
            select(tables.LabResult)
            .where(tables.LabResult.subject_id == subject_id)
            .order_by(tables.LabResult.id)
        ).all()
        return [
            {
                column.key: getattr(row, column.key)
                for column in tables.LabResult.__table__.columns
                if column.key not in _IDENTITY
            }
            for row in rows
        ]


def audited(database: Database, subject_id: str) -> list[tuple[str, str | None]]:
    """(field, new value) of the audit rows of the subject's results, in chain order."""
    with database.sessions() as session:
        ids = session.scalars(
            select(tables.LabResult.id).where(tables.LabResult.subject_id == subject_id)
        ).all()
        records = {str(record_id) for record_id in ids}
        rows = [
            (e.field, e.new_value)
            for e in field_entries(session, table="lab_results")
            if e.record_id in records
        ]
    return [(field, value) for field, value in rows if field not in _IDENTITY]


def audit_rows(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditLog)) or 0


@pytest.mark.parametrize(
    "days",
    [
        pytest.param(28, id="after-randomization"),
        pytest.param(-2, id="baseline-period"),
    ],
)
def test_a_panel_is_stored_graded_and_audited_as_single_entries(trial: Database, days: int) -> None:
    one_by_one, day0 = randomized(trial)
    as_panel, _ = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    on = day0 + timedelta(days)
    with unit_of_work(trial, "inv_tj") as ctx:
        singles = [
            record_lab(ctx, subject_id=one_by_one, collected_on=on, **fields) for fields in PANEL
        ]
    with unit_of_work(trial, "inv_tj") as ctx:
        panel = record_lab_panel(ctx, subject_id=as_panel, collected_on=on, results=PANEL)
    assert [result.analyte for result in panel] == [fields["analyte"] for fields in PANEL]
    assert all(result.id is not None for result in panel)
    assert [r.ctcae_grade for r in panel] == [r.ctcae_grade for r in singles]
    assert stored(trial, as_panel) == stored(trial, one_by_one)
    assert audited(trial, as_panel) == audited(trial, one_by_one)
    assert len(audited(trial, as_panel)) > len(PANEL)


def test_a_panel_after_randomization_is_graded_against_each_baseline(trial: Database) -> None:
    """CTCAE v5.0: AST 130 U/L against a baseline of 80 above the ULN is 1.625 × baseline,
    grade 1 (against the ULN it would be 3.25 ×, grade 2)."""
    subject_id, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_lab(ctx, subject_id=subject_id, analyte="ast", value=80, unit="U/L",
                   collected_on=day0 - timedelta(2), uln=40)  # fmt: skip
    with unit_of_work(trial, "inv_tj") as ctx:
        ast, *_ = record_lab_panel(
            ctx, subject_id=subject_id, collected_on=day0 + timedelta(28), results=PANEL
        )
    assert (ast.ctcae_grade, ast.ctcae_basis, ast.baseline_value) == (1, "x baseline", 80)


@pytest.mark.parametrize(
    ("results", "error", "field", "message"),
    [
        pytest.param([], InputError, "results", "non-empty", id="empty"),
        pytest.param("ast", InputError, "results", "non-empty", id="text"),
        pytest.param(
            [PANEL[0], 5], InputError, "results.1", "expected an object", id="not-a-mapping"
        ),
        pytest.param(
            [{**PANEL[0], "colour": "red"}],
            InputError,
            "results.0.colour",
            "unknown field 'results.0.colour'",
            id="unknown-field",
        ),
        pytest.param(
            [{"analyte": "ast", "value": 5.0}],
            InputError,
            "results.0.unit",
            "missing",
            id="no-unit",
        ),
        pytest.param(
            [PANEL[0], {**PANEL[0], "value": 50.0}],
            InputError,
            "results",
            "'ast' is given twice",
            id="analyte-twice",
        ),
        pytest.param(
            [PANEL[0], {**PANEL[1], "value": -1.0}],
            InputError,
            "results.1.value",
            "-1",
            id="negative-value",
        ),
        pytest.param(
            [PANEL[0], {**PANEL[1], "unit": "furlongs"}],
            InputError,
            "results.1.unit",
            "furlongs",
            id="unknown-unit",
        ),
        pytest.param(
            [PANEL[0], {**PANEL[1], "analyte": "unobtainium"}],
            InputError,
            "results.1.analyte",
            "unobtainium",
            id="unknown-analyte",
        ),
        pytest.param(
            [PANEL[1], PANEL[2]],
            ConflictError,
            "collected_on",
            "already has",
            id="same-day-as-stored",
        ),
    ],
)
def test_a_refused_panel_names_the_field_and_writes_nothing(
    trial: Database, results: Any, error: type[Exception], field: str, message: str
) -> None:
    subject_id, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    on = day0 + timedelta(28)
    with unit_of_work(trial, "inv_tj") as ctx:
        record_lab(ctx, subject_id=subject_id, collected_on=on, **PANEL[2])
    before = (stored(trial, subject_id), audit_rows(trial))
    with pytest.raises(error, match=message) as raised, unit_of_work(trial, "inv_tj") as ctx:
        record_lab_panel(ctx, subject_id=subject_id, collected_on=on, results=results)
    assert getattr(raised.value, "field", None) == field
    assert (stored(trial, subject_id), audit_rows(trial)) == before
