"""Fixtures of the service tests: an initialised trial with sites, users and a record.

``trial`` is the :class:`~metsor.services.context.Database` of ``database_url`` after
``initialize`` with a fixed allocation seed (:data:`SEED`), with a second site ``BJ`` and users
``inv_tj`` and ``coord_tj`` (site TJ), ``inv_bj`` (site BJ), ``monitor`` and ``stat`` (all
sites) besides ``admin``. Its clock is a :class:`Calendar` that stands at :data:`TRIAL_START`
until a test moves it (:func:`move_clock`): subjects enrolled by :func:`enroll` are randomized
on :data:`DAY0`, and what is recorded later is dated no later than the day the clock shows.
:data:`ELIGIBLE` is the example record of an eligible candidate
(:mod:`metsor.eligibility.examples`), in stratum ``ecog1_2-mvi_ehs_yes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from metsor.eligibility.examples import eligible_record
from metsor.services.allocation_seed import SeedSource
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import RandomizationResult, randomize_subject
from metsor.services.setup import initialize
from metsor.services.sites import add_site
from metsor.services.users import add_user

SEED = bytes(range(1, 33))

#: When the ``trial`` fixture's clock starts: after the screening and consent dates of
#: :func:`enroll`, so that subjects it randomizes are randomized on :data:`DAY0`.
TRIAL_START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY0 = TRIAL_START.date()
#: How many days before the clock's today :func:`enroll` screens and consents a subject, well
#: within the protocol's 28-day windows before randomization; on the ``trial`` fixture's clock
#: that is :data:`SCREENED_ON` and :data:`CONSENTED_ON`.
SCREENED_DAYS_BEFORE, CONSENTED_DAYS_BEFORE = 10, 9
SCREENED_ON = DAY0 - timedelta(days=SCREENED_DAYS_BEFORE)
CONSENTED_ON = DAY0 - timedelta(days=CONSENTED_DAYS_BEFORE)


class Calendar:
    """The trial's clock, moved forward by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, day: date) -> None:
        """Make ``day`` the trial's today."""
        self.now = datetime.combine(day, self.now.timetz())

    def advance(self, days: int) -> date:
        """Move the trial's today ``days`` forward; return the new today."""
        self.now += timedelta(days=days)
        return self.now.date()


def move_clock(database: Database, day: date) -> None:
    """Make ``day`` the today of ``database`` (opened on a :class:`Calendar`)."""
    clock = database.clock
    assert isinstance(clock, Calendar), "the database was not opened on a Calendar"
    clock.move_to(day)


#: The example record of an eligible candidate (a copy; tests do not change it).
ELIGIBLE: dict[str, Any] = eligible_record()


def record_for(*, ecog: int = 1, mvi: bool = True, ehs: bool = False, **top: Any) -> dict[str, Any]:
    """The eligible record with the stratification factors (and top-level fields) changed."""
    record = eligible_record()
    record["ecog"] = ecog
    record["tumour"]["macrovascular_invasion"] = mvi
    record["tumour"]["extrahepatic_spread"] = ehs
    record.update(top)
    return record


def seed_source() -> SeedSource:
    """The fixed allocation seed of the tests."""
    return SeedSource(SEED, "tests")


def setup_trial(database: Database, *, method: str = "permuted_blocks", **options: Any) -> Database:
    """Initialise ``database`` as the ``trial`` fixture does."""
    initialize(database, seed=seed_source(), method=method, **options)
    with unit_of_work(database, "admin") as ctx:
        add_site(ctx, name="Peking Union Medical College Hospital", code="BJ")
        add_user(ctx, username="inv_tj", role="investigator", site="TJ")
        add_user(ctx, username="coord_tj", role="coordinator", site="TJ")
        add_user(ctx, username="inv_bj", role="investigator", site="BJ")
        add_user(ctx, username="monitor", role="monitor")
        add_user(ctx, username="stat", role="statistician")
    return database


@pytest.fixture
def trial(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """An initialised trial database on a :class:`Calendar` (see the module docstring)."""
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    # thrown away after the test: commits need not wait for the disk (make_engine's durable)
    database = Database.open(database_url, clock=Calendar(TRIAL_START), durable=False)
    try:
        yield setup_trial(database)
    finally:
        database.close()


def enroll(
    database: Database,
    user: str = "inv_tj",
    record: dict[str, Any] | None = None,
    *,
    site: str | None = None,
    consent: bool = True,
    randomize: bool = False,
) -> tuple[str, RandomizationResult | None]:
    """Register (and consent, and randomize) one subject, each step its own transaction.

    The subject is screened and consented :data:`SCREENED_DAYS_BEFORE` and
    :data:`CONSENTED_DAYS_BEFORE` days before the database clock's today.
    """
    today = database.clock().date()
    with unit_of_work(database, user) as ctx:
        subject_id = register_subject(
            ctx,
            record=record or ELIGIBLE,
            site=site,
            screened_on=today - timedelta(days=SCREENED_DAYS_BEFORE),
        ).subject_id
    if consent:
        with unit_of_work(database, user) as ctx:
            record_consent(
                ctx, subject_id, consent_date=today - timedelta(days=CONSENTED_DAYS_BEFORE)
            )
    result = None
    if randomize:
        with unit_of_work(database, user) as ctx:
            result = randomize_subject(ctx, subject_id)
    return subject_id, result


@pytest.fixture
def enrolled(trial: Database) -> Callable[..., tuple[str, RandomizationResult | None]]:
    """``enrolled(user, record, consent=..., randomize=...)`` on the ``trial`` database."""

    def run(*args: Any, **kwargs: Any) -> tuple[str, RandomizationResult | None]:
        return enroll(trial, *args, **kwargs)

    return run


@contextmanager
def statements(database: Database, *, begin: bool = True) -> Iterator[list[str]]:
    """The SQL statements the block sends, each on one line, as the engine's listeners see
    them (``begin=False``: but SQLite's ``BEGIN``)."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if begin or not statement.startswith("BEGIN"):
            sent.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
