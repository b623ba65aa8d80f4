"""A text longer than its column is refused alike whether the ORM flushes the record or it is
inserted at once (:func:`metsor.store.audit.hooks.insert_records`), on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from metsor.errors import InputError
from metsor.services.context import session_scope
from metsor.store.audit.hooks import insert_records
from metsor.store.models.core import Site


def test_a_record_inserted_at_once_with_a_text_too_long_is_refused(database: Any) -> None:
    with (
        pytest.raises(InputError) as caught,
        session_scope(database, actor="dm") as session,
    ):
        insert_records(session, [Site(code="OK", name="fits"), Site(code="TJ", name="x" * 201)])
    assert caught.value.field == "name"
    assert str(caught.value) == "field 'name': name holds at most 200 characters, got 201"
    with session_scope(database, actor="reader", readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Site)) == 0


def test_a_record_inserted_at_once_that_fits_is_written(database: Any) -> None:
    with session_scope(database, actor="dm") as session:
        insert_records(session, [Site(code="TJ", name="x" * 200)])
    with session_scope(database, actor="reader", readonly=True) as session:
        assert session.scalar(select(Site.name)) == "x" * 200
