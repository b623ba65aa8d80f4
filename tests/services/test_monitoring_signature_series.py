"""A series of casebook signatures with one entry of both components (21 CFR Part 11
§11.200(a)(1)(i)), on SQLite and PostgreSQL: each casebook gets its own signature and digest;
a wrong password, a role that may not sign, a subject named twice or a casebook already signed
leaves every casebook unsigned."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from metsor.errors import ConflictError, InputError, PermissionDeniedError
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.signatures import (
    SignatureView,
    list_signatures,
    sign_casebook,
    sign_casebooks,
)
from metsor.services.reports import verify_audit
from metsor.services.users import reset_password
from metsor.store.models.core import User
from metsor.store.models.monitoring import Signature

from .conftest import enroll

PASSWORD = "correct horse battery"


@pytest.fixture
def subjects(trial: Database) -> list[str]:
    """Two randomized subjects of site TJ; the investigator and coordinator have passwords."""
    with unit_of_work(trial, "admin") as ctx:
        reset_password(ctx, "inv_tj", password=PASSWORD)
        reset_password(ctx, "coord_tj", password=PASSWORD)
    return [enroll(trial, "inv_tj", randomize=True)[0] for _ in range(2)]


def series(
    trial: Database, subject_ids: list[str], *, user: str = "inv_tj", password: str = PASSWORD
) -> tuple[SignatureView, ...]:
    return sign_casebooks(trial, acting_user=user, user_id=user, password=password,
                          subject_ids=subject_ids, printed_name="Dr Li Wei")  # fmt: skip


def signatures(trial: Database) -> int:
    with trial.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Signature)) or 0)


def test_a_series_signs_each_casebook_with_its_own_digest(
    trial: Database, subjects: list[str]
) -> None:
    signed = series(trial, subjects)
    assert [s.subject_id for s in signed] == subjects
    assert len({s.digest for s in signed}) == 2
    assert {s.status for s in signed} == {"valid"}
    assert {s.printed_name for s in signed} == {"Dr Li Wei"}
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        for subject_id, signature in zip(subjects, signed, strict=True):
            assert list_signatures(ctx, subject_id) == (signature,)
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        assert verify_audit(ctx).intact
    # the printed name is fixed by the first signature: a later one needs none
    again = sign_casebook(trial, acting_user="inv_tj", user_id="inv_tj", password=PASSWORD,
                          subject_id=subjects[0], meaning="review")  # fmt: skip
    assert again.printed_name == "Dr Li Wei"


def test_a_wrong_password_signs_none_and_counts_toward_lock_out(
    trial: Database, subjects: list[str]
) -> None:
    with pytest.raises(PermissionDeniedError):
        series(trial, subjects, password="wrong password")
    with trial.sessions() as session:
        user = session.scalars(select(User).where(User.username == "inv_tj")).one()
        assert user.failed_logins == 1
    assert signatures(trial) == 0


def test_a_coordinator_cannot_sign_a_series(trial: Database, subjects: list[str]) -> None:
    with pytest.raises(PermissionDeniedError, match="may not sign casebook"):
        series(trial, subjects, user="coord_tj")
    assert signatures(trial) == 0


def test_a_subject_named_twice_or_no_subject_is_refused(
    trial: Database, subjects: list[str]
) -> None:
    with pytest.raises(InputError, match=f"{subjects[1]} is named twice"):
        series(trial, [subjects[0], subjects[1], subjects[1]])
    with pytest.raises(InputError, match="at least one subject"):
        series(trial, [])
    assert signatures(trial) == 0


def test_a_casebook_already_signed_stops_the_whole_series(
    trial: Database, subjects: list[str]
) -> None:
    series(trial, subjects[1:])
    with pytest.raises(ConflictError, match=f"{subjects[1]} is already signed"):
        series(trial, subjects)
    with unit_of_work(trial, "inv_tj", readonly=True) as ctx:
        assert list_signatures(ctx, subjects[0]) == ()
    assert signatures(trial) == 1
