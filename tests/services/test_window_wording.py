"""A randomization refused for an old screening or consent says "1 day" and "2 days".

A trial whose protocol sets windows of 0 or 1 day (on SQLite and PostgreSQL), so that the
refusal can name one day and a window of one day.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from metsor.errors import ConflictError
from metsor.protocol import builtin
from metsor.protocol.model import EntryWindows
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject

from .conftest import DAY0, ELIGIBLE, SEED, TRIAL_START, Calendar, setup_trial


def _trial(database_url: str, screening: int, consent: int) -> Database:
    """A trial whose protocol's screening and consent windows are those days (close it)."""
    protocol = builtin()
    windows = EntryWindows(
        screening_window_days=screening, consent_window_days=consent,
        sources=protocol.windows.sources,
    )  # fmt: skip
    database = Database.open(database_url, clock=Calendar(TRIAL_START))
    return setup_trial(database, protocol=protocol.model_copy(update={"windows": windows}))


@pytest.mark.parametrize(
    ("windows", "screened", "consented", "expected"),
    [
        pytest.param((2, 0), 2, 1, "the consent of subject {s} on {d1} is 1 day before "
                     "randomization on {d0}; the protocol's consent window is 0 days",
                     id="one-day"),
        pytest.param((1, 1), 2, 2, "the screening of subject {s} on {d2} is 2 days before "
                     "randomization on {d0}; the protocol's screening window is 1 day",
                     id="window-of-one-day"),
    ],
)  # fmt: skip
def test_the_refusal_says_days_in_their_number(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    windows: tuple[int, int],
    screened: int,
    consented: int,
    expected: str,
) -> None:
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    trial = _trial(database_url, *windows)
    try:
        with unit_of_work(trial, "inv_tj") as ctx:
            subject_id = register_subject(
                ctx, record=ELIGIBLE, screened_on=DAY0 - timedelta(screened)
            ).subject_id
        with unit_of_work(trial, "inv_tj") as ctx:
            record_consent(ctx, subject_id, consent_date=DAY0 - timedelta(consented))
        with pytest.raises(ConflictError) as refused, unit_of_work(trial, "inv_tj") as ctx:
            randomize_subject(ctx, subject_id)
    finally:
        trial.close()
    assert refused.value.message == expected.format(
        s=subject_id, d0=DAY0, d1=DAY0 - timedelta(1), d2=DAY0 - timedelta(2)
    )
