"""What every unit of work reads, it reads afresh, in as few statements as it can.

The acting user and the stored protocol come in one statement at the start of each
transaction, and the monitoring guard's lock state with the subject's dates: none of it is
kept from one transaction to the next, so a change made by another process (another
``Database`` on the same file or server) holds from the next transaction on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from metsor.errors import ConflictError, PermissionDeniedError
from metsor.protocol import builtin
from metsor.services.access import require
from metsor.services.casebook import record_visit_page
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.locks import change_lock
from metsor.services.users import change_role, deactivate_user
from metsor.store.models.protocol import TrialProtocol

from .conftest import enroll, move_clock, statements

PANEL: list[dict[str, Any]] = [
    {"analyte": "ast", "value": 130.0, "unit": "U/L", "uln": 40.0},
    {"analyte": "platelets", "value": 90_000.0, "unit": "/mm3", "lln": 150_000.0},
]


@contextmanager
def another_process(database: Database) -> Iterator[Database]:
    """The same trial database opened again, as another process would open it."""
    other = Database.open(database.url, clock=database.clock)
    try:
        yield other
    finally:
        other.close()


def randomized(database: Database) -> tuple[str, date]:
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    return subject_id, result.randomized_at.date()


def store_document(database: Database, document: str, *, digest: str | None = None) -> None:
    """Write the stored protocol's text (and a digest: its own unless given) behind the
    application's back."""
    with database.engine.begin() as connection:
        connection.execute(
            update(TrialProtocol)
            .where(TrialProtocol.id == 1)
            .values(
                document=document,
                digest=digest or hashlib.sha256(document.encode("utf-8")).hexdigest(),
            )
        )


def test_a_unit_of_work_reads_its_user_and_the_protocol_in_one_statement(
    trial: Database,
) -> None:
    with (
        statements(trial, begin=False) as sent,
        unit_of_work(trial, "inv_tj", readonly=True) as ctx,
    ):
        assert ctx.actor.role == "investigator"
        assert ctx.protocol.nct_id == "NCT02672488"
    assert len(sent) == 1
    assert "trial_protocol" in sent[0]
    assert "users" in sent[0]


def test_a_role_changed_by_another_process_holds_from_the_next_transaction(
    trial: Database,
) -> None:
    with unit_of_work(trial, "coord_tj", readonly=True) as ctx:
        require(ctx, "enter_casebook")
    with another_process(trial) as other, unit_of_work(other, "admin") as ctx:
        change_role(ctx, "coord_tj", role="monitor")
    with unit_of_work(trial, "coord_tj", readonly=True) as ctx:
        assert ctx.actor.role == "monitor"
        with pytest.raises(PermissionDeniedError, match="role monitor"):
            require(ctx, "enter_casebook")


def test_a_user_deactivated_by_another_process_is_refused_at_the_next_transaction(
    trial: Database,
) -> None:
    with unit_of_work(trial, "coord_tj", readonly=True) as ctx:
        assert ctx.actor.active
    with another_process(trial) as other, unit_of_work(other, "admin") as ctx:
        deactivate_user(ctx, "coord_tj")
    with (
        pytest.raises(PermissionDeniedError, match="no active user 'coord_tj'"),
        unit_of_work(trial, "coord_tj", readonly=True),
    ):
        pass


def test_a_protocol_stored_anew_holds_from_the_next_transaction(trial: Database) -> None:
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        assert ctx.protocol == builtin("NCT02672488")
        document = ctx.protocol.model_dump_json()
    changed = document.replace('"target_enrollment":82', '"target_enrollment":90')
    assert changed != document
    store_document(trial, changed)
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        assert ctx.protocol.model_dump_json() == changed
    store_document(trial, document)
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        assert ctx.protocol == builtin("NCT02672488")


def test_a_protocol_altered_under_its_digest_is_refused_after_it_was_read(
    trial: Database,
) -> None:
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        document = ctx.protocol.model_dump_json()
        digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
    store_document(
        trial, document.replace('"target_enrollment":82', '"target_enrollment":90'), digest=digest
    )
    with (
        pytest.raises(ConflictError, match="does not match its digest"),
        unit_of_work(trial, "inv_tj", readonly=True) as ctx,
    ):
        ctx.protocol  # noqa: B018 - reading it is the check


def test_a_page_reads_the_lock_state_once_with_the_subjects_dates(trial: Database) -> None:
    subject_id, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(40))
    with statements(trial, begin=False) as sent, unit_of_work(trial, "inv_tj") as ctx:
        record_visit_page(
            ctx,
            subject_id=subject_id,
            visit_type="treatment",
            number=1,
            actual_date=day0 + timedelta(28),
            labs=PANEL,
        )
    probes = [statement for statement in sent if "data_locks" in statement]
    assert len(probes) == 1
    assert "consents" in probes[0]  # read with the subject's dates


def test_a_freeze_by_another_process_refuses_the_next_entry(trial: Database) -> None:
    subject_id, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(70))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_visit_page(
            ctx,
            subject_id=subject_id,
            visit_type="treatment",
            number=1,
            actual_date=day0 + timedelta(28),
            labs=PANEL,
        )
    with another_process(trial) as other, unit_of_work(other, "admin") as ctx:
        change_lock(ctx, action="freeze", scope="study", target=None, reason="interim analysis")
    with (
        pytest.raises(ConflictError, match="the study is frozen"),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        record_visit_page(
            ctx,
            subject_id=subject_id,
            visit_type="treatment",
            number=2,
            actual_date=day0 + timedelta(56),
            labs=PANEL,
        )
