"""Builders of the follow-up tests (new anticancer therapy, survival contacts): a trial whose
clock starts on the day its subjects are randomized, refusals that must write nothing, and the
exported ADTTE read back.

Shared here rather than imported from one test module into another.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from metsor.services.casebook import record_tumour_assessment
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.store.models import casebook as tables
from metsor.store.models.core import AuditLog

from .builders import BASELINE_LESIONS, lesions
from .conftest import SEED, Calendar, enroll, setup_trial

__all__ = [
    "DAY0",
    "RANDOMIZATION_TIME",
    "STABLE",
    "adtte_rows",
    "assert_each_refused",
    "counts",
    "dated_trial",
    "day",
    "randomized_on_day0",
]

RANDOMIZATION_TIME = datetime(2026, 2, 2, 9, 30, tzinfo=UTC)
DAY0 = RANDOMIZATION_TIME.date()


@contextmanager
def dated_trial(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Database, Calendar]]:
    """The ``trial`` of tests/services/conftest.py on a clock that starts at DAY0."""
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    calendar = Calendar(RANDOMIZATION_TIME)
    database = Database.open(database_url, clock=calendar)
    try:
        yield setup_trial(database), calendar
    finally:
        database.close()


def randomized_on_day0(database: Database, user: str = "inv_tj") -> str:
    """A subject randomized on DAY0 (the clock's day) with a baseline scan two days before."""
    subject_id, result = enroll(database, user, randomize=True)
    assert result is not None
    assert result.randomized_at.date() == DAY0
    with unit_of_work(database, user) as ctx:
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=DAY0 - timedelta(2), lesions=BASELINE_LESIONS
        )
    return subject_id


def day(n: int) -> date:
    """The day ``n`` days after DAY0."""
    return DAY0 + timedelta(days=n)


#: Follow-up lesions the same as at baseline (stable disease).
STABLE = lesions((40, 40), (30, 30))

#: The tables a refused follow-up entry must leave as they were.
COUNTED = (
    tables.AnticancerTherapy,
    tables.SurvivalContact,
    tables.Death,
    tables.Withdrawal,
    tables.DataCorrection,
    AuditLog,
)


def counts(database: Database) -> dict[str, int]:
    """Rows of each :data:`COUNTED` table."""
    with database.sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def assert_each_refused(
    trial: Database,
    cases: list[tuple[str, Callable[[ServiceContext], object], type[Exception], str]],
) -> None:
    """Each call, made as its user, raises its error naming its field and writes nothing."""
    before = counts(trial)
    for user, call, error, field in cases:
        with pytest.raises(error) as caught, unit_of_work(trial, user) as ctx:
            call(ctx)
        assert caught.value.field == field, caught.value  # type: ignore[attr-defined]
        assert counts(trial) == before, caught.value


def adtte_rows(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """The rows of an exported ADTTE by (subject, parameter)."""
    with path.open() as handle:
        return {
            (r["USUBJID"].removeprefix("NCT02672488-"), r["PARAMCD"]): r
            for r in csv.DictReader(handle)
        }
