"""Subjects randomized some days ago, for casebook entries dated after randomization.

The trial's clock of the services that enroll them is set back ``days`` days (as the virtual
trial's calendar does), so that the server — on the real clock — accepts follow-up records
dated between randomization and today.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from metsor.eligibility.examples import eligible_record
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject

from ..conftest import WebServer

__all__ = ["randomized_days_ago"]


def _database_at(server: WebServer, when: datetime) -> Database:
    previous = os.environ.get("METSOR_HOME")
    os.environ["METSOR_HOME"] = str(server.home)
    try:
        return Database.open(server.database_url, clock=lambda: when)
    finally:
        if previous is None:
            os.environ.pop("METSOR_HOME", None)
        else:
            os.environ["METSOR_HOME"] = previous


def randomized_days_ago(
    server: WebServer, days: int, *, user: str = "coord_tj"
) -> tuple[str, str, date]:
    """A subject screened, consented and randomized ``days`` days ago at ``user``'s site.

    Returns
    -------
    tuple
        The subject's id, arm and day of randomization.
    """
    when = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    when -= timedelta(days=days)
    database = _database_at(server, when)
    try:
        with unit_of_work(database, user) as ctx:
            subject_id = register_subject(
                ctx, record=eligible_record(), screened_on=when.date()
            ).subject_id
        with unit_of_work(database, user) as ctx:
            record_consent(ctx, subject_id, consent_date=when.date())
        with unit_of_work(database, user) as ctx:
            arm = randomize_subject(ctx, subject_id).arm
    finally:
        database.close()
    return subject_id, arm, when.date()
