"""The idle time-out: a session unused longer than the setting is ended, audited as a logout."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from metsor.services.authentication import open_session, token_digest
from metsor.services.context import Database
from metsor.store.models.auth import LoginSession
from metsor.web.security import AuthenticationRequiredError, IdleTracker, prove

from .conftest import USERS, WebServer


def test_a_session_idle_too_long_is_ended(web_server: WebServer) -> None:
    database: Database = web_server.database()
    try:
        ticket = open_session(database, "stat", USERS["stat"][2])
        idle = IdleTracker(idle_seconds=0.2)
        idle.start(ticket.token)
        credential = f"stat:{ticket.token}"
        assert prove(database, idle, credential).username == "stat"
        time.sleep(0.3)
        with pytest.raises(AuthenticationRequiredError, match="idle too long"):
            prove(database, idle, credential)
        with database.sessions() as session:
            login = session.scalars(
                select(LoginSession).where(LoginSession.token_digest == token_digest(ticket.token))
            ).one()
        assert login.end_reason == "logout"
        with pytest.raises(AuthenticationRequiredError, match="ended"):
            prove(database, idle, credential)
    finally:
        database.close()


def test_a_session_this_process_has_not_seen_must_log_in_again(web_server: WebServer) -> None:
    database = web_server.database()
    try:
        ticket = open_session(database, "stat", USERS["stat"][2])
        with pytest.raises(AuthenticationRequiredError):
            prove(database, IdleTracker(idle_seconds=60), f"stat:{ticket.token}")
    finally:
        database.close()
