"""Edits made behind the application's back are found and named by the audit verification."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from metsor.errors import PermissionDeniedError
from metsor.services.context import unit_of_work
from metsor.services.reports import verify_audit

from .conftest import enroll


@pytest.fixture
def populated(trial):
    """Two randomized subjects and one screen failure, written through the services."""
    first, _ = enroll(trial, randomize=True)
    second, _ = enroll(trial, randomize=True)
    return trial, first, second


def _report(database):
    with unit_of_work(database, "monitor", readonly=True) as ctx:
        return verify_audit(ctx)


def _tamper(database, sql, **params):
    with database.engine.connect() as conn:
        conn.execute(text(sql), params)
        conn.commit()


def test_untouched_trail_is_intact(populated):
    database, _, _ = populated
    report = _report(database)
    assert report.intact
    assert report.field_changes > 50
    assert 0 < report.audit_rows < report.field_changes
    assert report.records >= 10


def test_a_changed_clinical_value_is_named_by_table_record_and_field(populated):
    database, first, _ = populated
    _tamper(database, "UPDATE allocations SET arm = 'x' WHERE subject_id = :s", s=first)
    problem = _report(database).first_problem
    assert (problem.kind, problem.table, problem.field) == ("data", "allocations", "arm")
    assert "differs from the audit trail" in problem.message


def test_a_changed_audit_row_breaks_its_transaction_and_the_replay_names_the_field(populated):
    database, _, _ = populated
    with database.engine.begin() as conn:
        seq, changes = conn.execute(
            text("SELECT seq, changes FROM audit_log WHERE table_name = 'allocations' "
                 "ORDER BY seq DESC")
        ).first()  # fmt: skip
        edited = [
            [f, old, '"tampered"' if f == "arm" else new] for f, old, new in json.loads(changes)
        ]
        conn.execute(
            text("UPDATE audit_log SET changes = :c WHERE seq = :s"),
            {"c": json.dumps(edited), "s": seq},
        )
    problems = _report(database).problems
    assert (problems[0].kind, problems[0].table) == ("chain", "audit_transactions")
    assert "do not match its MAC" in problems[0].message
    assert any((p.kind, p.table, p.field) == ("data", "allocations", "arm") for p in problems[1:])


def test_a_row_hash_written_into_a_chained_row_is_found(populated):
    database, _, _ = populated
    _tamper(database, "UPDATE audit_log SET hash = :h WHERE seq = 5", h="f" * 64)
    problem = _report(database).first_problem
    assert (problem.kind, problem.seq) == ("chain", 5)
    assert "carries a row hash" in problem.message


def test_a_deleted_audit_row_is_found(populated):
    database, _, _ = populated
    _tamper(database, "DELETE FROM audit_log WHERE seq = 7")
    problem = _report(database).first_problem
    assert (problem.kind, problem.seq) == ("chain", 7)
    assert "audit rows 7 are missing" in problem.message


def test_a_row_added_or_deleted_behind_the_application_is_found(populated):
    database, first, _ = populated
    _tamper(database, "DELETE FROM allocations WHERE subject_id = :s", s=first)
    problems = _report(database).problems
    assert any(p.table == "allocations" and "is gone" in p.message for p in problems)
    _tamper(
        database,
        "INSERT INTO decisions (kind, value, rationale, decided_by, decided_at) "
        "VALUES ('raise_enrollment_cap', '{\"enrollment_cap\": 500}', 'x', 'x', :t)",
        t="2026-01-01 00:00:00",
    )
    problems = _report(database).problems
    assert any(p.table == "decisions" and p.message == "row has no audit history" for p in problems)


def test_a_changed_concealed_list_entry_is_found(populated):
    database, _, _ = populated
    _tamper(
        database,
        "UPDATE allocation_list SET arm = CASE arm WHEN 'sorafenib' THEN 'sorafenib_metformin' "
        "ELSE 'sorafenib' END WHERE position = 40",
    )
    problem = _report(database).first_problem
    assert (problem.kind, problem.table) == ("allocation_list", "allocation_list")


def test_a_moved_stratum_counter_is_found(populated):
    database, _, _ = populated
    _tamper(database, "UPDATE stratum_counters SET next_position = next_position + 1")
    problem = _report(database).first_problem
    assert (problem.kind, problem.table, problem.field) == (
        "counter",
        "stratum_counters",
        "next_position",
    )


def test_site_staff_may_not_verify_the_trail(populated):
    database, _, _ = populated
    with pytest.raises(PermissionDeniedError), unit_of_work(database, "inv_tj") as ctx:
        verify_audit(ctx)
