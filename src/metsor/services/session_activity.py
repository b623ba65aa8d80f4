"""The idle time-out of login sessions, kept in the database.

A face that ends sessions left unused (the web application: 30 minutes by default) asks an
:class:`ActivityRecorder` on each request. The time of a session's last request is kept in
``session_activity`` (a session without a row counts from its ``opened_at``), so the time-out
holds across a restart of the server and between its worker processes.

To keep requests from writing all the time, a request within :data:`ACTIVITY_RESOLUTION` of
the last one recorded is not recorded again. The last request recorded may therefore be up to
that much earlier than the real one, and a session is ended only when more than the time-out
*and* the resolution have passed since it: never before the time-out, at most
:data:`ACTIVITY_RESOLUTION` after it.

The recorder also remembers, per session, the last request it recorded or read. The value in
the database only grows, so what it remembers is a lower bound of it: while that bound shows
the session active, the database need not be read again. Only a session it has not seen, or
one that looks idle by what it remembers, is looked up (another worker may have recorded a
later request).
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from metsor.services.authentication import token_digest
from metsor.services.context import Database, session_scope
from metsor.store.models.auth import LoginSession, SessionActivity

__all__ = ["ACTIVITY_RESOLUTION", "ActivityRecorder"]

#: Requests of one session closer together than this are recorded once.
ACTIVITY_RESOLUTION = timedelta(seconds=10)

#: Sessions a recorder remembers at most (beyond, the stale ones and then the oldest go).
_CAPACITY = 10_000


def _last_request(session: Session, digest: str) -> tuple[int, datetime] | None:
    """The login session's id and last request recorded (else its opening), if it exists."""
    row = session.execute(
        select(LoginSession.id, LoginSession.opened_at, SessionActivity.last_request_at)
        .outerjoin(SessionActivity, SessionActivity.login_session_id == LoginSession.id)
        .where(LoginSession.token_digest == digest)
    ).one_or_none()
    if row is None:
        return None
    login_id, opened_at, last_request_at = row
    return login_id, last_request_at if last_request_at is not None else opened_at


def _record(session: Session, login_id: int, now: datetime) -> None:
    """Upsert the session's last request, never moving it back (two requests at once)."""
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SessionActivity).values(login_session_id=login_id, last_request_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[SessionActivity.login_session_id],
        set_={"last_request_at": statement.excluded.last_request_at},
        where=SessionActivity.last_request_at < statement.excluded.last_request_at,
    )
    session.execute(statement)


class ActivityRecorder:
    """Records the requests of login sessions; tells which were idle too long.

    Parameters
    ----------
    database
        The database (its clock says when a request is).
    idle_timeout
        How long a session may go without a request.
    writer
        Held around each write (a server's lock queueing its SQLite writers), if given.
    """

    def __init__(
        self,
        database: Database,
        idle_timeout: timedelta,
        *,
        writer: AbstractContextManager[Any] | None = None,
    ) -> None:
        self.database = database
        self.idle_timeout = idle_timeout
        self.writer: AbstractContextManager[Any] = writer if writer is not None else nullcontext()
        self._seen: dict[str, tuple[int, datetime]] = {}
        self._lock = threading.Lock()

    def _too_long(self, now: datetime, last: datetime) -> bool:
        return now - last > self.idle_timeout + ACTIVITY_RESOLUTION

    def _remember(self, digest: str, seen: tuple[int, datetime], now: datetime) -> None:
        with self._lock:
            if digest not in self._seen and len(self._seen) >= _CAPACITY:
                stale = [d for d, (_, last) in self._seen.items() if self._too_long(now, last)]
                for old in stale or list(self._seen)[: _CAPACITY // 2]:
                    del self._seen[old]
            self._seen[digest] = seen

    def note_request(self, username: str, token: str) -> bool:
        """Record a request of the login session of ``token``, unless it was idle too long.

        Parameters
        ----------
        username
            The session's user (the actor of the transaction; nothing audited is written).
        token
            The session's token (only its digest is looked up).

        Returns
        -------
        bool
            False when more than the idle time-out plus :data:`ACTIVITY_RESOLUTION` passed
            since the last request recorded (nothing is recorded: the caller ends the
            session); True otherwise, also for a token that opens no session (its check
            refuses it).
        """
        digest = token_digest(token)
        now = self.database.clock()
        with self._lock:
            seen = self._seen.get(digest)
        if seen is None or self._too_long(now, seen[1]):
            with session_scope(self.database, actor=username, readonly=True) as session:
                found = _last_request(session, digest)
            if found is None:
                return True
            seen = found
            if self._too_long(now, seen[1]):
                with self._lock:
                    self._seen.pop(digest, None)
                return False
        login_id, last = seen
        if now - last >= ACTIVITY_RESOLUTION:
            with self.writer, session_scope(self.database, actor=username) as session:
                _record(session, login_id, now)
            last = now  # the database now holds this or a later request of another worker
        self._remember(digest, (login_id, last), now)
        return True
