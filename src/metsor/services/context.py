"""Units of work: one service call, one transaction, one acting user.

Every service function takes a :class:`ServiceContext` as its first argument and keyword
arguments after it; it reads and writes through ``ctx.session`` and never commits. The caller
opens the context with :func:`unit_of_work`, which commits when the block ends and rolls back —
writing nothing at all — when it raises (a :class:`~metsor.errors.InputError`,
:class:`~metsor.errors.ConflictError`, :class:`~metsor.errors.PermissionDeniedError` …)::

    database = Database.open(url)
    with unit_of_work(database, "investigator1") as ctx:
        result = register_subject(ctx, record=..., site="TJ")

The acting user must exist and be active, and must have proved who they are before: a unit of
work takes the name it is given, so every face proves the user first (the command line in
:func:`metsor.cli._common.acting`, by :mod:`metsor.services.authentication`). The audit trail
records their username and the reason given (``unit_of_work(..., reason=...)`` or
:meth:`ServiceContext.set_reason`). A unique constraint that fires at commit because a
concurrent transaction got there first becomes a :class:`~metsor.errors.ConflictError`.

Every unit of work reads its acting user afresh — a role changed or a user deactivated
holds from the next transaction on, whichever process changed it — together with the
protocol stored with the trial, in one statement (:mod:`metsor.services.protocol_in_force`),
as plain columns (:class:`Actor`). On SQLite, where a transaction that may write holds the
write lock from its ``BEGIN IMMEDIATE``, the same statement reads the audit chain's head for
the commit (:func:`metsor.store.audit.chain.keep_head`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Select, bindparam, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from metsor import config
from metsor.config import LoginPolicy, SecretPlace, Settings
from metsor.eligibility.rules import EligibilitySettings
from metsor.errors import ConflictError, InputError, PermissionDeniedError
from metsor.services.audit_key import attach as attach_audit_key
from metsor.services.protocol_in_force import (
    STORED_DIGEST,
    STORED_DOCUMENT,
    keep_read,
    protocol_of,
)
from metsor.store.audit import set_actor, set_reason
from metsor.store.audit.chain import keep_head, with_chain_head
from metsor.store.base import utcnow
from metsor.store.driver import Prepared
from metsor.store.engine import (
    describe_url,
    locks_on_begin,
    make_engine,
    read_only,
    session_factory,
)
from metsor.store.models.core import User

if TYPE_CHECKING:
    from metsor.protocol import Protocol

__all__ = [
    "Actor",
    "Database",
    "ServiceContext",
    "describe_database",
    "session_scope",
    "unit_of_work",
]


def describe_database(url: str) -> str:
    """The database URL as messages show it: any password masked.

    Parameters
    ----------
    url
        A database URL (it need not be open, nor valid).

    Returns
    -------
    str
        The URL without its password, or ``(unparseable URL)``.
    """
    return describe_url(url)


@dataclass
class Database:
    """The trial database a process works on: its URL, engine and session factory.

    Every setting a service needs is here, resolved once when the database is opened
    (:meth:`open`), and reaches the services through their :class:`ServiceContext`; no
    service reads the environment.

    Attributes
    ----------
    url
        The database URL.
    engine
        The engine (:func:`metsor.store.engine.make_engine`).
    sessions
        Audited session factory (:func:`metsor.store.engine.session_factory`).
    settings
        The settings it was opened with (:func:`metsor.config.settings`): the home folder,
        where the audit key and the allocation seed are held, the anchor file.
    clock
        The trial's clock (see :meth:`open`).
    login_policy
        Session lifetime and lock-out of :mod:`metsor.services.authentication`.
    eligibility
        The eligibility settings screening applies (registering, re-screening, ADSL's
        baseline scores); a malformed one is refused where it is used
        (:class:`metsor.eligibility.interpretations.RefusedEligibilitySettings`).
    seed_place
        Where the allocation seed is held.
    anchor_file
        The audit chain's anchor file.
    """

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    settings: Settings
    login_policy: LoginPolicy
    eligibility: EligibilitySettings
    seed_place: SecretPlace
    anchor_file: Path
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Callable[[], datetime] | None = None,
        login_policy: LoginPolicy | None = None,
        eligibility: EligibilitySettings | None = None,
        seed: SecretPlace | None = None,
        settings: Settings | None = None,
        **engine_options: Any,
    ) -> Database:
        """Build the engine and session factory of the database at ``url``.

        Parameters
        ----------
        url
            SQLite or PostgreSQL URL.
        clock
            The trial's clock: what services take as "now" (the time stamped on an
            allocation, the day that dates may not lie after). Default the real UTC time;
            the virtual trial passes its own calendar. Login sessions expire and lock-outs
            end by this clock too.
        login_policy
            Session lifetime and lock-out; default those of ``settings``.
        eligibility
            The eligibility settings; default those of ``settings``.
        seed
            Where the allocation seed is held; default as ``settings`` say.
        settings
            The settings in force; default :func:`metsor.config.settings` of ``url``, the
            environment read here, once, and never by a service. ``metsor demo`` passes its
            own (the audit key and anchor beside its database).
        **engine_options
            Passed to :func:`metsor.store.engine.make_engine`.

        Returns
        -------
        Database
            Call :meth:`close` when done.

        Raises
        ------
        InputError
            When a login setting or the audit key is malformed (naming it). A malformed
            eligibility setting is refused only where it is used.
        """
        resolved = settings if settings is not None else config.settings(url)
        engine = make_engine(url, **engine_options)
        sessions = session_factory(engine)
        anchor = resolved.audit_anchor_file
        # the audit key and anchor file in force
        attach_audit_key(sessions, place=resolved.audit_key, anchor=anchor)
        from metsor.services.monitoring.guard import install as guard_writes

        guard_writes(sessions, clock or utcnow)  # freezes, locks, SDV, signatures, edit checks
        return cls(
            url=url,
            engine=engine,
            sessions=sessions,
            settings=resolved,
            clock=clock or utcnow,
            login_policy=login_policy or resolved.login,
            eligibility=eligibility if eligibility is not None else resolved.eligibility,
            seed_place=seed if seed is not None else resolved.allocation_seed,
            anchor_file=anchor,
        )

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting user of a unit of work, as read at its start.

    Attributes
    ----------
    id
        The user's key.
    username
        The username.
    role
        The role (:data:`metsor.store.models.core.ROLES`).
    site_id
        The site of site staff (None: every site).
    active
        Always True: an inactive user does not act.
    """

    id: int
    username: str
    role: str
    site_id: int | None
    active: bool = True


@dataclass(frozen=True)
class ServiceContext:
    """What a service needs: the session of its transaction and the acting user.

    Attributes
    ----------
    session
        The session; its transaction is committed or rolled back by :func:`unit_of_work`.
    actor
        The acting user, as read when the transaction began.
    clock
        The trial's clock (:attr:`Database.clock`).
    eligibility
        The eligibility settings in force (:attr:`Database.eligibility`).
    seed_place
        Where the allocation seed is held (:attr:`Database.seed_place`).
    anchor_file
        The audit chain's anchor file (:attr:`Database.anchor_file`).
    """

    session: Session
    actor: Actor
    seed_place: SecretPlace
    clock: Callable[[], datetime] = field(default=utcnow)
    eligibility: EligibilitySettings = field(default_factory=EligibilitySettings)
    anchor_file: Path | None = None

    def now(self) -> datetime:
        """The trial's current time (aware UTC)."""
        return self.clock()

    def today(self) -> date:
        """The trial's current day (UTC)."""
        return self.clock().date()

    @property
    def username(self) -> str:
        """Username of the acting user."""
        return self.actor.username

    @property
    def protocol(self) -> Protocol:
        """The protocol stored with the trial (:mod:`metsor.services.protocol_in_force`)."""
        return protocol_of(self.session)

    def set_reason(self, reason: str | None) -> None:
        """State why the following writes are made; the audit trail records it."""
        set_reason(self.session, reason)


def _open(session: Session, database: Database) -> None:
    """Begin the transaction now, so that an unreachable database is reported as such."""
    try:
        session.connection()
    except OperationalError as exc:
        if "locked" in str(exc.orig):
            raise
        raise InputError(
            f"cannot open the database {describe_url(database.url)}: {exc.orig}",
            field="database_url",
        ) from None


@contextmanager
def session_scope(
    database: Database, *, actor: str, reason: str | None = None, readonly: bool = False
) -> Iterator[Session]:
    """One transaction on an audited session, for code that has no user row yet.

    The database bootstrap (``metsor db init``) uses it; services use :func:`unit_of_work`.

    Parameters
    ----------
    database
        The database.
    actor
        Name recorded in the audit trail.
    reason
        Reason recorded in the audit trail.
    readonly
        Roll back at the end instead of committing; on SQLite take no write lock.

    Yields
    ------
    Session
        Committed when the block ends normally, rolled back when it raises.
    """
    bind = read_only(database.engine) if readonly else database.engine
    session = database.sessions(bind=bind)
    set_actor(session, actor)
    set_reason(session, reason)
    try:
        _open(session, database)
        yield session
        if not readonly:
            session.commit()
        # A read-only transaction ends when ``close`` returns the connection (rolled back);
        # the objects read stay loaded for the caller.
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(
            "the change conflicts with a record written at the same time or already there: "
            f"{exc.orig}"
        ) from None
    except OperationalError as exc:
        session.rollback()
        if "locked" in str(exc.orig) or "could not serialize" in str(exc.orig):
            raise ConflictError(f"the database is busy, try again: {exc.orig}") from None
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_ACTING_USER_COLUMNS: Select[Any] = select(
    User.id, User.role, User.site_id, STORED_DOCUMENT, STORED_DIGEST
).where(User.username == bindparam("username"), User.active.is_(True))

#: The acting user of a unit of work, by username, as plain columns, with the stored
#: protocol's text and digest: every transaction reads both, in one statement built once.
_ACTING_USER = Prepared(_ACTING_USER_COLUMNS)

#: The same, with the audit chain's head: for a transaction that holds the write lock from its
#: first statement, so that its commit reads the head no more.
_ACTING_USER_AND_HEAD = Prepared(with_chain_head(_ACTING_USER_COLUMNS))


def _acting_user(session: Session, username: str, *, head: bool) -> Actor:
    """Read the acting user (and hand over the stored protocol and, with ``head``, the
    chain's head that the same statement reads).

    Raises
    ------
    PermissionDeniedError
        When the user does not exist or is deactivated.
    """
    statement = _ACTING_USER_AND_HEAD if head else _ACTING_USER
    found: Any = statement.rows(session.connection(), {"username": username}).first()
    if found is None:
        raise PermissionDeniedError(
            f"no active user {username!r} (give --user or METSOR_USER)", field="user"
        )
    keep_read(session, found[3], found[4])
    if head:
        keep_head(session, found[5:])
    return Actor(id=found[0], username=username, role=found[1], site_id=found[2])


@contextmanager
def unit_of_work(
    database: Database, username: str, *, reason: str | None = None, readonly: bool = False
) -> Iterator[ServiceContext]:
    """One service call: a transaction on behalf of an existing, active user.

    Parameters
    ----------
    database
        The database.
    username
        The acting user.
    reason
        Why the writes are made (recorded in the audit trail).
    readonly
        Roll back at the end; on SQLite take no write lock (reports, lists, verification).

    Yields
    ------
    ServiceContext
        The context to pass to services.

    Raises
    ------
    PermissionDeniedError
        When the user does not exist or is deactivated.
    ConflictError
        When the commit meets a unique constraint (a concurrent writer won).
    """
    head = not readonly and locks_on_begin(database.engine)
    with session_scope(database, actor=username, reason=reason, readonly=readonly) as session:
        actor = _acting_user(session, username, head=head)
        yield ServiceContext(
            session=session,
            actor=actor,
            clock=database.clock,
            eligibility=database.eligibility,
            seed_place=database.seed_place,
            anchor_file=database.anchor_file,
        )
