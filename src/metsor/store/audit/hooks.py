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

Rules for audited tables: write them through ORM objects (``session.add``, attribute
assignment), not Core ``insert``/``update`` statements, which bypass the hooks; assign a new
dict or list to a JSON column rather than mutating it in place; use Python-side defaults, not
server defaults; no SAVEPOINTs (``begin_nested``) inside an audited transaction.
"""

from __future__ import annotations

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

__all__ = [
    "ChainSettings",
    "audited_columns",
    "chain_settings",
    "configure",
    "encode_column",
    "install",
    "set_actor",
    "set_reason",
]

_ACTOR = "metsor_actor"
_REASON = "metsor_audit_reason"
_PENDING = "metsor_audit_pending"
_UNLOADED = "metsor_audit_unloaded"
_CHAIN = "metsor_audit_chain"
_ANCHOR = "metsor_audit_anchor"


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
