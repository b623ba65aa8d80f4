"""Monitoring and sign-off through the services, on SQLite and PostgreSQL: SDV marks cleared by
a correction, signatures voided by a correction and checked against their digest, freezes and
locks refusing writes, and the audit trail exported."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from metsor.errors import ConflictError, NotFoundError, PermissionDeniedError
from metsor.services.casebook import correct_value, raise_query, record_lab, record_visit
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.audit_export import audit_rows
from metsor.services.monitoring.locks import change_lock, database_lock
from metsor.services.monitoring.sdv import sdv_status, set_sdv_plan, verify_entry
from metsor.services.monitoring.signatures import SignatureView, list_signatures, sign_casebook
from metsor.services.reports import verify_audit
from metsor.services.users import add_user, reset_password
from metsor.store.models import casebook as tables
from metsor.store.models.core import User

from .conftest import CONSENTED_ON, enroll, move_clock

PASSWORD = "correct horse battery"


def with_passwords(database: Database) -> None:
    """Give the investigator a password and add a data manager."""
    with unit_of_work(database, "admin") as ctx:
        reset_password(ctx, "inv_tj", password=PASSWORD)
        add_user(ctx, username="dm", role="data_manager")


def subject_with_labs(database: Database) -> tuple[str, int, int]:
    """A randomized subject with a baseline visit and two labs: (subject, lab 1, lab 2)."""
    subject_id, result = enroll(database, "inv_tj", randomize=True)
    assert result is not None
    day0 = result.randomized_at.date()
    move_clock(database, day0 + timedelta(20))
    with unit_of_work(database, "inv_tj") as ctx:
        record_visit(ctx, subject_id=subject_id, visit_type="baseline",
                     actual_date=CONSENTED_ON + timedelta(3))  # fmt: skip
        first = record_lab(ctx, subject_id=subject_id, analyte="total_bilirubin", value=15,
                           unit="umol/L", collected_on=CONSENTED_ON + timedelta(3),
                           uln=21)  # fmt: skip
        second = record_lab(ctx, subject_id=subject_id, analyte="albumin", value=38,
                            unit="g/L", collected_on=CONSENTED_ON + timedelta(3))  # fmt: skip
    return subject_id, first.id, second.id


def correct(database: Database, lab_id: int, value: float, user: str = "coord_tj") -> None:
    with unit_of_work(database, user) as ctx:
        correct_value(ctx, table="lab_results", record_id=lab_id, field="value", value=value,
                      reason="transcription error")  # fmt: skip


def sign(
    database: Database, subject_id: str, password: str = PASSWORD, user: str = "inv_tj"
) -> SignatureView:
    return sign_casebook(database, acting_user=user, user_id=user, password=password,
                         subject_id=subject_id, meaning="approve",
                         printed_name="Dr Li Wei")  # fmt: skip


def test_a_correction_after_sdv_clears_the_mark(trial: Database) -> None:
    subject_id, lab1, lab2 = subject_with_labs(trial)
    with unit_of_work(trial, "monitor") as ctx:
        verify_entry(ctx, table="lab_results", record_id=lab1)
        verify_entry(ctx, table="lab_results", record_id=lab2)
    with unit_of_work(trial, "monitor", readonly=True) as ctx:
        before = sdv_status(ctx, subject_id=subject_id).subjects[0]
    correct(trial, lab1, 16)
    with unit_of_work(trial, "monitor", readonly=True) as ctx:
        after = sdv_status(ctx, subject_id=subject_id).subjects[0]
    assert after.verified == before.verified - 1
    assert f"lab_results {lab1}" in after.worklist
    assert f"lab_results {lab2}" not in after.worklist
    assert "correction of lab" in after.cleared[0]
    assert "transcription error" in after.cleared[0]
    with pytest.raises(PermissionDeniedError), unit_of_work(trial, "monitor") as ctx:
        set_sdv_plan(ctx, plan="targeted", reason="monitors do not choose the plan")
    with unit_of_work(trial, "admin") as ctx:
        set_sdv_plan(ctx, plan="targeted", reason="risk-based monitoring plan v2")
    with unit_of_work(trial, "monitor", readonly=True) as ctx:
        targeted = sdv_status(ctx, subject_id=subject_id).subjects[0]
    assert all(not item.startswith("lab_results") for item in targeted.worklist)
    assert targeted.required < after.required


def test_a_correction_voids_the_signature_and_verify_checks_the_digest(trial: Database) -> None:
    with_passwords(trial)
    subject_id, lab1, _ = subject_with_labs(trial)
    signature = sign(trial, subject_id)
    assert signature.status == "valid"
    assert signature.rows >= 3
    assert "Dr Li Wei (inv_tj)" in signature.manifest()
    assert "I have reviewed and approve these data" in signature.manifest()
    correct(trial, lab1, 17)
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        (voided,) = list_signatures(ctx, subject_id)
    assert voided.status == "voided"
    assert f"voided by the correction of lab {lab1}" in (voided.voided_because or "")
    again = sign(trial, subject_id)
    assert again.status == "valid"
    assert again.digest != signature.digest
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        assert verify_audit(ctx).intact
    with trial.engine.begin() as connection:  # behind the application's back
        connection.execute(text("UPDATE lab_results SET value = 99 WHERE id = :id"), {"id": lab1})
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        report = verify_audit(ctx)
    assert not report.intact
    assert any(p.kind == "signature" and p.record_id == str(again.id) for p in report.problems)


def test_a_wrong_password_does_not_sign_and_counts_toward_lock_out(trial: Database) -> None:
    with_passwords(trial)
    subject_id, _, _ = subject_with_labs(trial)
    with pytest.raises(PermissionDeniedError):
        sign(trial, subject_id, password="wrong password")
    with trial.sessions() as session:
        assert (
            session.scalars(select(User).where(User.username == "inv_tj")).one().failed_logins == 1
        )
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        assert list_signatures(ctx, subject_id) == ()


def test_a_coordinator_or_another_sites_investigator_cannot_sign(trial: Database) -> None:
    with_passwords(trial)
    subject_id, _, _ = subject_with_labs(trial)
    with unit_of_work(trial, "admin") as ctx:
        reset_password(ctx, "coord_tj", password=PASSWORD)
        reset_password(ctx, "inv_bj", password=PASSWORD)
    with pytest.raises(PermissionDeniedError, match="may not sign casebook"):
        sign(trial, subject_id, user="coord_tj")
    with pytest.raises(NotFoundError):
        sign(trial, subject_id, user="inv_bj")


def test_a_frozen_subject_refuses_a_lab_but_accepts_a_query(trial: Database) -> None:
    with_passwords(trial)
    subject_id, lab1, _ = subject_with_labs(trial)
    with unit_of_work(trial, "dm") as ctx:
        change_lock(ctx, action="freeze", scope="subject", target=subject_id, reason="interim")
    with trial.sessions() as session:
        labs = session.scalar(select(func.count()).select_from(tables.LabResult))
    with (
        pytest.raises(ConflictError, match="frozen") as refused,
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        record_lab(ctx, subject_id=subject_id, analyte="albumin", value=36, unit="g/L",
                   collected_on=CONSENTED_ON + timedelta(4))  # fmt: skip
    assert refused.value.http_status == 409
    with trial.sessions() as session:
        assert session.scalar(select(func.count()).select_from(tables.LabResult)) == labs
    with unit_of_work(trial, "monitor") as ctx:
        query = raise_query(ctx, table="lab_results", record_id=lab1, field="value",
                            question="source says 15?")  # fmt: skip
    assert query.status == "open"


def test_a_locked_study_refuses_everything_and_unlocking_voids_signatures(
    trial: Database,
) -> None:
    with_passwords(trial)
    subject_id, lab1, _ = subject_with_labs(trial)
    sign(trial, subject_id)
    with unit_of_work(trial, "dm") as ctx:
        change_lock(ctx, action="lock", scope="study", target=None, reason="final analysis")
    with unit_of_work(trial, "dm", readonly=True) as ctx:
        lock = database_lock(ctx.session)
    assert lock.locked
    assert lock.description.startswith("locked on ")
    assert lock.description.endswith("by dm: final analysis")
    with pytest.raises(ConflictError, match="locked"):
        correct(trial, lab1, 18, user="dm")
    with pytest.raises(ConflictError, match="locked"), unit_of_work(trial, "monitor") as ctx:
        raise_query(ctx, table="lab_results", record_id=lab1, field="value", question="?")
    with pytest.raises(ConflictError, match="locked"), unit_of_work(trial, "monitor") as ctx:
        verify_entry(ctx, table="lab_results", record_id=lab1)
    with pytest.raises(ConflictError, match="locked"):
        enroll(trial, "inv_tj")
    with unit_of_work(trial, "dm") as ctx:
        row = change_lock(ctx, action="unlock", scope="study", target=None,
                          reason="late SAE follow-up")  # fmt: skip
    assert (row.state, row.voided_signatures) == ("frozen", 1)
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        (voided,) = list_signatures(ctx, subject_id)
    assert "unlocking of the study" in (voided.voided_because or "")


def test_the_audit_export_streams_every_row_and_filters_by_site(trial: Database) -> None:
    subject_id, _, _ = subject_with_labs(trial)
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        every = list(audit_rows(ctx))
        tj = list(audit_rows(ctx, site="TJ"))
        bj = list(audit_rows(ctx, site="BJ"))
    with trial.sessions() as session:
        from metsor.store.audit import field_entries

        assert len(every) == len(list(field_entries(session)))
    assert [row[0] for row in every] == sorted(row[0] for row in every)
    assert tj
    assert all(row[3] == subject_id for row in tj)
    assert bj == []


def test_a_new_entry_voids_the_casebook_signature_but_not_a_visits(trial: Database) -> None:
    with_passwords(trial)
    subject_id, _, _ = subject_with_labs(trial)
    with trial.sessions() as session:
        visit_id = session.scalars(select(tables.Visit.id)).one()
    sign(trial, subject_id)
    visit = sign_casebook(trial, acting_user="inv_tj", user_id="inv_tj", password=PASSWORD,
                          subject_id=subject_id, visit_id=visit_id)  # fmt: skip
    assert visit.rows == 3  # the visit and its two laboratory results
    assert visit.manifest().startswith(f"visit {visit_id} signed by Dr Li Wei")
    with unit_of_work(trial, "inv_tj") as ctx:
        record_lab(ctx, subject_id=subject_id, analyte="albumin", value=36, unit="g/L",
                   collected_on=CONSENTED_ON + timedelta(5))  # fmt: skip
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        casebook, visit_signature = list_signatures(ctx, subject_id)
    assert casebook.status == "voided"
    assert "voided by the entry of a new lab" in (casebook.voided_because or "")
    assert visit_signature.status == "valid"
    with pytest.raises(ConflictError, match="already signed"):
        sign_casebook(trial, acting_user="inv_tj", user_id="inv_tj", password=PASSWORD,
                      subject_id=subject_id, visit_id=visit_id)  # fmt: skip
