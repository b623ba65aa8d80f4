"""The edit checks on save find what every rule finds, with fewer reads; SQLite and PostgreSQL.

On save the record rules read only what they need (``metsor.services.monitoring.edit_checks``):
the laboratory values the plausible ranges do not clear at once, the tumour assessments once
for the target lesions and the first progression, the doses after a progression only when
there is one. These tests compare what a save raises with what every rule finds when run on
its own, on courses built for each rule (a progression or none, a target lesion missed, a dose
after the progression with or without a reason, each entry in its own transaction or all in
one), and the laboratory rule with :func:`metsor.clinical.plausibility.check_lab` on values
written behind the application's back at the edges of every range, in every unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from metsor.clinical import units
from metsor.clinical.plausibility import ANALYTE_RANGES, check_lab
from metsor.errors import InputError
from metsor.services.casebook import record_dose, record_lab, record_tumour_assessment
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.services.monitoring.edit_checks import RECORD_RULES, RULES
from metsor.store.base import Base
from metsor.store.models.casebook import DataQuery, LabResult
from metsor.store.models.monitoring import EditCheckQuery

from .conftest import CONSENTED_ON, DAY0, TRIAL_START, enroll, move_clock, statements

TODAY = DAY0 + timedelta(100)
NOW = TRIAL_START + timedelta(100)

BASELINE = [
    {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 40.0,
     "viable_diameter_mm": 40.0, "enhancing": True},
    {"lesion_id": "T2", "organ": "liver", "kind": "target", "diameter_mm": 30.0,
     "viable_diameter_mm": 30.0, "enhancing": True},
]  # fmt: skip


def _targets(*sizes: tuple[str, float]) -> list[dict[str, Any]]:
    return [
        {"lesion_id": name, "organ": "liver", "kind": "target", "diameter_mm": size,
         "viable_diameter_mm": size, "enhancing": True}
        for name, size in sizes
    ]  # fmt: skip


#: The follow-up scan of a course: the targets measured (a progression or not, T2 missed).
FOLLOW_UPS = {
    "stable": _targets(("T1", 40.0), ("T2", 30.0)),
    "progression": _targets(("T1", 60.0), ("T2", 40.0)),
    "progression, T2 missed": _targets(("T1", 90.0)),
    "T2 missed": _targets(("T1", 40.0)),
}

_Entry = Callable[[ServiceContext, str], object]


def _course(follow_up: str, reason: str | None) -> list[_Entry]:
    """The entries of a course: baseline scan, follow-up scan, a dose after it, a second scan."""
    return [
        lambda ctx, s: record_tumour_assessment(
            ctx, subject_id=s, assessed_on=CONSENTED_ON + timedelta(3), lesions=BASELINE
        ),
        lambda ctx, s: record_tumour_assessment(
            ctx, subject_id=s, assessed_on=DAY0 + timedelta(56), lesions=FOLLOW_UPS[follow_up]
        ),
        lambda ctx, s: record_dose(
            ctx,
            subject_id=s,
            drug="sorafenib",
            event="start",
            event_date=DAY0 + timedelta(60),
            reason=reason,
        ),
        lambda ctx, s: record_tumour_assessment(
            ctx, subject_id=s, assessed_on=DAY0 + timedelta(84), lesions=FOLLOW_UPS["stable"]
        ),
    ]


def _open_queries(database: Database, subject_id: str) -> set[tuple[str, str]]:
    """(rule, question) of the subject's open edit-check queries."""
    with database.sessions() as session:
        rows = session.execute(
            select(EditCheckQuery.rule, DataQuery.question)
            .join(DataQuery, DataQuery.id == EditCheckQuery.query_id)
            .where(EditCheckQuery.subject_id == subject_id, DataQuery.status == "open")
        ).all()
    return {(rule, question) for rule, question in rows}


def _every_record_rule(database: Database, subject_id: str) -> set[tuple[str, str]]:
    """(rule, question) of what every record rule finds of the subject, each run on its own."""
    with database.sessions() as session:
        return {
            (finding.rule, f"[{finding.rule}] {finding.question}")
            for rule in RECORD_RULES.values()
            for finding in rule(session, subject_id, TODAY)
        }


@pytest.mark.parametrize("together", [False, True], ids=["a-transaction-each", "one-transaction"])
@pytest.mark.parametrize("reason", [None, "clinical benefit"], ids=["no-reason", "reason"])
@pytest.mark.parametrize("follow_up", list(FOLLOW_UPS))
def test_a_save_raises_what_every_rule_finds(
    trial: Database, follow_up: str, reason: str | None, together: bool
) -> None:
    subject_id, result = enroll(trial, randomize=True)
    assert result is not None
    move_clock(trial, TODAY)
    entries = _course(follow_up, reason)
    for transaction in [entries] if together else [[entry] for entry in entries]:
        with unit_of_work(trial, "inv_tj") as ctx:
            for entry in transaction:
                entry(ctx, subject_id)
        assert _open_queries(trial, subject_id) == _every_record_rule(trial, subject_id)
    found = {rule for rule, _ in _open_queries(trial, subject_id)}
    assert ("dose_after_progression" in found) == ("progression" in follow_up and not reason)
    assert ("target_lesion" in found) == ("missed" in follow_up)


def test_a_scan_without_a_progression_reads_no_doses(trial: Database) -> None:
    subject_id, _ = enroll(trial, randomize=True)
    move_clock(trial, TODAY)
    scans = [(CONSENTED_ON + timedelta(3), BASELINE), (DAY0 + timedelta(56), FOLLOW_UPS["stable"]),
             (DAY0 + timedelta(84), FOLLOW_UPS["progression"])]  # fmt: skip
    doses_read = []
    for assessed_on, lesions in scans:
        with statements(trial) as sent, unit_of_work(trial, "inv_tj") as ctx:
            record_tumour_assessment(
                ctx, subject_id=subject_id, assessed_on=assessed_on, lesions=lesions
            )
        doses_read.append(sum("FROM dose_events" in statement for statement in sent))
    assert doses_read == [0, 0, 1]


def _edges(analyte: str, unit: str) -> list[float]:
    """Values at and around both ends of the analyte's plausible range in ``unit``."""
    plausible = ANALYTE_RANGES[analyte]
    values = [0.0, -0.0, -1.0, 1.0, 1e300, math.inf, -math.inf]
    for end in (plausible.low, plausible.high):
        there = units.convert(analyte, end, plausible.unit, unit)
        values += [there, math.nextafter(there, -math.inf), math.nextafter(there, math.inf)]
        values += [there * (1 - 1e-9), there * (1 + 1e-9), there * (1 - 1e-12), there * 1.5]
    return values


def _stored_values() -> list[tuple[str, str, float]]:
    """(analyte, unit, value): the edges of every range in every accepted unit, other
    spellings of a unit, and units the analyte does not accept."""
    stored = [
        (analyte, unit, value)
        for analyte, accepted in units.ACCEPTED_UNITS.items()
        for unit in accepted
        for value in _edges(analyte, unit)
    ]
    stored += [("ast", "IU/L", 50.0), ("hemoglobin", "G/DL", 12.0), ("hemoglobin", "g/dl", 128.0)]
    stored += [("creatinine", "µmol/L", 80.0), ("albumin", "mg/dL", 3.0), ("inr", "ratio", 1.1)]
    return stored


def _reference(analyte: str, unit: str, value: float) -> bool:
    """Whether :func:`check_lab` refuses the value."""
    try:
        check_lab(analyte, value, unit, field="value")
    except InputError:
        return True
    return False


def test_a_save_queries_every_implausible_value_stored_behind_its_back(
    trial: Database, database_backend: str
) -> None:
    subject_id, _ = enroll(trial, randomize=True)
    move_clock(trial, TODAY)
    stored = _stored_values()
    if database_backend == "postgresql":  # SQLite stores a NaN as NULL
        stored += [("hemoglobin", "g/dL", math.nan)]
    rows = [
        {"subject_id": subject_id, "collected_on": TODAY + timedelta(1 + number),
         "analyte": analyte, "value": value, "unit": unit, "standard_value": 0.0,
         "standard_unit": "", "recorded_by": "x", "recorded_at": trial.clock()}
        for number, (analyte, unit, value) in enumerate(stored)
    ]  # fmt: skip
    with trial.engine.begin() as connection:  # stored before the ranges were enforced, dated
        connection.execute(insert(LabResult), rows)  # after the value saved below
    with unit_of_work(trial, "inv_tj") as ctx:
        record_lab(ctx, subject_id=subject_id, analyte="albumin", value=3.5, unit="g/dL",
                   collected_on=TODAY)  # fmt: skip
    with trial.sessions() as session:
        by_id = {
            lab.id: (lab.analyte, lab.unit, lab.value)
            for lab in session.scalars(select(LabResult).where(LabResult.subject_id == subject_id))
        }
        queried = set(
            session.scalars(
                select(DataQuery.record_id)
                .join(EditCheckQuery, EditCheckQuery.query_id == DataQuery.id)
                .where(EditCheckQuery.rule == "lab_plausible")
            )
        )
        found = RULES["lab_plausible"](session, subject_id, TODAY)
    expected = {lab_id for lab_id, row in by_id.items() if _reference(*row)}
    assert queried == expected == {finding.record_id for finding in found}
    assert len(expected) > len(stored) // 3


_SPELLINGS = sorted({u for accepted in units.ACCEPTED_UNITS.values() for u in accepted} | {"mg/L"})
#: A value stored: an edge of a range in one of its units, or any value in any unit.
_STORED = st.sampled_from(_stored_values()) | st.tuples(
    st.sampled_from(units.ANALYTES),
    st.sampled_from(_SPELLINGS),
    st.floats(allow_nan=False) | st.floats(min_value=-1, max_value=1e7),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_STORED, min_size=1, max_size=20))
def test_the_laboratory_rule_finds_what_check_lab_refuses(
    stored: list[tuple[str, str, float]],
) -> None:
    """What the rule finds is what :func:`check_lab` refuses, though it reads only the values
    the plausible ranges do not clear at once (SQLite, on values written behind its back)."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[LabResult.__table__])
    with engine.begin() as connection:
        connection.execute(
            insert(LabResult),
            [
                {"subject_id": "S", "collected_on": date(2000, 1, 1) + timedelta(number),
                 "analyte": analyte, "value": value, "unit": unit, "standard_value": 0.0,
                 "standard_unit": "", "recorded_by": "x", "recorded_at": NOW}
                for number, (analyte, unit, value) in enumerate(stored)
            ],
        )  # fmt: skip
    with Session(engine) as session:
        found = {finding.record_id for finding in RULES["lab_plausible"](session, "S", TODAY)}
        every = session.execute(
            select(LabResult.id, LabResult.analyte, LabResult.unit, LabResult.value)
        ).all()
    engine.dispose()
    assert found == {row.id for row in every if _reference(row.analyte, row.unit, row.value)}
