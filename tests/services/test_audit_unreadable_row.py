"""An audit row whose changes cannot be read, and the export's place of each field change.

A record's audit row edited behind the application's back (SQL on the connection) so that its
``changes`` no longer read: the field history and the audit export refuse with a
:class:`~metsor.errors.ConflictError` naming the row and pointing to ``metsor audit verify``,
which lists it as a break of the chain. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from metsor.errors import ConflictError
from metsor.services.casebook import record_lab, record_visit
from metsor.services.context import Database, unit_of_work
from metsor.services.history import field_history
from metsor.services.monitoring.audit_export import AUDIT_EXPORT_COLUMNS, audit_rows
from metsor.services.reports import verify_audit
from metsor.services.trial_data import trial_snapshot
from metsor.store.models.core import AuditLog

from .conftest import CONSENTED_ON, enroll, move_clock

UNREADABLE = [
    pytest.param('[["value", null, "15"', id="not-json"),
    pytest.param('{"value": "15"}', id="not-a-list"),
    pytest.param('[["value", null]]', id="two-items"),
    pytest.param('[["value", null, 15]]', id="number-not-text"),
]


def _subject_with_a_lab(database: Database) -> tuple[str, int]:
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    move_clock(database, result.randomized_at.date() + timedelta(20))
    with unit_of_work(database, "inv_tj") as ctx:
        record_visit(ctx, subject_id=subject_id, visit_type="baseline",
                     actual_date=CONSENTED_ON + timedelta(3))  # fmt: skip
        lab = record_lab(ctx, subject_id=subject_id, analyte="total_bilirubin", value=15,
                         unit="umol/L", collected_on=CONSENTED_ON + timedelta(3),
                         uln=21)  # fmt: skip
    return subject_id, lab.id


def _lab_row(database: Database, lab_id: int) -> int:
    with database.engine.connect() as conn:
        seq: int = conn.execute(
            select(func.max(AuditLog.seq)).where(
                AuditLog.table_name == "lab_results", AuditLog.record_id == str(lab_id)
            )
        ).scalar_one()
    return seq


def _spoil(database: Database, seq: int, changes: str) -> None:
    """Overwrite the changes of audit row ``seq``, as someone holding the database could."""
    with database.engine.begin() as conn:
        conn.execute(update(AuditLog).where(AuditLog.seq == seq).values(changes=changes))


@pytest.fixture
def spoiled(trial: Database, request: pytest.FixtureRequest) -> tuple[Database, int, int]:
    """A trial whose laboratory value's audit row was overwritten: (trial, lab id, row)."""
    _, lab_id = _subject_with_a_lab(trial)
    seq = _lab_row(trial, lab_id)
    _spoil(trial, seq, request.param)
    return trial, lab_id, seq


@pytest.mark.parametrize("spoiled", UNREADABLE, indirect=True)
def test_the_field_history_names_the_unreadable_row_and_the_command_that_reports_it(spoiled):
    trial, lab_id, seq = spoiled
    with (
        unit_of_work(trial, "monitor", readonly=True) as ctx,
        pytest.raises(
            ConflictError, match=rf"^audit row {seq} cannot be read \(its changes: "
        ) as refused,
    ):
        field_history(ctx, table="lab_results", record_id=lab_id, field="value")
    assert refused.value.message.endswith(
        "the audit trail was changed outside metsor; `metsor audit verify` reports it"
    )
    assert refused.value.seq == seq  # type: ignore[attr-defined]


@pytest.mark.parametrize("spoiled", UNREADABLE, indirect=True)
def test_the_export_stops_at_the_unreadable_row_naming_it(spoiled):
    trial, _, seq = spoiled
    with unit_of_work(trial, "monitor", readonly=True) as ctx:
        before: list[tuple[object, ...]] = []
        with pytest.raises(ConflictError, match=rf"^audit row {seq} cannot be read"):
            before.extend(audit_rows(ctx))
    assert before
    assert max(line[0] for line in before) < seq


@pytest.mark.parametrize("spoiled", UNREADABLE[:1], indirect=True)
def test_verify_lists_the_unreadable_row_as_a_break_of_the_chain(spoiled):
    trial, lab_id, seq = spoiled
    with unit_of_work(trial, "monitor", readonly=True) as ctx:
        report = verify_audit(ctx)
    found = [p for p in report.problems if p.seq == seq and p.kind == "chain"]
    assert [(p.table, p.record_id) for p in found] == [("lab_results", str(lab_id))], found
    assert found[0].message.startswith("its changes cannot be read (")
    assert f"audit row {seq}" in str(found[0])


def test_each_line_of_the_export_is_named_by_its_row_and_field_number(trial: Database):
    _subject_with_a_lab(trial)
    with unit_of_work(trial, "monitor", readonly=True) as ctx:
        lines = list(audit_rows(ctx))
    assert AUDIT_EXPORT_COLUMNS[:11] == (
        "seq", "recorded_at", "actor", "subject_id", "table", "record_id", "field", "action",
        "old_value", "new_value", "reason",
    )  # fmt: skip
    assert AUDIT_EXPORT_COLUMNS[-1] == "field_number"
    places = [(line[0], line[-1]) for line in lines]
    assert len(set(places)) == len(places)
    assert places == sorted(places)
    by_row: dict[object, list[object]] = {}
    for seq, number in places:
        by_row.setdefault(seq, []).append(number)
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in by_row.values())
    assert any(len(numbers) > 1 for numbers in by_row.values())


def test_the_reports_audit_line_counts_field_changes_then_rows_and_transactions(trial: Database):
    enroll(trial, "inv_tj", randomize=True)
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        report = verify_audit(ctx)
        summary = trial_snapshot(ctx).audit
    assert report.intact, report.problems
    assert summary.counts == report.counts
    assert (summary.field_changes, summary.audit_rows, summary.transactions) == (
        report.field_changes,
        report.audit_rows,
        report.transactions,
    )
    assert report.counts == (
        f"{report.field_changes:,} field changes audited, stored in {report.audit_rows:,} audit "
        f"rows of {report.transactions:,} transactions; {report.records:,} records compared"
    )
