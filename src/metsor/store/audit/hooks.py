"""Session hooks that audit every write of an audited table, in the same transaction.

:func:`install` attaches the listeners to a ``sessionmaker`` (``session_factory`` does it):

- ``before_flush``: refuses to delete a row of an :class:`~metsor.store.base.AuditedMixin`
  table — clinical data is never hard-deleted; a record is corrected or its status changed.
- ``after_flush``: for every audited object inserted or updated by the flush, notes one entry
  for the record, holding each field written (inserts: every column; updates: each column
  whose value changed, old and new).
- ``before_commit``: flushes, then writes the noted entries as audit rows (one a record
  written) and chains them as one transaction
  (:func:`metsor.store.audit.chain.append_transaction`) just before the transaction commits;
  with a key, it also opens the anchor file. A rollback discards the entries with the data.
- ``after_commit``: appends the new head of the chain to the anchor file
  (:mod:`metsor.store.audit.anchor`).

The acting user and the reason are read from ``session.info`` (:func:`set_actor`,
:func:`set_reason`; :class:`metsor.services.context.ServiceContext` sets both); the key and the
anchor file from the :class:`ChainSettings` given to :func:`configure` (the services resolve
them when the database is opened). Writing an audited table without an actor is an
:class:`~metsor.store.audit.chain.AuditError`.

New records may also be written at once, without the ORM's unit of work:
:func:`insert_records` inserts objects built but never added to the session with one
``INSERT … RETURNING`` per table (:mod:`metsor.store.inserts`), notes each one's entry as the
flush would, and calls first the listeners registered with :func:`listen_inserts` (the
monitoring guard's checks, the text lengths) on the objects, as ``before_flush`` listeners see
``session.new``. The casebook writes its new records so: the unit of work's cost is per ORM
object it tracks (docs/benchmarks.md, "Audited writes: ≤ 5× a bare insert").

Rules for audited tables: write them through ORM objects (``session.add``, attribute
assignment) or :func:`insert_records`, not Core ``insert``/``update`` statements of one's own,
which bypass the hooks; assign a new dict or list to a JSON column rather than mutating it in
place; use Python-side defaults, not server defaults; no SAVEPOINTs (``begin_nested``) inside
an audited transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Mapper, Session, sessionmaker
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.state import InstanceState

from metsor.store.audit.anchor import anchor_line, open_anchor, write_anchor
from metsor.store.audit.chain import AuditError, append_transaction, canonical, redact
from metsor.store.audit.encoding import FieldChange, RecordEntry
from metsor.store.base import AuditedMixin, utcnow
from metsor.store.inserts import InsertPlan, insert_rows, plan_of

__all__ = [
    "ChainSettings",
    "audited_columns",
    "chain_settings",
    "configure",
    "encode_column",
    "insert_records",
    "install",
    "listen_inserts",
    "set_actor",
    "set_reason",
]

_ACTOR = "metsor_actor"
_REASON = "metsor_audit_reason"
_PENDING = "metsor_audit_pending"
_UNLOADED = "metsor_audit_unloaded"
_CHAIN = "metsor_audit_chain"
_ANCHOR = "metsor_audit_anchor"
_INSERT_LISTENERS = "metsor_insert_listeners"

#: A listener of :func:`insert_records`: the session, and the new records about to be inserted.
InsertListener = Callable[[Session, Sequence[AuditedMixin]], None]


@dataclass(frozen=True)
class ChainSettings:
    """The secret and the file the chain is kept with.

    Attributes
    ----------
    key
        The audit key (None: transactions are chained by plain SHA-256, a weaker guarantee).
    anchor
        The anchor file; written after every keyed commit (None: not anchored).
    """

    key: bytes | None = None
    anchor: Path | None = None


def set_actor(session: Session, username: str) -> None:
    """Name the user whose writes the session makes."""
    session.info[_ACTOR] = username


def set_reason(session: Session, reason: str | None) -> None:
    """State why the following writes of the session are made (None: no reason)."""
    session.info[_REASON] = reason


def configure(factory: sessionmaker[Session], settings: ChainSettings) -> None:
    """Make every session of ``factory`` keep the chain with ``settings``."""
    info = dict(factory.kw.get("info") or {})
    info[_CHAIN] = settings
    factory.configure(info=info)


def chain_settings(session: Session) -> ChainSettings:
    """The chain settings of a session (no key, no anchor when none were configured)."""
    settings = session.info.get(_CHAIN)
    return settings if isinstance(settings, ChainSettings) else ChainSettings()


def audited_columns(mapper: Mapper[Any]) -> list[tuple[str, str]]:
    """The ``(attribute key, column name)`` pairs an audited table records, in table order."""
    return [(prop.key, prop.columns[0].name) for prop in mapper.column_attrs]


_COLUMNS: dict[Mapper[Any], tuple[tuple[str, str, bool, bool, bool], ...]] = {}


def _columns(mapper: Mapper[Any]) -> tuple[tuple[str, str, bool, bool, bool], ...]:
    """Per column: key, name, server default?, primary key?, redacted? (cached per mapper)."""
    cached = _COLUMNS.get(mapper)
    if cached is None:
        redacted: frozenset[str] = getattr(mapper.class_, "__audit_redacted__", frozenset())
        cached = tuple(
            (
                prop.key,
                prop.columns[0].name,
                prop.columns[0].server_default is not None,
                bool(prop.columns[0].primary_key),
                prop.columns[0].name in redacted,
            )
            for prop in mapper.column_attrs
        )
        _COLUMNS[mapper] = cached
    return cached


def encode_column(cls: type[Any], column_name: str, value: Any) -> str | None:
    """Canonical text of a value of ``cls``'s column as the audit trail stores it."""
    encoded = canonical(value)
    redacted: frozenset[str] = getattr(cls, "__audit_redacted__", frozenset())
    return redact(encoded) if column_name in redacted else encoded


def _table(state: InstanceState[Any]) -> str:
    return str(state.class_.__tablename__)


def _record_id(state: InstanceState[Any]) -> str:
    mapper = state.mapper
    if len(mapper.primary_key) != 1:
        raise AuditError(f"audited table {_table(state)} needs a one-column key")
    (key_value,) = mapper.primary_key_from_instance(state.obj())
    return str(key_value)


def _actor(session: Session) -> str:
    actor = session.info.get(_ACTOR)
    if not actor:
        raise AuditError("an audited table was written with no acting user on the session")
    return str(actor)


def _insert_record(state: InstanceState[Any], actor: str, reason: str | None) -> RecordEntry:
    table = _table(state)
    values = state.dict
    changes: list[FieldChange] = []
    for key, column_name, server_default, _primary, redacted in _columns(state.mapper):
        if key in values:
            text = canonical(values[key])
        elif server_default:
            raise AuditError(f"{table}.{column_name}: audited columns take no server default")
        else:
            text = None
        if redacted:
            text = redact(text)
        changes.append((column_name, None, text))
    return RecordEntry(table, _record_id(state), "insert", changes, actor, reason)


def _update_record(
    session: Session, state: InstanceState[Any], actor: str, reason: str | None
) -> RecordEntry | None:
    table = _table(state)
    changes: list[FieldChange] = []
    unloaded = session.info.get(_UNLOADED, {})
    for key, column_name, _server_default, primary, redacted in _columns(state.mapper):
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        if primary:
            raise AuditError(f"{table}.{column_name}: the key of an audited row never changes")
        # an attribute set without being loaded has its stored value read in before_flush
        old = history.deleted[0] if history.deleted else unloaded.get((id(state.obj()), key))
        new = history.added[0] if history.added else None
        old_text, new_text = canonical(old), canonical(new)
        if redacted:
            old_text, new_text = redact(old_text), redact(new_text)
        if old_text == new_text:
            continue
        changes.append((column_name, old_text, new_text))
    if not changes:
        return None
    return RecordEntry(table, _record_id(state), "update", changes, actor, reason)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditedMixin):
            state: InstanceState[Any] = instance_state(obj)
            raise AuditError(f"clinical data is never deleted: {_table(state)} {_record_id(state)}")
    unloaded: dict[tuple[int, str], Any] = {}
    for obj in session.dirty:
        if isinstance(obj, AuditedMixin):
            unloaded.update(_stored_values_of_blind_writes(session, obj))
    session.info[_UNLOADED] = unloaded


def _stored_values_of_blind_writes(session: Session, obj: Any) -> dict[tuple[int, str], Any]:
    """Stored values of attributes assigned without having been loaded (old value unknown)."""
    state: InstanceState[Any] = instance_state(obj)
    blind = [
        prop
        for prop in state.mapper.column_attrs
        if state.attrs[prop.key].history.added and not state.attrs[prop.key].history.deleted
    ]
    if not blind or state.key is None:
        return {}
    key_column = state.mapper.primary_key[0]
    row = session.execute(
        select(*(prop.columns[0] for prop in blind)).where(key_column == state.key[1][0])
    ).one()
    return {(id(obj), prop.key): value for prop, value in zip(blind, row, strict=True)}


def _after_flush(session: Session, flush_context: Any) -> None:
    pending: list[RecordEntry] = session.info.setdefault(_PENDING, [])
    new = [obj for obj in session.new if isinstance(obj, AuditedMixin)]
    dirty = [obj for obj in session.dirty if isinstance(obj, AuditedMixin)]
    if not new and not dirty:
        return
    actor, reason = _actor(session), session.info.get(_REASON)
    for obj in new:
        pending.append(_insert_record(instance_state(obj), actor, reason))
    for obj in dirty:
        if session.is_modified(obj):
            entry = _update_record(session, instance_state(obj), actor, reason)
            if entry is not None:
                pending.append(entry)


def _before_commit(session: Session) -> None:
    session.flush()
    pending: list[RecordEntry] = session.info.pop(_PENDING, [])
    if not pending:
        return
    settings = chain_settings(session)
    anchor = settings.anchor if settings.key is not None else None
    head = append_transaction(
        session,
        pending,
        utcnow(),
        actor=_actor(session),
        key=settings.key,
        name_chain=anchor is not None,
    )
    if head is not None and anchor is not None:
        session.info[_ANCHOR] = (open_anchor(anchor), anchor_line(head))


def _after_commit(session: Session) -> None:
    anchor = session.info.pop(_ANCHOR, None)
    if anchor is not None:
        write_anchor(anchor[0], anchor[1])


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)
    anchor = session.info.pop(_ANCHOR, None)
    if anchor is not None:
        write_anchor(anchor[0], None)


def listen_inserts(factory: sessionmaker[Session], listener: InsertListener) -> None:
    """Call ``listener`` on the new records of every :func:`insert_records` of the factory's
    sessions, before they are inserted (as a ``before_flush`` listener sees ``session.new``).

    Parameters
    ----------
    factory
        A session factory.
    listener
        Called with the session and the records; it may raise to refuse them (nothing is
        inserted then).
    """
    info = dict(factory.kw.get("info") or {})
    info[_INSERT_LISTENERS] = (*info.get(_INSERT_LISTENERS, ()), listener)
    factory.configure(info=info)


def _default(default: Any) -> Any:
    """The value of a column's Python-side default (a scalar, or a callable of no argument
    that SQLAlchemy wrapped to take the execution context)."""
    if default.is_scalar:
        return default.arg
    return default.arg(None)


def _row(plan: InsertPlan, record: AuditedMixin) -> tuple[Any, ...]:
    """The values a record is inserted with, in the plan's order; its defaults set on it."""
    values = instance_state(record).dict
    for key, column, default, server_default in plan.columns:
        if key not in values:
            if server_default:
                raise AuditError(
                    f"{_table(instance_state(record))}.{column}: audited columns take no "
                    "server default"
                )
            values[key] = None if default is None else _default(default)
    return tuple(values[key] for key, _, _, _ in plan.columns)


def insert_records(session: Session, records: Sequence[AuditedMixin]) -> None:
    """Insert new records of audited tables now, audited as a flush would audit them.

    The records are objects of mapped :class:`~metsor.store.base.AuditedMixin` classes,
    built but never added to the session. The listeners of :func:`listen_inserts` see them
    first; pending objects of the session are flushed before (a record may refer to one);
    then each class's records are inserted by one statement, their Python-side defaults and
    keys set on them, and one audit entry noted for each, with every column written — the
    entries :func:`install`'s ``after_flush`` notes for an ORM insert. The records stay
    outside the session: read them as written, never change or add them afterwards.

    Parameters
    ----------
    session
        The session of the transaction (audited; its acting user set).
    records
        New records, each with a one-column integer key left unset.

    Raises
    ------
    AuditError
        With no acting user on the session, or a record that is not of an audited table.
    """
    if not records:
        return
    actor, reason = _actor(session), session.info.get(_REASON)
    for listener in session.info.get(_INSERT_LISTENERS, ()):
        listener(session, records)
    if session.new:
        session.flush()
    by_mapper: dict[Mapper[Any], list[AuditedMixin]] = {}
    for record in records:
        if not isinstance(record, AuditedMixin):
            raise AuditError(f"{type(record).__name__} is not an audited table")
        by_mapper.setdefault(instance_state(record).mapper, []).append(record)
    pending: list[RecordEntry] = session.info.setdefault(_PENDING, [])
    connection = session.connection()
    for mapper, group in by_mapper.items():
        plan = plan_of(mapper)
        keys = insert_rows(connection, plan, [_row(plan, record) for record in group])
        for record, key_value in zip(group, keys, strict=True):
            state = instance_state(record)
            state.dict[plan.key] = key_value
            pending.append(_insert_record(state, actor, reason))


def install(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Attach the audit listeners to every session the factory makes.

    Parameters
    ----------
    factory
        A session factory.

    Returns
    -------
    sessionmaker
        The same factory.
    """
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_soft_rollback", _after_rollback)
    return factory
