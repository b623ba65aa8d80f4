"""What a dosing event, a death and a withdrawal read, and that they still check all of it.

A subject's timeline is read with the subject itself on SQLite (one statement: the
transaction holds the write lock from its ``BEGIN IMMEDIATE``), after the subject's row lock
on PostgreSQL (two). A dosing event reads the subject's dosing history once, as plain rows,
for its checks and for the subject's status. A death or a withdrawal keeps the timeline of
its transaction up to date instead of reading it again, so what follows in the same
transaction is checked against it. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from metsor.errors import ConflictError
from metsor.services.casebook import (
    correct_value,
    record_death,
    record_dose,
    record_lab,
    record_tumour_assessment,
    record_vital_signs,
    record_withdrawal,
)
from metsor.services.context import Database, unit_of_work
from metsor.store.models.casebook import TumourAssessment
from metsor.store.models.core import Subject

from .builders import BASELINE_LESIONS, lesions
from .conftest import enroll, move_clock, statements


def reading(sent: list[str], table: str) -> list[str]:
    """The statements of ``sent`` that read ``table``."""
    return [s for s in sent if s.startswith("SELECT") and f"FROM {table}" in s]


def dosing_histories(sent: list[str]) -> list[str]:
    """The statements of ``sent`` that read a subject's dosing history, in the order it
    happened (the edit checks' read of the doses after a progression is another)."""
    return [s for s in reading(sent, "dose_events") if "ORDER BY dose_events.event_date" in s]


def randomized(database: Database, *, drugs: int = 1) -> tuple[str, str, date]:
    """A subject randomized to an arm of ``drugs`` study drugs: identifier, arm, day."""
    for _ in range(20):
        subject_id, result = enroll(database, "inv_tj", randomize=True)
        assert result is not None
        if len(result.arm.split("_")) == drugs:
            return subject_id, result.arm, result.randomized_at.date()
    raise AssertionError(f"no subject randomized to an arm of {drugs} drugs")


def status_of(database: Database, subject_id: str) -> str:
    with database.sessions() as session:
        status = session.scalar(select(Subject.status).where(Subject.subject_id == subject_id))
    assert status is not None
    return status


def test_the_timeline_is_read_with_the_subject_on_sqlite_after_its_lock_elsewhere(
    trial: Database,
) -> None:
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(10))
    with statements(trial) as sent, unit_of_work(trial, "inv_tj") as ctx:
        record_vital_signs(
            ctx, subject_id=subject_id, measured_on=day0 + timedelta(7),
            systolic_mmhg=120, diastolic_mmhg=80,
        )  # fmt: skip
    of_subject = reading(sent, "subjects")
    sqlite = trial.engine.dialect.name == "sqlite"
    assert len(of_subject) == (1 if sqlite else 2)
    assert all("allocations" in s for s in of_subject[-1:])
    assert sqlite or "FOR UPDATE" in of_subject[0]
    # on SQLite an entry that leaves the subject's status as it is never loads its row
    assert not sqlite or "subjects.registered_at" not in of_subject[0]


def test_a_status_change_loads_the_subject_row_once(trial: Database) -> None:
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(10))
    with statements(trial) as sent, unit_of_work(trial, "inv_tj") as ctx:
        record_dose(ctx, subject_id=subject_id, drug="sorafenib", event="start", event_date=day0)
    rows = [s for s in reading(sent, "subjects") if "subjects.registered_at" in s]
    assert len(rows) == 1
    assert status_of(trial, subject_id) == "on_treatment"


def test_a_dosing_event_reads_the_history_once_and_the_status_follows(trial: Database) -> None:
    subject_id, arm, day0 = randomized(trial, drugs=2)
    drugs = arm.split("_")
    move_clock(trial, day0 + timedelta(60))
    with statements(trial) as sent, unit_of_work(trial, "inv_tj") as ctx:
        for drug in drugs:
            record_dose(ctx, subject_id=subject_id, drug=drug, event="start", event_date=day0)
    assert len(dosing_histories(sent)) == len(drugs)
    assert status_of(trial, subject_id) == "on_treatment"
    for number, drug in enumerate(drugs, 1):
        with statements(trial) as sent, unit_of_work(trial, "inv_tj") as ctx:
            record_dose(
                ctx, subject_id=subject_id, drug=drug, event="discontinue",
                event_date=day0 + timedelta(20 + number), reason="toxicity",
            )  # fmt: skip
        assert len(dosing_histories(sent)) == 1
        # off treatment once the last drug of the arm is discontinued, not before
        expected = "off_treatment" if number == len(drugs) else "on_treatment"
        assert status_of(trial, subject_id) == expected


def test_a_second_start_is_refused_whichever_drug_was_started(trial: Database) -> None:
    subject_id, arm, day0 = randomized(trial, drugs=2)
    first, second = arm.split("_")
    move_clock(trial, day0 + timedelta(30))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_dose(ctx, subject_id=subject_id, drug=first, event="start", event_date=day0)
    with pytest.raises(ConflictError), unit_of_work(trial, "inv_tj") as ctx:
        record_dose(
            ctx, subject_id=subject_id, drug=first, event="start", event_date=day0 + timedelta(1)
        )
    with unit_of_work(trial, "inv_tj") as ctx:  # the other drug's history is its own
        record_dose(
            ctx, subject_id=subject_id, drug=second, event="start", event_date=day0 + timedelta(1)
        )


def test_a_corrected_discontinuation_is_checked_against_the_rest_of_its_history(
    trial: Database,
) -> None:
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_dose(ctx, subject_id=subject_id, drug="sorafenib", event="start", event_date=day0)
        reduce = record_dose(
            ctx, subject_id=subject_id, drug="sorafenib", event="reduce", level="400mg_qd",
            event_date=day0 + timedelta(20), reason="hand-foot skin reaction",
        )  # fmt: skip
        stop = record_dose(
            ctx, subject_id=subject_id, drug="sorafenib", event="discontinue",
            event_date=day0 + timedelta(40), reason="progression",
        )  # fmt: skip
    assert status_of(trial, subject_id) == "off_treatment"
    # moved before the reduction, the discontinuation leaves a reduction after it: refused
    with pytest.raises(ConflictError), unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="dose_events", record_id=stop.id, field="event_date",
            value=str(day0 + timedelta(10)), reason="date misread",
        )  # fmt: skip
    with unit_of_work(trial, "inv_tj") as ctx:  # its own date again is no clash with itself
        correct_value(
            ctx, table="dose_events", record_id=reduce.id, field="event_date",
            value=str(day0 + timedelta(21)), reason="date misread",
        )  # fmt: skip
    assert status_of(trial, subject_id) == "off_treatment"


def test_after_a_death_the_same_transaction_records_nothing_later(trial: Database) -> None:
    subject_id, _, day0 = randomized(trial)
    died = day0 + timedelta(40)
    move_clock(trial, day0 + timedelta(60))
    with statements(trial) as sent, unit_of_work(trial, "inv_tj") as ctx:
        record_death(ctx, subject_id=subject_id, death_date=died, cause="other")
        with pytest.raises(ConflictError, match=f"after subject {subject_id}'s death on {died}"):
            record_dose(
                ctx, subject_id=subject_id, drug="sorafenib", event="start",
                event_date=died + timedelta(1),
            )  # fmt: skip
    # the subject is read once, locked, and not again when the transaction ends; on SQLite
    # its dates and status are read as plain columns, its row only for the status the death
    # changes
    sqlite = trial.engine.dialect.name == "sqlite"
    assert len([s for s in sent if s.startswith("SELECT subjects.")]) == (2 if sqlite else 1)
    assert status_of(trial, subject_id) == "dead"


def test_after_a_withdrawal_the_same_transaction_records_only_a_death_later(
    trial: Database,
) -> None:
    subject_id, _, day0 = randomized(trial)
    withdrawn = day0 + timedelta(30)
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_withdrawal(
            ctx, subject_id=subject_id, kind="consent_withdrawn", withdrawn_on=withdrawn,
            reason="moved abroad",
        )  # fmt: skip
        with pytest.raises(ConflictError, match=f"after subject {subject_id}'s end of follow-up"):
            record_dose(
                ctx, subject_id=subject_id, drug="sorafenib", event="start",
                event_date=withdrawn + timedelta(1),
            )  # fmt: skip
        with pytest.raises(ConflictError, match="before the end of follow-up"):
            record_death(
                ctx, subject_id=subject_id, death_date=withdrawn - timedelta(1), cause="other"
            )
        record_death(
            ctx, subject_id=subject_id, death_date=withdrawn + timedelta(5), cause="unknown",
            cause_detail="registry",
        )  # fmt: skip
    assert status_of(trial, subject_id) == "dead"


def test_a_corrected_assessment_day_recomputes_every_response(
    trial: Database,
) -> None:
    """RECIST 1.1: baseline sum 70 mm; 35 mm is a partial response (−50%), then 50 mm a
    progression (+43% and +15 mm over the nadir of 35). The 35 mm scan moved after the
    50 mm one: 50 mm is stable disease (−29% from baseline), 35 mm a partial response."""
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(120))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 - timedelta(2), lesions=BASELINE_LESIONS
        )
        shrunk = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(42),
            lesions=lesions((20, 20), (15, 15)),
        )  # fmt: skip
        grown = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(84),
            lesions=lesions((30, 30), (20, 20)),
        )  # fmt: skip
    assert (shrunk.recist_response, grown.recist_response) == ("PR", "PD")
    with unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="tumour_assessments", record_id=shrunk.id, field="assessed_on",
            value=str(day0 + timedelta(90)), reason="date misread",
        )  # fmt: skip
    with trial.sessions() as session:
        rows = session.execute(
            select(TumourAssessment.id, TumourAssessment.recist_response).where(
                TumourAssessment.subject_id == subject_id
            )
        )
        responses = {assessment: response for assessment, response in rows}
    assert (responses[grown.id], responses[shrunk.id]) == ("SD", "PR")


def test_a_day_corrected_onto_another_assessment_s_is_refused_by_name(trial: Database) -> None:
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(120))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 - timedelta(2), lesions=BASELINE_LESIONS
        )
        first = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(42),
            lesions=lesions((20, 20), (15, 15)),
        )  # fmt: skip
        second = record_tumour_assessment(
            ctx, subject_id=subject_id, assessed_on=day0 + timedelta(84),
            lesions=lesions((20, 20), (15, 15)),
        )  # fmt: skip
    taken = day0 + timedelta(84)
    with (
        pytest.raises(
            ConflictError,
            match=f"already has a tumour assessment on {taken} \\(record {second.id}\\)",
        ),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        correct_value(
            ctx, table="tumour_assessments", record_id=first.id, field="assessed_on",
            value=str(taken), reason="date misread",
        )  # fmt: skip


def test_a_day_corrected_onto_another_result_s_is_refused_by_name(trial: Database) -> None:
    subject_id, _, day0 = randomized(trial)
    move_clock(trial, day0 + timedelta(60))
    with unit_of_work(trial, "inv_tj") as ctx:
        first, second = (
            record_lab(
                ctx, subject_id=subject_id, analyte="ast", value=30, unit="U/L", uln=40,
                collected_on=day0 + timedelta(days),
            )
            for days in (14, 28)
        )  # fmt: skip
    with (
        pytest.raises(ConflictError, match=f"already has a ast result collected on .*{second.id}"),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        correct_value(
            ctx, table="lab_results", record_id=first.id, field="collected_on",
            value=str(day0 + timedelta(28)), reason="date misread",
        )  # fmt: skip
