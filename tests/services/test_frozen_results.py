"""Services outside the casebook give frozen records, never the rows they stored (issue 9).

Each record is a :class:`~metsor.services.records.FrozenRecord`: its fields cannot be set, a
mapping in it (a JSON column) is a copy, so that changing it changes nothing stored, and it
carries what the faces show (a site's code and name, a user's role and site, who verified
what) but never a password hash or a session token.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from metsor.services.authentication import authenticate, check_session, open_session
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import StoredScreening, latest_screening
from metsor.services.monitoring.sdv import SdvMarkRecord, verify_entry
from metsor.services.records import FrozenRecord
from metsor.services.scheme import (
    DecisionRecord,
    current_scheme,
    enrollment_cap,
    raise_enrollment_cap,
)
from metsor.services.sites import SiteRecord, add_site, list_sites
from metsor.services.users import UserRecord, add_user
from metsor.store.models.core import Decision, Screening, Site, User

from .conftest import enroll

PASSWORD = "a long password"


@pytest.fixture
def results(trial: Database) -> dict[str, FrozenRecord]:
    """One record of each service, named by what it is."""
    with unit_of_work(trial, "admin") as ctx:
        site = add_site(ctx, name="Sun Yat-sen University Cancer Center")
        user = add_user(ctx, username="dm", role="data_manager", password=PASSWORD)
        decision = raise_enrollment_cap(ctx, new_cap=200, rationale="DMC recommendation")
    ticket = open_session(trial, "dm", PASSWORD)
    subject_id, _ = enroll(trial, consent=False)
    with unit_of_work(trial, "monitor") as ctx:
        screening = latest_screening(ctx, subject_id)
        assert screening is not None
        mark = verify_entry(ctx, table="screenings", record_id=screening.id)
    return {
        "site": site,
        "user": user,
        "authenticated": authenticate(trial, "dm", PASSWORD),
        "session user": check_session(trial, "dm", ticket.token),
        "screening": screening,
        "decision": decision,
        "sdv mark": mark,
    }


RESULTS = [
    pytest.param(name, kind, id=name)
    for name, kind in (
        ("site", SiteRecord),
        ("user", UserRecord),
        ("authenticated", UserRecord),
        ("session user", UserRecord),
        ("screening", StoredScreening),
        ("decision", DecisionRecord),
        ("sdv mark", SdvMarkRecord),
    )
]


@pytest.mark.parametrize(("name", "kind"), RESULTS)
def test_a_service_result_is_a_frozen_record(
    results: dict[str, FrozenRecord], name: str, kind: type[FrozenRecord]
) -> None:
    record = results[name]
    assert type(record) is kind
    first = dataclasses.fields(record)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, first, None)
    json.dumps(record.to_dict())  # plain values only


@pytest.mark.parametrize(("name", "kind"), RESULTS)
def test_a_service_result_holds_no_secret(
    results: dict[str, FrozenRecord], name: str, kind: type[FrozenRecord]
) -> None:
    names = {item.name for item in dataclasses.fields(kind)}
    assert not {name for name in names if "password" in name or "token" in name}
    values = json.dumps(results[name].to_dict())
    assert "scrypt$" not in values


def test_a_new_site_is_listed_as_it_was_added(trial: Database) -> None:
    with unit_of_work(trial, "admin") as ctx:
        added = add_site(ctx, name="Sun Yat-sen University Cancer Center")
    with unit_of_work(trial, "admin", readonly=True) as ctx:
        listed = list_sites(ctx)
        stored = ctx.session.scalars(select(Site).where(Site.code == "SYUCC")).one()
        assert (added.id, added.created_at) == (stored.id, stored.created_at)
    assert (added.code, added.name) == ("SYUCC", "Sun Yat-sen University Cancer Center")
    assert added in listed
    assert all(isinstance(site, SiteRecord) for site in listed)


def test_the_proved_user_is_the_stored_user(trial: Database) -> None:
    with unit_of_work(trial, "admin") as ctx:
        added = add_user(ctx, username="coord", role="coordinator", site="TJ", password=PASSWORD)
    ticket = open_session(trial, "coord", PASSWORD)
    proved = authenticate(trial, "coord", PASSWORD)
    with trial.sessions() as session:
        stored = session.scalars(select(User).where(User.username == "coord")).one()
        tj = session.scalars(select(Site).where(Site.code == "TJ")).one()
        assert (added.id, added.site_id, added.created_at) == (stored.id, tj.id, stored.created_at)
    assert proved == added == check_session(trial, "coord", ticket.token)
    assert (proved.username, proved.role, proved.active) == ("coord", "coordinator", True)


def test_changing_a_screening_record_changes_nothing_stored(trial: Database) -> None:
    subject_id, _ = enroll(trial, consent=False)
    with unit_of_work(trial, "inv_tj") as ctx:
        first = latest_screening(ctx, subject_id)
        assert first is not None
        stored = ctx.session.get(Screening, first.id)  # the row, held in the session
        assert stored is not None
        screening = latest_screening(ctx, subject_id)  # read from the row held
        assert screening is not None
        age = screening.record["age_years"]
        screening.record["age_years"] = age + 40
        screening.result.clear()
        assert stored.record["age_years"] == age
        assert stored.result
        again = latest_screening(ctx, subject_id)
    assert again is not None
    assert again.record["age_years"] == age
    assert (again.subject_id, again.verdict) == (subject_id, "eligible")


def test_changing_a_decision_changes_nothing_stored(trial: Database) -> None:
    with unit_of_work(trial, "admin") as ctx:
        decision = raise_enrollment_cap(ctx, new_cap=200, rationale="DMC recommendation")
        stored = ctx.session.get(Decision, decision.id)  # the row, held in the session
        decision.value["enrollment_cap"] = 5000
        cap = enrollment_cap(ctx.session, current_scheme(ctx.session))
    assert stored is not None
    assert stored.value["enrollment_cap"] == cap == 200
    assert (decision.kind, decision.rationale, decision.decided_by) == (
        "raise_enrollment_cap",
        "DMC recommendation",
        "admin",
    )


def test_an_sdv_mark_says_who_verified_which_entry(trial: Database) -> None:
    subject_id, _ = enroll(trial, consent=False)
    with unit_of_work(trial, "monitor") as ctx:
        screening = latest_screening(ctx, subject_id)
        assert screening is not None
        mark = verify_entry(ctx, table="screenings", record_id=screening.id)
    assert (mark.subject_id, mark.table_name, mark.record_id) == (
        subject_id,
        "screenings",
        screening.id,
    )
    assert (mark.status, mark.verified_by) == ("verified", "monitor")


@dataclasses.dataclass(frozen=True)
class _Noted(FrozenRecord):
    note: dict[str, Any]
    tags: list[str]
    at: datetime


def test_a_record_copies_a_mapping_or_list_of_its_row() -> None:
    row = SimpleNamespace(note={"a": [1]}, tags=["x"], at=datetime(2026, 3, 2, tzinfo=UTC))
    record = _Noted.of(row)
    record.note["a"].append(2)
    record.tags.append("y")
    assert (row.note, row.tags) == ({"a": [1]}, ["x"])
    assert record.to_dict()["at"] == "2026-03-02T00:00:00+00:00"
