"""Edit checks on SQLite and PostgreSQL: each rule fires on a case built for it and stays
silent on its neighbour; queries are raised by ``system`` on save and on demand, close
themselves when the condition no longer holds, and stay closed when a data manager closed them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from metsor.protocol import builtin
from metsor.services.casebook import (
    close_query,
    correct_value,
    record_adverse_event,
    record_death,
    record_dose,
    record_lab,
    record_tumour_assessment,
)
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.edit_checks import run_edit_checks
from metsor.services.users import add_user
from metsor.services.visit_status import overdue_visits, visit_schedule
from metsor.store.models.casebook import DataQuery
from metsor.store.models.monitoring import EditCheckQuery

from .conftest import (
    CONSENTED_ON,
    SEED,
    TRIAL_START,
    Calendar,
    enroll,
    move_clock,
    setup_trial,
)

BASELINE = [
    {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 40.0,
     "viable_diameter_mm": 40.0, "enhancing": True},
    {"lesion_id": "T2", "organ": "liver", "kind": "target", "diameter_mm": 30.0,
     "viable_diameter_mm": 30.0, "enhancing": True},
]  # fmt: skip


def follow_up(*targets: tuple[str, float]) -> list[dict[str, Any]]:
    return [
        {"lesion_id": name, "organ": "liver", "kind": "target", "diameter_mm": size,
         "viable_diameter_mm": size, "enhancing": True}
        for name, size in targets
    ]  # fmt: skip


def randomized(database: Database) -> tuple[str, str, date]:
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    return subject_id, result.arm, result.randomized_at.date()


def system_queries(database: Database, rule: str) -> list[tuple[str, int, str, str]]:
    """(subject, record id, status, closed by) of the system's queries of ``rule``."""
    with database.sessions() as session:
        rows = session.execute(
            select(DataQuery, EditCheckQuery)
            .join(EditCheckQuery, EditCheckQuery.query_id == DataQuery.id)
            .where(EditCheckQuery.rule == rule)
            .order_by(DataQuery.id)
        ).all()
        assert all(query.raised_by == "system" for query, _ in rows)
        return [(q.subject_id, q.record_id, q.status, q.closed_by or "") for q, _ in rows]


def run_checks(database: Database) -> None:
    with unit_of_work(database, "dm") as ctx:
        run_edit_checks(ctx)


@pytest.fixture
def trial_dm(trial: Database) -> Database:
    with unit_of_work(trial, "admin") as ctx:
        add_user(ctx, username="dm", role="data_manager")
    return trial


def test_an_implausible_lab_value_is_queried_and_the_query_closes_itself(
    trial_dm: Database,
) -> None:
    subject_id, _, day0 = randomized(trial_dm)
    move_clock(trial_dm, day0 + timedelta(10))
    with unit_of_work(trial_dm, "inv_tj") as ctx:
        bad = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=38, unit="g/L",
                         collected_on=day0 + timedelta(7))  # fmt: skip
        good = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=37, unit="g/L",
                          collected_on=day0 + timedelta(8))  # fmt: skip
    with trial_dm.engine.begin() as connection:  # stored before the range was enforced
        connection.execute(
            text("UPDATE lab_results SET value = 900 WHERE id = :id"), {"id": bad.id}
        )
    run_checks(trial_dm)
    assert system_queries(trial_dm, "lab_plausible") == [(subject_id, bad.id, "open", "")]
    assert good.id != bad.id
    with unit_of_work(trial_dm, "inv_tj") as ctx:
        correct_value(ctx, table="lab_results", record_id=bad.id, field="value", value=38,
                      reason="transcription")  # fmt: skip
    assert system_queries(trial_dm, "lab_plausible") == [(subject_id, bad.id, "closed", "system")]


def test_a_grade_3_event_with_no_action_is_queried_on_save(trial_dm: Database) -> None:
    subject_id, arm, day0 = randomized(trial_dm)
    move_clock(trial_dm, day0 + timedelta(30))
    drugs = [d for d in ("sorafenib", "metformin") if d in arm.split("_")]
    with unit_of_work(trial_dm, "inv_tj") as ctx:
        flagged = record_adverse_event(
            ctx, subject_id=subject_id, term="diarrhoea", grade=3, onset_date=day0 + timedelta(10),
            relatedness=dict.fromkeys(drugs, "possible"),
            action_taken=dict.fromkeys(drugs, "not_applicable"),
        )  # fmt: skip
        record_adverse_event(
            ctx, subject_id=subject_id, term="fatigue", grade=3, onset_date=day0 + timedelta(11),
            relatedness=dict.fromkeys(drugs, "possible"),
            action_taken=dict.fromkeys(drugs, "dose_reduced"),
        )  # fmt: skip
        record_adverse_event(
            ctx, subject_id=subject_id, term="hypertension", grade=2,
            onset_date=day0 + timedelta(12), relatedness=dict.fromkeys(drugs, "possible"),
            action_taken=dict.fromkeys(drugs, "not_applicable"),
        )  # fmt: skip
    found = system_queries(trial_dm, "ae_action")  # on save, without a run
    assert len(found) == len(drugs)
    assert all(status == "open" for _, _, status, _ in found)
    with trial_dm.sessions() as session:
        questions = session.scalars(select(DataQuery.question)).all()
    assert all(str(flagged.onset_date) in q for q in questions)


def test_a_visit_overdue_by_more_than_its_window(trial_dm: Database) -> None:
    subject_id, _, day0 = randomized(trial_dm)
    move_clock(trial_dm, day0 + timedelta(20))
    run_checks(trial_dm)
    assert system_queries(trial_dm, "visit_overdue") == []
    move_clock(trial_dm, day0 + timedelta(120))
    run_checks(trial_dm)
    found = system_queries(trial_dm, "visit_overdue")
    assert [(s, status) for s, _, status, _ in found] == [(subject_id, "open")]
    run_checks(trial_dm)  # raised once, not again
    assert len(system_queries(trial_dm, "visit_overdue")) == 1


def _overdue_questions(database: Database) -> list[str]:
    """The questions of the open ``visit_overdue`` queries, without their rule's tag."""
    with database.sessions() as session:
        return [
            question.removeprefix("[visit_overdue] ")
            for question in session.scalars(
                select(DataQuery.question)
                .join(EditCheckQuery, EditCheckQuery.query_id == DataQuery.id)
                .where(EditCheckQuery.rule == "visit_overdue", DataQuery.status == "open")
                .order_by(DataQuery.id)
            )
        ]


def test_a_follow_up_visit_overdue_after_treatment_ended(trial_dm: Database) -> None:
    subject_id, arm, day0 = randomized(trial_dm)
    stopped = day0 + timedelta(10)
    move_clock(trial_dm, stopped)
    with unit_of_work(trial_dm, "inv_tj") as ctx:
        for drug in (d for d in ("sorafenib", "metformin") if d in arm.split("_")):
            record_dose(ctx, subject_id=subject_id, drug=drug, event="start", event_date=day0)
            record_dose(
                ctx, subject_id=subject_id, drug=drug, event="discontinue", event_date=stopped,
                reason="patient decision",
            )  # fmt: skip
    # Safety follow-up 30 days after the last drug stopped, ± 7 days (the protocol's schedule).
    move_clock(trial_dm, stopped + timedelta(37))
    run_checks(trial_dm)
    assert not any(q.startswith("follow up") for q in _overdue_questions(trial_dm))
    move_clock(trial_dm, stopped + timedelta(38))
    run_checks(trial_dm)
    assert [q for q in _overdue_questions(trial_dm) if q.startswith("follow up")] == [
        f"follow up 1 was due on {stopped + timedelta(30)} (window to {stopped + timedelta(37)}) "
        "and is not recorded: 1 day overdue"
    ]
    with unit_of_work(trial_dm, "inv_tj", readonly=True) as ctx:
        schedule = {(v.visit_type, v.number): v.status for v in visit_schedule(ctx, subject_id)}
        overdue = {(v.visit_type, v.number) for v in overdue_visits(ctx)}
    assert schedule[("follow_up", 1)] == "overdue"
    assert ("follow_up", 1) in overdue


def test_visits_are_overdue_by_the_trial_s_own_schedule(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    protocol = builtin("NCT02672488")
    rules = protocol.endpoint_rules.model_copy(update={"tumour_interval_days": 84})
    database = Database.open(database_url, clock=Calendar(TRIAL_START))
    try:
        setup_trial(database, protocol=protocol.model_copy(update={"endpoint_rules": rules}))
        with unit_of_work(database, "admin") as ctx:
            add_user(ctx, username="dm", role="data_manager")
        subject_id, _, day0 = randomized(database)
        # The built-in schedule's first assessment (day 49 ± 7) would be overdue by now.
        move_clock(database, day0 + timedelta(91))
        run_checks(database)
        assert _overdue_questions(database) == []
        move_clock(database, day0 + timedelta(92))
        run_checks(database)
        assert _overdue_questions(database) == [
            f"tumour assessment 1 was due on {day0 + timedelta(84)} "
            f"(window to {day0 + timedelta(91)}) and is not recorded: 1 day overdue"
        ]
        assert [q[0] for q in system_queries(database, "visit_overdue")] == [subject_id]
    finally:
        database.close()


def test_a_target_lesion_missing_at_follow_up(trial_dm: Database) -> None:
    subject_id, _, day0 = randomized(trial_dm)
    move_clock(trial_dm, day0 + timedelta(120))
    with unit_of_work(trial_dm, "inv_tj") as ctx:
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=CONSENTED_ON + timedelta(3), lesions=BASELINE
        )
        complete = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(56),
            lesions=follow_up(("T1", 40.0), ("T2", 30.0)),
        )  # fmt: skip
        partial = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(112),
            lesions=follow_up(("T1", 41.0)),
        )  # fmt: skip
    found = system_queries(trial_dm, "target_lesion")
    assert [record for _, record, _, _ in found] == [partial.id]
    assert complete.id != partial.id


def test_a_death_with_no_cause(trial_dm: Database) -> None:
    first, _, day0 = randomized(trial_dm)
    second, _, _ = randomized(trial_dm)
    move_clock(trial_dm, day0 + timedelta(60))
    with unit_of_work(trial_dm, "inv_tj") as ctx:
        unexplained = record_death(ctx, subject_id=first, death_date=day0 + timedelta(50),
                                   cause="unknown")  # fmt: skip
        record_death(ctx, subject_id=second, death_date=day0 + timedelta(50), cause="unknown",
                     cause_detail="found dead at home; no autopsy")  # fmt: skip
    assert system_queries(trial_dm, "death_cause") == [(first, unexplained.id, "open", "")]


def test_a_dose_after_progression_without_a_reason(trial_dm: Database) -> None:
    subjects = [randomized(trial_dm) for _ in range(2)]
    day0 = subjects[0][2]
    move_clock(trial_dm, day0 + timedelta(80))
    starts = []
    for (subject_id, _, _), reason in zip(subjects, (None, "clinical benefit"), strict=True):
        with unit_of_work(trial_dm, "inv_tj") as ctx:
            record_tumour_assessment(
                ctx,
                subject_id=subject_id,
                assessed_on=CONSENTED_ON + timedelta(3),
                lesions=BASELINE,
            )
            scan = record_tumour_assessment(
                ctx, subject_id=subject_id, assessed_on=day0 + timedelta(56),
                lesions=follow_up(("T1", 60.0), ("T2", 40.0)),
            )  # fmt: skip
            assert scan.recist_response == "PD"
            starts.append(
                record_dose(
                    ctx,
                    subject_id=subject_id,
                    drug="sorafenib",
                    event="start",
                    event_date=day0 + timedelta(60),
                    reason=reason,
                )
            )
    found = system_queries(trial_dm, "dose_after_progression")
    assert found == [(subjects[0][0], starts[0].id, "open", "")]


def test_a_query_a_data_manager_closed_is_not_raised_again(trial_dm: Database) -> None:
    subject_id, _, day0 = randomized(trial_dm)
    move_clock(trial_dm, day0 + timedelta(60))
    with unit_of_work(trial_dm, "inv_tj") as ctx:
        record_death(ctx, subject_id=subject_id, death_date=day0 + timedelta(50), cause="unknown")
    assert len(system_queries(trial_dm, "death_cause")) == 1
    with trial_dm.sessions() as session:
        query_id = session.scalars(select(DataQuery.id)).one()
    with unit_of_work(trial_dm, "dm") as ctx:
        close_query(ctx, query_id=query_id, resolution="cause truly unknown: family declined")
    run_checks(trial_dm)
    assert [q[2:] for q in system_queries(trial_dm, "death_cause")] == [("closed", "dm")]
