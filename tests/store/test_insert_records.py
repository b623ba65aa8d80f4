"""New records inserted at once (:func:`metsor.store.audit.hooks.insert_records`): each gets
its own key in the order given, the audit entry an ORM flush would note, the listeners' say
before anything is written; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from metsor.errors import InputError
from metsor.services.context import session_scope
from metsor.store.audit import AuditError, field_entries, verify
from metsor.store.audit.hooks import insert_records, listen_inserts
from metsor.store.base import AuditedMixin
from metsor.store.models.core import AuditLog, Site


def _sites(prefix: str, count: int) -> list[Site]:
    return [Site(code=f"{prefix}{i}", name=f"Hospital {prefix}{i}") for i in range(count)]


@pytest.mark.parametrize(
    "count",
    [
        pytest.param(1, id="one"),
        pytest.param(40, id="forty"),
        pytest.param(1200, id="more-than-one-statement-on-sqlite"),
    ],
)
def test_each_record_gets_its_key_in_the_order_given(database: Any, count: int) -> None:
    with session_scope(database, actor="dm", reason="sites opened") as session:
        session.add(Site(code="ORM", name="Added through the unit of work"))
        session.flush()
        sites = _sites("S", count)
        insert_records(session, sites)
        given = {site.id: site.code for site in sites}
    with session_scope(database, actor="reader", readonly=True) as session:
        stored = dict(session.execute(select(Site.id, Site.code).where(Site.code != "ORM")).all())
    assert stored == given
    assert len(given) == count


def test_the_audit_entry_is_the_one_a_flush_notes(database: Any) -> None:
    with session_scope(database, actor="dm", reason="sites opened") as session:
        session.add(Site(code="ORM", name="Same hospital"))
    with session_scope(database, actor="dm", reason="sites opened") as session:
        (inserted,) = _sites("NEW", 1)
        inserted.name = "Same hospital, again"
        insert_records(session, [inserted])
    with session_scope(database, actor="reader", readonly=True) as session:
        entries = list(field_entries(session))
        report = verify(session)
        rows = session.scalar(select(func.count()).select_from(AuditLog))
    by_record: dict[str, dict[str, Any]] = {}
    for entry in entries:
        by_record.setdefault(entry.record_id, {})[entry.field] = entry
    flushed, at_once = by_record.values()
    assert list(flushed) == list(at_once)  # every column, in the table's order
    assert {e.action for e in (*flushed.values(), *at_once.values())} == {"insert"}
    assert {(e.actor, e.reason) for e in at_once.values()} == {("dm", "sites opened")}
    assert at_once["code"].new_value == '"NEW0"'
    assert at_once["created_at"].new_value is not None  # the Python-side default, audited
    assert rows == 2  # one row a record
    assert not [p for p in report.problems if p.kind in {"chain", "data"}], report.problems


def test_a_listener_sees_the_records_first_and_its_refusal_writes_nothing(database: Any) -> None:
    seen: list[list[str]] = []

    def refuse(session: Any, records: Sequence[AuditedMixin]) -> None:
        seen.append([record.code for record in records if isinstance(record, Site)])
        if any(isinstance(r, Site) and r.id is not None for r in records):
            raise AssertionError("a listener sees records before they are written")
        raise InputError("no new site today", field="code")

    listen_inserts(database.sessions, refuse)
    with (
        pytest.raises(InputError, match="no new site today"),
        session_scope(database, actor="dm") as session,
    ):
        insert_records(session, _sites("X", 3))
    assert seen == [["X0", "X1", "X2"]]
    with session_scope(database, actor="reader", readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Site)) == 0
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_no_acting_user_no_insert(database: Any) -> None:
    with pytest.raises(AuditError, match="no acting user"), database.sessions() as session:
        insert_records(session, _sites("Y", 1))


def test_only_audited_tables(database: Any) -> None:
    with (
        pytest.raises(AuditError, match="not an audited table"),
        session_scope(database, actor="dm") as session,
    ):
        insert_records(session, [object()])  # type: ignore[list-item]
