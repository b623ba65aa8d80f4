"""The trial's clock: services take "now" from the database's clock, never from the wall.

A site's database runs on real UTC time; the virtual trial (``metsor demo``) passes its own
calendar, so that an allocation made on a virtual day is stamped with that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from metsor.errors import InputError
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject

from .conftest import ELIGIBLE, SEED, setup_trial

VIRTUAL_NOW = datetime(2016, 2, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def virtual_trial(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    database = Database.open(database_url, clock=lambda: VIRTUAL_NOW)
    try:
        yield setup_trial(database)
    finally:
        database.close()


def test_allocation_is_stamped_with_the_trial_clock(virtual_trial: Database) -> None:
    with unit_of_work(virtual_trial, "inv_tj") as ctx:
        subject_id = register_subject(
            ctx, record=ELIGIBLE, site=None, screened_on=date(2016, 1, 20)
        ).subject_id
        record_consent(ctx, subject_id, consent_date=date(2016, 1, 25))
    with unit_of_work(virtual_trial, "inv_tj") as ctx:
        result = randomize_subject(ctx, subject_id)
    assert result.randomized_at == VIRTUAL_NOW


def test_a_date_after_the_trial_clock_is_in_the_future(virtual_trial: Database) -> None:
    with (
        pytest.raises(InputError, match="screened_on 2016-02-02 is in the future"),
        unit_of_work(virtual_trial, "inv_tj") as ctx,
    ):
        register_subject(ctx, record=ELIGIBLE, site=None, screened_on=date(2016, 2, 2))
