"""No tumour assessment is expected after a subject's first radiological progression when the
protocol ends imaging there (:attr:`metsor.protocol.model.EndpointRules.
imaging_ends_at_progression`), on SQLite and PostgreSQL: the casebook's schedule, the
dashboard's overdue list and the ``visit_overdue`` edit check; the treatment and follow-up
visits go on, a scan done after progression is recorded all the same, and a protocol that
images beyond progression keeps expecting scans."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from metsor.protocol import builtin
from metsor.protocol.schedule import visit_schedule as protocol_schedule
from metsor.services.casebook import record_dose, record_tumour_assessment, record_visit
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.edit_checks import run_edit_checks
from metsor.services.users import add_user
from metsor.services.visit_status import overdue_visits, visit_schedule
from metsor.store.models.casebook import DataQuery
from metsor.store.models.monitoring import EditCheckQuery

from .builders import BASELINE_LESIONS, lesions
from .conftest import SEED, TRIAL_START, Calendar, enroll, move_clock, setup_trial

SCAN = "tumour_assessment"

#: Scan 1: the viable sum falls from 70 to 30 mm (mRECIST PR), the diameters stay (RECIST SD).
SCAN_1 = lesions((40, 20), (30, 10))
#: Scan 2: the viable sum grows from its nadir of 30 to 40 mm (+33%: mRECIST PD), the
#: diameters stay at 70 mm (RECIST SD).
MRECIST_PD = lesions((40, 25), (30, 15))
#: Scan 2: both sums grow from 70 to 90 mm (+29%, +20 mm: PD by both criteria).
BOTH_PD = lesions((50, 50), (40, 40))


def _trial(
    database_url: str, monkeypatch: pytest.MonkeyPatch, criteria: str | None
) -> Iterator[Database]:
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    protocol = builtin("NCT02672488")
    rules = protocol.endpoint_rules.model_copy(update={"imaging_ends_at_progression": criteria})
    database = Database.open(database_url, clock=Calendar(TRIAL_START), durable=False)
    try:
        setup_trial(database, protocol=protocol.model_copy(update={"endpoint_rules": rules}))
        with unit_of_work(database, "admin") as ctx:
            add_user(ctx, username="dm", role="data_manager")
        yield database
    finally:
        database.close()


@pytest.fixture
def trial_mrecist(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A trial whose imaging ends at the first mRECIST progression (the built-in default)."""
    yield from _trial(database_url, monkeypatch, "mrecist")


def randomized(database: Database) -> tuple[str, date, tuple[str, ...]]:
    """A subject randomized, who starts every drug of their arm that day (on treatment), with
    the day and those drugs."""
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    day0 = result.randomized_at.date()
    drugs = tuple(drug.code for drug in builtin().drugs_of(result.arm))
    with unit_of_work(database, "inv_tj") as ctx:
        for drug in drugs:
            record_dose(ctx, subject_id=subject_id, drug=drug, event="start", event_date=day0)
    return subject_id, day0, drugs


def stop_treatment(database: Database, subject_id: str, drugs: tuple[str, ...], on: date) -> None:
    """Discontinue ``drugs`` on ``on``, for the progression."""
    with unit_of_work(database, "inv_tj") as ctx:
        for drug in drugs:
            record_dose(ctx, subject_id=subject_id, drug=drug, event="discontinue",
                        event_date=on, reason="radiological progression")  # fmt: skip


def planned(day0: date, number: int, visit_type: str = SCAN) -> date:
    """The built-in schedule's day for a visit of a subject randomized on ``day0``."""
    day = protocol_schedule(builtin()).plan(visit_type, number, randomized_on=day0).planned
    assert day is not None
    return day


def scans(database: Database, subject_id: str, day0: date, *follow_ups: Any) -> None:
    """Record the baseline and one scheduled scan (its visit and its assessment) per entry of
    ``follow_ups``, each on its planned day."""
    move_clock(database, planned(day0, len(follow_ups)))
    with unit_of_work(database, "inv_tj") as ctx:
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0, lesions=BASELINE_LESIONS
        )
        for number, found in enumerate(follow_ups, start=1):
            on = planned(day0, number)
            record_visit(ctx, subject_id=subject_id, visit_type=SCAN, actual_date=on, number=number)
            record_tumour_assessment(ctx, subject_id=subject_id, assessed_on=on, lesions=found)


def expected(database: Database, subject_id: str) -> dict[tuple[str, int], str]:
    """The schedule's visits not done yet, with their status."""
    with unit_of_work(database, "inv_tj", readonly=True) as ctx:
        rows = visit_schedule(ctx, subject_id)
    return {(v.visit_type, v.number): v.status for v in rows if v.actual is None}


def overdue(database: Database) -> set[tuple[str, str, int]]:
    with unit_of_work(database, "monitor", readonly=True) as ctx:
        return {(v.subject_id, v.visit_type, v.number) for v in overdue_visits(ctx)}


def scan_queries(database: Database) -> list[tuple[str, str, str]]:
    """(subject, status, closed by) of the ``visit_overdue`` queries of tumour assessments."""
    with database.sessions() as session:
        rows = session.execute(
            select(DataQuery)
            .join(EditCheckQuery, EditCheckQuery.query_id == DataQuery.id)
            .where(
                EditCheckQuery.rule == "visit_overdue",
                DataQuery.question.startswith("[visit_overdue] tumour assessment"),
            )
            .order_by(DataQuery.id)
        ).scalars()
        return [(q.subject_id, q.status, q.closed_by or "") for q in rows]


def run_checks(database: Database) -> None:
    with unit_of_work(database, "dm") as ctx:
        run_edit_checks(ctx)


@pytest.mark.parametrize(
    ("criteria", "scan_2", "scan_3_expected"),
    [
        pytest.param("mrecist", MRECIST_PD, False, id="mrecist-pd-ends-imaging"),
        pytest.param("mrecist", BOTH_PD, False, id="pd-by-both-ends-imaging"),
        pytest.param("recist", BOTH_PD, False, id="recist-pd-ends-recist-imaging"),
        pytest.param("recist", MRECIST_PD, True, id="mrecist-pd-is-no-recist-pd"),
        pytest.param(None, BOTH_PD, True, id="imaging-beyond-progression"),
    ],
)
def test_a_progression_at_scan_2_and_scan_3(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    criteria: str | None,
    scan_2: Any,
    scan_3_expected: bool,
) -> None:
    for database in _trial(database_url, monkeypatch, criteria):
        subject_id, day0, drugs = randomized(database)
        scans(database, subject_id, day0, SCAN_1, scan_2)
        stop_treatment(database, subject_id, drugs, planned(day0, 2))
        move_clock(database, planned(day0, 3) + timedelta(30))
        schedule = expected(database, subject_id)
        late = overdue(database)
        assert ((SCAN, 3) in schedule) is scan_3_expected
        assert ((subject_id, SCAN, 3) in late) is scan_3_expected
        if scan_3_expected:
            assert schedule[(SCAN, 3)] == "overdue"
        # The follow-up goes on whatever the scans do: the safety visit 30 ± 7 days after the
        # treatment stopped.
        assert schedule[("follow_up", 1)] == "overdue"
        assert (subject_id, "follow_up", 1) in late
        assert not any(kind == SCAN and number < 3 for kind, number in schedule)


def test_a_scan_after_progression_is_recorded_and_none_expected_after_it(
    trial_mrecist: Database,
) -> None:
    subject_id, day0, _ = randomized(trial_mrecist)
    scans(trial_mrecist, subject_id, day0, SCAN_1, MRECIST_PD)
    move_clock(trial_mrecist, planned(day0, 3))
    on = planned(day0, 3)
    with unit_of_work(trial_mrecist, "inv_tj") as ctx:
        visit = record_visit(ctx, subject_id=subject_id, visit_type=SCAN, actual_date=on, number=3)
        record = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=on, lesions=BOTH_PD
        )
    assert (visit.number, record.mrecist_response) == (3, "PD")
    move_clock(trial_mrecist, planned(day0, 5))
    schedule = expected(trial_mrecist, subject_id)
    assert not [key for key in schedule if key[0] == SCAN]
    with unit_of_work(trial_mrecist, "inv_tj", readonly=True) as ctx:
        done = [(v.visit_type, v.number) for v in visit_schedule(ctx, subject_id) if v.visit_id]
    assert done == [(SCAN, 1), (SCAN, 2), (SCAN, 3)]


def test_an_open_overdue_scan_query_closes_itself_once_a_progression_is_recorded(
    trial_mrecist: Database,
) -> None:
    progressing, day0, _ = randomized(trial_mrecist)
    stable, _, _ = randomized(trial_mrecist)
    for subject_id in (progressing, stable):
        scans(trial_mrecist, subject_id, day0, SCAN_1)
    move_clock(trial_mrecist, planned(day0, 2) + timedelta(10))
    run_checks(trial_mrecist)
    assert scan_queries(trial_mrecist) == [(progressing, "open", ""), (stable, "open", "")]
    # Scan 2 is late; an unscheduled scan shows the progression (no scheduled visit recorded).
    with unit_of_work(trial_mrecist, "inv_tj") as ctx:
        record_tumour_assessment(ctx, subject_id=progressing,
                                 assessed_on=planned(day0, 2) + timedelta(9),
                                 lesions=MRECIST_PD)  # fmt: skip
    run_checks(trial_mrecist)
    assert scan_queries(trial_mrecist) == [
        (progressing, "closed", "system"),
        (stable, "open", ""),
    ]
    late = overdue(trial_mrecist)
    assert (progressing, SCAN, 2) not in late
    assert (stable, SCAN, 2) in late
    # Still on treatment: the treatment visits are expected as before the progression.
    assert {(progressing, "treatment"), (stable, "treatment")} <= {(s, k) for s, k, _ in late}
    move_clock(trial_mrecist, planned(day0, 6))
    run_checks(trial_mrecist)
    assert [q for q in scan_queries(trial_mrecist) if q[0] == progressing] == [
        (progressing, "closed", "system")
    ]
