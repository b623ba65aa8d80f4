"""Session hooks that audit every write of an audited table, in the same transaction.

:func:`install` attaches three listeners to a ``sessionmaker`` (``session_factory`` does it):

- ``before_flush``: refuses to delete a row of an :class:`~metsor.store.base.AuditedMixin`
  table — clinical data is never hard-deleted; a record is corrected or its status changed.
- ``after_flush``: for every audited object inserted or updated by the flush, notes one entry
  per column (inserts: every column; updates: each column whose value changed, old and new).
- ``before_commit``: flushes, then appends the noted entries to the hash chain
  (:func:`metsor.store.audit.chain.append_entries`) just before the transaction commits. A
  rollback discards them with the data.

The acting user and the reason are read from ``session.info`` (:func:`set_actor`,
:func:`set_reason`; :class:`metsor.services.context.ServiceContext` sets both). Writing an
audited table without an actor is an :class:`~metsor.store.audit.chain.AuditError`.

Rules for audited tables: write them through ORM objects (``session.add``, attribute
assignment), not Core ``insert``/``update`` statements, which bypass the hooks; assign a new
dict or list to a JSON column rather than mutating it in place; use Python-side defaults, not
server defaults; no SAVEPOINTs (``begin_nested``) inside an audited transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Mapper, Session, sessionmaker
from sqlalchemy.orm.state import InstanceState

from metsor.store.audit.chain import AuditEntry, AuditError, append_entries, canonical, redact
from metsor.store.base import AuditedMixin, utcnow

__all__ = ["audited_columns", "encode_column", "install", "set_actor", "set_reason"]

_ACTOR = "metsor_actor"
_REASON = "metsor_audit_reason"
_PENDING = "metsor_audit_pending"
_UNLOADED = "metsor_audit_unloaded"


def set_actor(session: Session, username: str) -> None:
    """Name the user whose writes the session makes."""
    session.info[_ACTOR] = username


def set_reason(session: Session, reason: str | None) -> None:
    """State why the following writes of the session are made (None: no reason)."""
    session.info[_REASON] = reason


def audited_columns(mapper: Mapper[Any]) -> list[tuple[str, str]]:
    """The ``(attribute key, column name)`` pairs an audited table records, in table order."""
    return [(prop.key, prop.columns[0].name) for prop in mapper.column_attrs]


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


def _insert_entries(session: Session, obj: Any) -> list[AuditEntry]:
    state: InstanceState[Any] = inspect(obj)
    table = _table(state)
    record_id = _record_id(state)
    entries = []
    for key, column_name in audited_columns(state.mapper):
        if key in state.dict:
            value = state.dict[key]
        elif state.mapper.columns[key].server_default is not None:
            raise AuditError(f"{table}.{column_name}: audited columns take no server default")
        else:
            value = None
        entries.append(
            AuditEntry(
                table_name=table,
                record_id=record_id,
                field=column_name,
                action="insert",
                old_value=None,
                new_value=encode_column(type(obj), column_name, value),
                actor=_actor(session),
                reason=session.info.get(_REASON),
            )
        )
    return entries


def _update_entries(session: Session, obj: Any) -> list[AuditEntry]:
    state: InstanceState[Any] = inspect(obj)
    table = _table(state)
    entries = []
    for key, column_name in audited_columns(state.mapper):
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        if state.mapper.columns[key].primary_key:
            raise AuditError(f"{table}.{column_name}: the key of an audited row never changes")
        if history.deleted:
            old = history.deleted[0]
        else:  # the attribute was set without being loaded: read in before_flush
            old = session.info.get(_UNLOADED, {}).get((id(obj), key))
        new = history.added[0] if history.added else None
        old_text = encode_column(type(obj), column_name, old)
        new_text = encode_column(type(obj), column_name, new)
        if old_text == new_text:
            continue
        entries.append(
            AuditEntry(
                table_name=table,
                record_id=_record_id(state),
                field=column_name,
                action="update",
                old_value=old_text,
                new_value=new_text,
                actor=_actor(session),
                reason=session.info.get(_REASON),
            )
        )
    return entries


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditedMixin):
            state: InstanceState[Any] = inspect(obj)
            raise AuditError(f"clinical data is never deleted: {_table(state)} {_record_id(state)}")
    unloaded: dict[tuple[int, str], Any] = {}
    for obj in session.dirty:
        if isinstance(obj, AuditedMixin):
            unloaded.update(_stored_values_of_blind_writes(session, obj))
    session.info[_UNLOADED] = unloaded


def _stored_values_of_blind_writes(session: Session, obj: Any) -> dict[tuple[int, str], Any]:
    """Stored values of attributes assigned without having been loaded (old value unknown)."""
    state: InstanceState[Any] = inspect(obj)
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
    pending: list[AuditEntry] = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if isinstance(obj, AuditedMixin):
            pending.extend(_insert_entries(session, obj))
    for obj in session.dirty:
        if isinstance(obj, AuditedMixin) and session.is_modified(obj):
            pending.extend(_update_entries(session, obj))


def _before_commit(session: Session) -> None:
    session.flush()
    pending: list[AuditEntry] = session.info.pop(_PENDING, [])
    append_entries(session, pending, utcnow())


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)


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
    event.listen(factory, "after_soft_rollback", _after_rollback)
    return factory
