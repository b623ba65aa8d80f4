"""The dashboard's overdue visits and a run of the edit checks read the dosing histories (and
visits) of all their subjects with a fixed number of statements, and find what the rules find
subject by subject. Each case is asked of one site's subjects and of both sites' (twice as
many): the statements counted by an SQLAlchemy listener are as many. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from metsor.services.casebook import record_dose, record_tumour_assessment
from metsor.services.casebook.dosing import treatment_ended_on
from metsor.services.context import Database, unit_of_work
from metsor.services.expected_visits import expected_visits, expected_visits_of
from metsor.services.monitoring.edit_checks import RULES, run_edit_checks
from metsor.services.users import add_user
from metsor.services.visit_status import overdue_visits
from metsor.store.models.casebook import DataQuery, Visit
from metsor.store.models.core import Allocation, Subject
from metsor.store.models.monitoring import EditCheckQuery

from .conftest import CONSENTED_ON, DAY0, enroll, move_clock, statements

#: How each site's subjects are treated: treatment ended, dosing, a dose after a progression
#: without a reason, nothing recorded.
COURSES = ("ended", "dosing", "progressed", "untreated")
TODAY = DAY0 + timedelta(100)

BASELINE = [
    {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 40.0,
     "viable_diameter_mm": 40.0, "enhancing": True},
]  # fmt: skip
PROGRESSION = [
    {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 60.0,
     "viable_diameter_mm": 60.0, "enhancing": True},
]  # fmt: skip


def _treat(database: Database, user: str, subject_id: str, arm: str, course: str) -> None:
    with unit_of_work(database, user) as ctx:
        drugs = [drug.code for drug in ctx.protocol.drugs_of(arm)]
        if course == "progressed":
            for day, lesions in ((CONSENTED_ON + timedelta(3), BASELINE),
                                 (DAY0 + timedelta(56), PROGRESSION)):  # fmt: skip
                record_tumour_assessment(
                    ctx, subject_id=subject_id, assessed_on=day, lesions=lesions
                )
            record_dose(ctx, subject_id=subject_id, drug=drugs[0], event="start",
                        event_date=DAY0 + timedelta(60))  # fmt: skip
            return
        for drug in drugs if course in ("ended", "dosing") else ():
            record_dose(ctx, subject_id=subject_id, drug=drug, event="start", event_date=DAY0)
            if course == "ended":
                record_dose(ctx, subject_id=subject_id, drug=drug, event="discontinue",
                            event_date=DAY0 + timedelta(10), reason="patient decision")  # fmt: skip


@pytest.fixture
def courses(trial: Database) -> Database:
    """Four subjects at each site (TJ, BJ), one of each :data:`COURSES`, on day 100."""
    with unit_of_work(trial, "admin") as ctx:
        add_user(ctx, username="dm", role="data_manager")
    randomized = [
        (user, *enroll(trial, user, randomize=True), course)
        for user in ("inv_tj", "inv_bj")
        for course in COURSES
    ]
    move_clock(trial, TODAY)
    for user, subject_id, result, course in randomized:
        assert result is not None
        _treat(trial, user, subject_id, result.arm, course)
    return trial


def _reading(statements: list[str], table: str) -> int:
    return sum(f"FROM {table}" in s or f"JOIN {table}" in s for s in statements)


def _reference_overdue(database: Database, user: str, today: date) -> list[tuple[Any, ...]]:
    """The overdue visits as the rule says them, asked subject by subject."""
    with unit_of_work(database, user, readonly=True) as ctx:
        found = []
        rows = ctx.session.execute(
            select(Subject, Allocation).join(
                Allocation, Allocation.subject_id == Subject.subject_id
            )
        ).all()
        for subject, allocation in rows:
            if ctx.actor.site_id is not None and subject.site_id != ctx.actor.site_id:
                continue
            visits = ctx.session.scalars(
                select(Visit).where(Visit.subject_id == subject.subject_id)
            ).all()
            for expected in expected_visits(ctx.session, subject, allocation, visits):
                late = expected.days_overdue(today)
                if late is not None:
                    found.append((subject.subject_id, expected.visit_type, expected.number, late))
        return sorted(found)


@pytest.mark.parametrize(
    "user", [pytest.param("inv_bj", id="one-site"), pytest.param("monitor", id="every-site")]
)
def test_the_dashboard_finds_what_the_rule_finds_subject_by_subject(
    courses: Database, user: str
) -> None:
    with unit_of_work(courses, user, readonly=True) as ctx:
        batched = sorted(
            (v.subject_id, v.visit_type, v.number, v.days_overdue) for v in overdue_visits(ctx)
        )
    assert batched == _reference_overdue(courses, user, TODAY)
    assert {kind for _, kind, _, _ in batched} >= {"tumour_assessment", "follow_up"}


def test_the_treatment_ends_when_the_casebook_says_it_did(courses: Database) -> None:
    with unit_of_work(courses, "monitor", readonly=True) as ctx:
        rows = ctx.session.execute(
            select(Subject, Allocation).join(
                Allocation, Allocation.subject_id == Subject.subject_id
            )
        ).all()
        chosen = select(Subject.subject_id)
        of = expected_visits_of(ctx.session, [(s, a) for s, a in rows], chosen)
        ended = {
            s.subject_id: treatment_ended_on(ctx.session, s.subject_id, a.arm) for s, a in rows
        }
        for subject, _ in rows:
            follow_up = [e for e in of[subject.subject_id].expected if e.visit_type == "follow_up"]
            stopped = ended[subject.subject_id]
            assert (stopped is None) == (not follow_up), subject.subject_id
            if stopped is not None:
                assert follow_up[0].planned.planned == stopped + timedelta(30)
    assert sum(stopped is not None for stopped in ended.values()) == 2


def test_the_dashboard_reads_with_as_many_statements_for_twice_the_subjects(
    courses: Database,
) -> None:
    counts = []
    for user in ("inv_bj", "monitor"):
        with unit_of_work(courses, user, readonly=True) as ctx:
            with statements(courses) as sent:
                shown = overdue_visits(ctx)
            counts.append((len(sent), _reading(sent, "dose_events")))
        assert shown
    assert counts[0] == counts[1]
    assert counts[0][1] == 1


def _system_questions(database: Database) -> set[tuple[str, str, str]]:
    with database.sessions() as session:
        rows = session.execute(
            select(DataQuery.subject_id, EditCheckQuery.rule, DataQuery.question)
            .join(EditCheckQuery, EditCheckQuery.query_id == DataQuery.id)
            .where(DataQuery.status == "open")
        ).all()
    return {(subject, rule, question) for subject, rule, question in rows}


def _reference_findings(database: Database) -> set[tuple[str, str, str]]:
    """What every rule finds, asked subject by subject."""
    with unit_of_work(database, "dm", readonly=True) as ctx:
        subjects = ctx.session.scalars(select(Subject.subject_id)).all()
        return {
            (subject_id, finding.rule, f"[{finding.rule}] {finding.question}")
            for subject_id in subjects
            for rule in RULES.values()
            for finding in rule(ctx.session, subject_id, TODAY)
        }


def test_a_run_of_the_edit_checks_finds_what_each_rule_finds_subject_by_subject(
    courses: Database,
) -> None:
    expected = _reference_findings(courses)
    with unit_of_work(courses, "dm") as ctx:
        run = run_edit_checks(ctx)
    assert run.subjects == 2 * len(COURSES)
    assert run.findings == len(expected)
    assert _system_questions(courses) == expected
    assert {rule for _, rule, _ in expected} >= {"visit_overdue", "dose_after_progression"}
    assert any(q.endswith(" days overdue") for _, _, q in expected)


@pytest.mark.parametrize(
    "table", [pytest.param("dose_events", id="dosing"), pytest.param("visits", id="visits")]
)
def test_a_run_of_the_edit_checks_reads_as_often_for_twice_the_subjects(
    courses: Database, table: str
) -> None:
    reads = []
    for site in ("BJ", None):
        with unit_of_work(courses, "dm") as ctx:
            with statements(courses) as sent:
                run = run_edit_checks(ctx, site=site)
            reads.append((run.subjects, _reading(sent, table)))
    assert [subjects for subjects, _ in reads] == [len(COURSES), 2 * len(COURSES)]
    assert reads[0][1] == reads[1][1]
