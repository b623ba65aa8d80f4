"""Registration with screening, re-screening and consent: rules, roles, sites, all or nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from metsor.eligibility import RULES_VERSION
from metsor.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from metsor.services.context import unit_of_work
from metsor.services.enrollment import record_consent, register_subject, rescreen_subject
from metsor.store.models.core import AuditLog, Consent, Screening, Subject

from .conftest import ELIGIBLE, SCREENED_ON, enroll, record_for

DAY = SCREENED_ON


def _count(database, model):
    with unit_of_work(database, "admin", readonly=True) as ctx:
        return ctx.session.scalar(select(func.count()).select_from(model))


def test_eligible_candidate_gets_the_next_site_number_and_status_eligible(trial):
    with unit_of_work(trial, "inv_tj") as ctx:
        first = register_subject(ctx, record=ELIGIBLE, screened_on=DAY)
    with unit_of_work(trial, "inv_tj") as ctx:
        second = register_subject(ctx, record=ELIGIBLE, site="TJ", screened_on=DAY)
    with unit_of_work(trial, "inv_bj") as ctx:
        other_site = register_subject(ctx, record=ELIGIBLE, screened_on=DAY)
    assert (first.subject_id, second.subject_id, other_site.subject_id) == (
        "TJ-001",
        "TJ-002",
        "BJ-001",
    )
    assert first.verdict == "eligible"
    assert first.status == "eligible"
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        screening = ctx.session.scalars(
            select(Screening).where(Screening.subject_id == "TJ-001")
        ).one()
        assert screening.rules_version == RULES_VERSION
        assert screening.record["ecog"] == 1
        assert screening.result["verdict"] == "eligible"
        assert screening.screened_on == DAY
        reasons = set(
            ctx.session.scalars(select(AuditLog.reason).where(AuditLog.record_id == "TJ-001"))
        )
        assert reasons == {"subject registered and screened"}


def test_ineligible_candidate_is_registered_as_a_screen_failure(trial):
    # Registry record NCT02672488: inclusion "Hemoglobin >= 9 g/dL".
    record = record_for()
    record["labs"]["hemoglobin"]["value"] = 8.0
    with unit_of_work(trial, "inv_tj") as ctx:
        result = register_subject(ctx, record=record, screened_on=DAY)
    assert result.verdict == "ineligible"
    assert result.status == "screen_failed"
    assert result.failed


def test_record_with_unknowns_is_screening_incomplete_and_can_be_rescreened(trial):
    record = record_for()
    del record["labs"]["platelets"]
    with unit_of_work(trial, "inv_tj") as ctx:
        result = register_subject(ctx, record=record, screened_on=DAY)
    assert (result.verdict, result.status) == ("incomplete", "screening_incomplete")
    assert result.unknown
    with unit_of_work(trial, "inv_tj") as ctx:
        again = rescreen_subject(ctx, result.subject_id, record=ELIGIBLE, screened_on=DAY)
    assert (again.verdict, again.status) == ("eligible", "eligible")
    assert _count(trial, Screening) == 2


def test_invalid_record_writes_nothing_and_names_the_field(trial):
    rows_before = _count(trial, AuditLog)
    with pytest.raises(InputError, match="ecog"), unit_of_work(trial, "inv_tj") as ctx:
        register_subject(ctx, record=record_for(ecog="one"), screened_on=DAY)
    assert _count(trial, Subject) == 0
    assert _count(trial, AuditLog) == rows_before


def test_screening_date_in_the_future_is_refused(trial):
    tomorrow = date.today() + timedelta(days=2)
    with pytest.raises(InputError, match="future"), unit_of_work(trial, "inv_tj") as ctx:
        register_subject(ctx, record=ELIGIBLE, screened_on=tomorrow)


def test_site_staff_cannot_register_at_another_site_nor_see_its_subjects(trial):
    subject_id, _ = enroll(trial, "inv_bj", consent=False)
    with pytest.raises(PermissionDeniedError, match="own site"), unit_of_work(trial, "inv_tj") as c:
        register_subject(c, record=ELIGIBLE, site="BJ", screened_on=DAY)
    with pytest.raises(NotFoundError, match=subject_id), unit_of_work(trial, "inv_tj") as ctx:
        record_consent(ctx, subject_id, consent_date=DAY)


@pytest.mark.parametrize("user", ["monitor", "stat"])
def test_roles_without_the_right_cannot_register(trial, user):
    with (
        pytest.raises(PermissionDeniedError, match="may not register"),
        unit_of_work(trial, user) as ctx,
    ):
        register_subject(ctx, record=ELIGIBLE, site="TJ", screened_on=DAY)


def test_unknown_site_and_unknown_user_are_named(trial):
    with pytest.raises(NotFoundError, match="XX"), unit_of_work(trial, "admin") as ctx:
        register_subject(ctx, record=ELIGIBLE, site="XX", screened_on=DAY)
    with pytest.raises(PermissionDeniedError, match="nobody"), unit_of_work(trial, "nobody"):
        pass


def test_consent_is_recorded_once_for_an_eligible_subject(trial):
    subject_id, _ = enroll(trial, consent=False)
    with unit_of_work(trial, "coord_tj") as ctx:
        result = record_consent(ctx, subject_id, consent_date=DAY)
    assert result.status == "consented"
    with (
        pytest.raises(ConflictError, match="already consented"),
        unit_of_work(trial, "coord_tj") as ctx,
    ):
        record_consent(ctx, subject_id, consent_date=DAY)
    assert _count(trial, Consent) == 1


def test_consent_before_screening_is_a_conflict(trial):
    subject_id, _ = enroll(trial, consent=False)
    with (
        pytest.raises(ConflictError, match="before the screening"),
        unit_of_work(trial, "inv_tj") as ctx,
    ):
        record_consent(ctx, subject_id, consent_date=DAY - timedelta(days=1))
    assert _count(trial, Consent) == 0


def test_screen_failure_cannot_consent(trial):
    record = record_for()
    record["labs"]["hemoglobin"]["value"] = 8.0
    subject_id, _ = enroll(trial, record=record, consent=False)
    with pytest.raises(ConflictError, match="screen failed"), unit_of_work(trial, "inv_tj") as c:
        record_consent(c, subject_id, consent_date=DAY)


def test_consented_subject_who_fails_a_new_screening_becomes_a_screen_failure(trial):
    subject_id, _ = enroll(trial)
    record = record_for()
    record["labs"]["platelets"]["value"] = 20000  # Registry: platelets >= 50,000/uL
    with unit_of_work(trial, "inv_tj") as ctx:
        result = rescreen_subject(ctx, subject_id, record=record, screened_on=DAY)
    assert result.status == "screen_failed"
