"""The protocol travels with the trial's database: stored at db init, read by every service."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from metsor.errors import ConflictError, InputError
from metsor.protocol import builtin
from metsor.services.context import Database, session_scope, unit_of_work
from metsor.services.protocol_in_force import protocol_of, stored_nct_id
from metsor.services.setup import initialize
from metsor.store.models.protocol import TrialProtocol

from .conftest import seed_source


def test_db_init_stores_the_protocol_and_services_read_it(database: Database) -> None:
    initialize(database, seed=seed_source())
    with unit_of_work(database, "admin", readonly=True) as ctx:
        assert ctx.protocol == builtin("NCT02672488")
        assert stored_nct_id(ctx.session) == "NCT02672488"
        assert ctx.protocol.arm_codes == ("sorafenib_metformin", "sorafenib")


def test_a_database_without_a_stored_protocol_runs_the_built_in_one(database: Database) -> None:
    initialize(database, seed=seed_source())
    with session_scope(database, actor="admin") as session:
        session.execute(update(TrialProtocol).values(id=2))  # as if no row were stored
    with session_scope(database, actor="admin", readonly=True) as session:
        assert stored_nct_id(session) is None
        assert protocol_of(session) == builtin("NCT02672488")


def test_an_altered_protocol_is_refused(database: Database) -> None:
    initialize(database, seed=seed_source())
    with session_scope(database, actor="admin") as session:
        row = session.get(TrialProtocol, 1)
        assert row is not None
        row.document = row.document.replace('"target_enrollment":82', '"target_enrollment":83')
    with (
        pytest.raises(ConflictError, match="does not match its digest"),
        session_scope(database, actor="admin", readonly=True) as session,
    ):
        protocol_of(session)


def test_initialising_again_with_another_protocol_is_refused(database: Database) -> None:
    initialize(database, seed=seed_source())
    other = builtin("NCT02672488").model_copy(update={"nct_id": "NCT99999999"})
    with pytest.raises(InputError, match="NCT02672488, not NCT99999999") as caught:
        initialize(database, protocol=other)
    assert caught.value.field == "protocol"
