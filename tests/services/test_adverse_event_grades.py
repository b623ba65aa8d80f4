"""The casebook's adverse events take only a grade the term has in CTCAE: an impossible grade
(alopecia 3, flatulence 3) is refused naming the field, and nothing is written; the term is
stored in its CTCAE v5.0 spelling."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from metsor.errors import InputError
from metsor.services.casebook import record_adverse_event
from metsor.services.context import Database, unit_of_work
from metsor.store.models import casebook as tables
from metsor.store.models.core import AuditLog

from .conftest import enroll, move_clock


def _randomized(database: Database) -> tuple[str, str, date]:
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    return subject_id, result.arm, result.randomized_at.date()


def _drugs(arm: str, value: str) -> dict[str, str]:
    return {drug: value for drug in ("sorafenib", "metformin") if drug in arm.split("_")}


def _written(database: Database) -> tuple[int, int]:
    with database.sessions() as session:
        events = session.scalar(select(func.count()).select_from(tables.AdverseEvent))
        audit = session.scalar(select(func.count()).select_from(AuditLog))
    return events or 0, audit or 0


def _record(database: Database, subject_id: str, arm: str, on: date, term: str, grade: int) -> str:
    with unit_of_work(database, "inv_tj") as ctx:
        event = record_adverse_event(
            ctx,
            subject_id=subject_id,
            term=term,
            grade=grade,
            onset_date=on,
            relatedness=_drugs(arm, "possible"),
            action_taken=_drugs(arm, "dose_not_changed"),
        )
        return event.term


@pytest.mark.parametrize(
    ("term", "grade", "highest"),
    [
        pytest.param("alopecia", 3, "0, 1, 2", id="alopecia-3"),
        pytest.param("Flatulence", 3, "0, 1, 2", id="flatulence-3"),
        pytest.param("weight loss", 4, "0, 1, 2, 3", id="weight-loss-4"),
        pytest.param("rash", 4, "0, 1, 2, 3", id="rash-4"),
        pytest.param("abdominal pain", 5, "0, 1, 2, 3", id="abdominal-pain-5"),
    ],
)
def test_an_impossible_grade_is_refused_naming_the_field(
    trial: Database, term: str, grade: int, highest: str
) -> None:
    subject_id, arm, day0 = _randomized(trial)
    move_clock(trial, day0 + timedelta(30))
    before = _written(trial)
    with pytest.raises(
        InputError, match=f"^field 'grade': (?!grade:).* has grades {highest}; got {grade}$"
    ) as caught:
        _record(trial, subject_id, arm, day0 + timedelta(10), term, grade)
    assert caught.value.field == "grade"
    assert _written(trial) == before


@pytest.mark.parametrize(
    ("term", "grade", "stored"),
    [
        pytest.param("alopecia", 2, "Alopecia", id="alopecia-2"),
        pytest.param("rash", 3, "Rash maculo-papular", id="rash-3"),
        pytest.param("weight loss", 3, "Weight loss", id="weight-loss-3"),
        pytest.param("general physical health deterioration", 3,
                     "General physical health deterioration", id="deterioration-3"),
    ],
)  # fmt: skip
def test_a_grade_the_term_has_is_stored_in_ctcae_spelling(
    trial: Database, term: str, grade: int, stored: str
) -> None:
    subject_id, arm, day0 = _randomized(trial)
    move_clock(trial, day0 + timedelta(30))
    assert _record(trial, subject_id, arm, day0 + timedelta(10), term, grade) == stored
