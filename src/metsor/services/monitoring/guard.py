"""The one check every write passes: freezes and locks, SDV marks and signatures, edit checks.

:func:`install` attaches two listeners to the audited session factory (the unit of work's):

- ``before_flush`` (and before :func:`metsor.store.audit.hooks.insert_records` inserts new
  records at once, which this sees as a flush's new objects): every clinical row written (an
  entry of a subject's casebook, its subject, a correction) is refused with a
  :class:`~metsor.errors.ConflictError` when its subject, its site or the study is frozen or
  locked; a data query or an edit-check query is refused only when locked, and so is an SDV
  mark or a signature. An update of an entry clears the SDV
  marks of that entry and voids the signatures that signed it; a new entry voids the
  signatures of the subject's casebook (or of its visit). Each clearing and voiding names the
  change that caused it ("voided by the correction of lab 12 on 2026-03-05 10:00 UTC by
  coord_tj: transcription error") and is audited in the same transaction.
- ``before_commit``: a visit signature still valid whose visit the transaction changed is
  voided when the visit's rows are no longer those it signed (a new entry dated in its
  reporting period, an entry moved into or out of it: :func:`.signatures.void_moved_visits`);
  then the record rules of :mod:`metsor.services.monitoring.edit_checks` run on
  every subject whose data the transaction changed, raising and closing queries as the
  system user, before the audit trail is chained.

Services need do nothing for this: it holds for every write through the unit of work. The
guard reads, once per transaction, in one statement, whether any freeze or lock is in force
and whether the subject written has a valid signature or a verified mark; only when it has
are they loaded (again only after the transaction writes one of them), and only then is the
change described. Data entry on a subject nobody has verified or signed costs one read, and
none of its own when the casebook has read the subject's dates: that statement reads the
same (:data:`PROBE_COLUMNS`) once the subject's row is locked, and hands it over
(:func:`keep_probe`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event, exists, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from metsor.errors import ConflictError
from metsor.services.monitoring.entries import (
    CHILD_TABLES,
    ENTRY_TABLES,
    EntryKey,
    entry_of,
    row_label,
)
from metsor.store.audit.hooks import listen_inserts
from metsor.store.base import AuditedMixin
from metsor.store.models.core import Site, Subject
from metsor.store.models.monitoring import DataLock, EditCheckQuery, SdvMark, Signature

__all__ = [
    "PROBE_COLUMNS",
    "LockView",
    "install",
    "keep_probe",
    "lock_view",
    "note_corrected",
    "when",
]

_TOUCHED = "metsor_monitoring_touched"
_CACHE = "metsor_monitoring_cache"
_CAUSES = "metsor_monitoring_causes"

_QUERY_TABLES = frozenset({"data_queries", "edit_check_queries"})
_SIGNOFF_TABLES = frozenset({"sdv_marks", "signatures"})
_DATA_TABLES = frozenset({"subjects", "data_corrections", "adverse_event_drugs", "tumour_lesions"})


def when(moment: datetime) -> str:
    """A time as signatures and marks show it: ``2026-03-05 10:00 UTC``."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


class LockView:
    """The freezes and locks in force, and the state they give each subject."""

    def __init__(self, session: Session, locks: list[DataLock]) -> None:
        self._session = session
        self._by_target = {(lock.scope, lock.target): lock for lock in locks}
        self._sites: dict[int, str] = {}

    def __bool__(self) -> bool:
        return bool(self._by_target)

    def site_code(self, site_id: int) -> str:
        """The code of a site."""
        if site_id not in self._sites:
            site = self._session.get(Site, site_id)
            self._sites[site_id] = site.code if site is not None else str(site_id)
        return self._sites[site_id]

    def state_of(self, subject_id: str, site_id: int | None = None) -> tuple[str, DataLock | None]:
        """``open``, ``frozen`` or ``locked`` for a subject, with the lock that makes it so."""
        if not self._by_target:
            return "open", None
        if site_id is None:
            subject = self._session.get(Subject, subject_id)
            site_id = subject.site_id if subject is not None else None
        candidates = [self._by_target.get(("study", ""))]
        if site_id is not None:
            candidates.append(self._by_target.get(("site", self.site_code(site_id))))
        candidates.append(self._by_target.get(("subject", subject_id)))
        found = [lock for lock in candidates if lock is not None]
        for state in ("locked", "frozen"):
            for lock in found:
                if lock.state == state:
                    return state, lock
        return "open", None


def lock_view(session: Session) -> LockView:
    """The freezes and locks in force in ``session`` (its pending changes included)."""
    with session.no_autoflush:
        rows = session.scalars(select(DataLock).where(DataLock.state != "open")).all()
    return LockView(session, [lock for lock in rows if lock.state != "open"])


def describe_lock(lock: DataLock) -> str:
    """``site TJ is frozen by dm on … (reason)``."""
    what = "the study" if lock.scope == "study" else f"{lock.scope} {lock.target}"
    return (
        f"{what} is {lock.state} by {lock.changed_by} since {when(lock.changed_at)}: {lock.reason}"
    )


def _kind(table: str) -> str | None:
    if table in ENTRY_TABLES or table in _DATA_TABLES:
        return "data"
    if table in _QUERY_TABLES:
        return "query"
    if table in _SIGNOFF_TABLES:
        return "signoff"
    return None


def _subject_of(session: Session, obj: Any, table: str) -> tuple[str, int | None] | None:
    if table == "subjects":
        return str(obj.subject_id), obj.site_id
    if table == "edit_check_queries" or hasattr(obj, "subject_id"):
        return str(obj.subject_id), None
    parent = _cache(session).inserted_parent(obj, table)
    if parent is not None:
        return str(parent.subject_id), None
    found = entry_of(session, obj)
    return (found[1], None) if found is not None else None


class _Cache:
    """What the guard read in this transaction: the locks, and per subject its valid
    signatures and verified marks. Dropped when the transaction ends, and in part when the
    transaction itself writes a lock, a signature or a mark."""

    def __init__(self) -> None:
        self.locks: LockView | None = None
        self.signatures: dict[str, list[Signature]] = {}
        self.marks: dict[str, dict[tuple[str, int], list[SdvMark]]] = {}
        self.queried: dict[str, bool] = {}
        self.inserted: list[Any] = []
        self.corrected: dict[int, tuple[str, ...]] = {}

    def inserted_parent(self, obj: Any, table: str) -> Any | None:
        """The entry a child row belongs to, when the transaction inserted it at once
        (:func:`metsor.store.audit.hooks.insert_records`): it is in no session to look up."""
        if table not in CHILD_TABLES:
            return None
        _, parent_table, column = CHILD_TABLES[table]
        key = getattr(obj, column)
        for entry in self.inserted:
            if entry.__tablename__ == parent_table and entry.id == key:
                return entry
        return None

    def forget(self, obj: Any) -> None:
        """Forget what a write of ``obj`` (a lock, signature or mark) makes stale."""
        if isinstance(obj, DataLock):
            self.locks = None
        elif isinstance(obj, Signature):
            self.signatures.pop(obj.subject_id, None)
        elif isinstance(obj, SdvMark):
            self.marks.pop(obj.subject_id, None)
        elif isinstance(obj, EditCheckQuery):
            self.queried[obj.subject_id] = True

    def probe(self, session: Session, subject_id: str, locks_known: bool) -> None:
        """Read in one statement whether a lock is in force and whether the subject has a
        valid signature or a verified mark; remember what is known to be empty."""
        if subject_id in self.signatures and subject_id in self.marks:
            return
        found = session.connection().execute(_PROBE, {"subject_id": subject_id}).one()
        self.remember(session, subject_id, *found, locks_known=locks_known)

    def remember(
        self,
        session: Session,
        subject_id: str,
        locked: bool,
        signed: bool,
        marked: bool,
        queried: bool,
        *,
        locks_known: bool = False,
    ) -> None:
        """Remember what a probe read: what is known to be empty is not read again."""
        self.queried[subject_id] = self.queried.get(subject_id, False) or bool(queried)
        if not locked and not locks_known and self.locks is None:
            self.locks = LockView(session, [])
        if not signed:
            self.signatures.setdefault(subject_id, [])
        if not marked:
            self.marks.setdefault(subject_id, {})

    def signatures_of(self, session: Session, subject_id: str) -> list[Signature]:
        if subject_id not in self.signatures:
            self.signatures[subject_id] = list(
                session.scalars(
                    select(Signature).where(
                        Signature.subject_id == subject_id, Signature.status == "valid"
                    )
                )
            )
        return self.signatures[subject_id]

    def marks_of(self, session: Session, subject_id: str) -> dict[tuple[str, int], list[SdvMark]]:
        if subject_id not in self.marks:
            found: dict[tuple[str, int], list[SdvMark]] = {}
            for mark in session.scalars(
                select(SdvMark).where(
                    SdvMark.subject_id == subject_id, SdvMark.status == "verified"
                )
            ):
                found.setdefault((mark.table_name, mark.record_id), []).append(mark)
            self.marks[subject_id] = found
        return self.marks[subject_id]


#: Whether a freeze or lock is in force, and whether a subject (bound as ``subject_id``) has a
#: valid signature, a verified mark or an edit-check query, as columns ``locked``, ``signed``,
#: ``marked``, ``queried`` of a statement; read them with the subject's row locked, and hand
#: them over with :func:`keep_probe`.
PROBE_COLUMNS = (
    exists().where(DataLock.state != "open").label("locked"),
    exists()
    .where(Signature.subject_id == bindparam("subject_id"), Signature.status == "valid")
    .label("signed"),
    exists()
    .where(SdvMark.subject_id == bindparam("subject_id"), SdvMark.status == "verified")
    .label("marked"),
    exists().where(EditCheckQuery.subject_id == bindparam("subject_id")).label("queried"),
)

#: The guard's one read of a transaction that enters data, when no other statement read it.
_PROBE = select(*PROBE_COLUMNS)


def _cache(session: Session) -> _Cache:
    cache = session.info.get(_CACHE)
    if not isinstance(cache, _Cache):
        cache = session.info[_CACHE] = _Cache()
    return cache


def note_corrected(session: Session, obj: Any, fields: Sequence[str]) -> None:
    """Name the fields a correction of ``obj`` sets, so that the change that clears marks and
    voids signatures names them, not the values derived from them (a standard value, a grade)
    whether or not these are written in the same flush.

    Parameters
    ----------
    session
        The session of the transaction.
    obj
        The corrected row.
    fields
        The fields the user corrected.
    """
    _cache(session).corrected[id(obj)] = tuple(fields)


def keep_probe(
    session: Session, subject_id: str, locked: bool, signed: bool, marked: bool, queried: bool
) -> None:
    """Hand over what a statement of the transaction read of :data:`PROBE_COLUMNS` for a
    subject, so that the guard's flushes do not read it again.

    Read it after the subject's row is locked (on PostgreSQL, in a statement after the one
    that takes the lock, so that it sees what the lock's last holder committed): a signature
    or a mark written meanwhile is then seen, as the probe at the first flush would see it.
    What the transaction itself writes afterwards (a lock, a signature, a mark, a query) is
    forgotten as it is flushed, as ever.

    Parameters
    ----------
    session
        The session of the transaction.
    subject_id
        The subject the columns were read for.
    locked, signed, marked, queried
        The columns as read.
    """
    _cache(session).remember(session, subject_id, locked, signed, marked, queried)


def _check_locks(
    session: Session, written: list[tuple[Any, str, str, int | None]], stale: bool
) -> None:
    cache = _cache(session)
    for subject_id in dict.fromkeys(subject for _, _, subject, _ in written):
        cache.probe(session, subject_id, stale)
    view = cache.locks if cache.locks is not None and not stale else lock_view(session)
    if not stale:  # a lock written by this flush is read again by the next one
        cache.locks = view
    if not view:
        return
    for _obj, kind, subject_id, site_id in written:
        state, lock = view.state_of(subject_id, site_id)
        if state == "open" or (state == "frozen" and kind != "data"):
            continue
        assert lock is not None
        what = {"data": "no data may change", "query": "no query may change",
                "signoff": "no verification or signature may change"}[kind]  # fmt: skip
        raise ConflictError(
            f"subject {subject_id} cannot be changed: {describe_lock(lock)}; {what}",
            field="subject_id",
        )


def _cause(session: Session, obj: Any, table: str, new: bool, moment: datetime) -> str:
    actor = session.info.get("metsor_actor", "?")
    label = row_label(session, obj, table)
    if new:
        return f"the entry of a new {label} on {when(moment)} by {actor}"
    fields = _cache(session).corrected.get(id(obj)) or [
        attr.key for attr in inspect(obj).attrs if attr.history.has_changes()
    ]
    reason = session.info.get("metsor_audit_reason")
    if reason:
        return (
            f"the correction of {label} ({', '.join(fields)}) on {when(moment)} by "
            f"{actor}: {reason}"
        )
    return f"the change of {label} on {when(moment)} by {actor}"


def _clear_and_void(
    session: Session, obj: Any, table: str, new: bool, subject_id: str, moment: datetime
) -> str | None:
    """Clear the marks and void the signatures a change makes stale; the change described
    (None: the subject has neither, so nothing is described)."""
    cache = _cache(session)
    with session.no_autoflush:
        if not cache.signatures_of(session, subject_id) and not cache.marks_of(session, subject_id):
            return None
    found = None if new and table in ENTRY_TABLES else entry_of(session, obj)
    entry: EntryKey | None = found[0] if found is not None else None
    cause = _cause(session, obj, table, new, moment)
    actor = session.info.get("metsor_actor")
    with session.no_autoflush:
        if entry is not None:
            marks = cache.marks_of(session, subject_id).pop((entry.table, entry.record_id), [])
            for mark in marks:
                mark.status = "cleared"
                mark.cleared_at = moment
                mark.cleared_by = actor
                mark.cleared_because = f"cleared by {cause}"
        signatures = cache.signatures_of(session, subject_id)
    row = None if obj.id is None else f"{table}:{obj.id}"
    for signature in signatures:
        if signature.status != "valid":
            continue
        if signature.visit_id is not None:
            touches = (row is not None and row in signature.signed_rows) or (
                new and getattr(obj, "visit_id", None) == signature.visit_id
            )
            if entry is not None and f"{entry.table}:{entry.record_id}" in signature.signed_rows:
                touches = True
            if not touches:
                continue
        signature.status = "voided"
        signature.voided_at = moment
        signature.voided_by = actor
        signature.voided_because = f"voided by {cause}"
    return cause


def _guard_flush(session: Session, clock: Callable[[], datetime]) -> None:
    """What a flush writes: the session's new and changed objects."""
    _guard(
        session,
        list(session.new),
        [obj for obj in session.dirty if session.is_modified(obj)],
        clock,
    )


def _guard(
    session: Session, added: list[Any], changed: list[Any], clock: Callable[[], datetime]
) -> None:
    """Refuse what a freeze or lock forbids; clear marks and void signatures of changes."""
    written: list[tuple[Any, str, str, int | None]] = []
    changes: list[tuple[Any, str, bool, str]] = []
    new = {id(obj) for obj in added}
    candidates = added + changed
    cache = _cache(session)
    stale = False
    with session.no_autoflush:
        for obj in candidates:
            if not isinstance(obj, AuditedMixin):
                continue
            if isinstance(obj, DataLock | Signature | SdvMark | EditCheckQuery):
                cache.forget(obj)
                stale = stale or isinstance(obj, DataLock)
            table = str(getattr(obj, "__tablename__", ""))
            kind = _kind(table)
            if kind is None:
                continue
            owner = _subject_of(session, obj, table)
            if owner is None:
                continue
            written.append((obj, kind, owner[0], owner[1]))
            if kind == "data" and table not in ("subjects", "data_corrections"):
                changes.append((obj, table, id(obj) in new, owner[0]))
        if stale:
            cache.locks = None
        if not written:
            return
        _check_locks(session, written, stale)
    if not changes:
        return
    moment = clock()
    touched: dict[str, set[str]] = session.info.setdefault(_TOUCHED, {})
    causes: dict[str, list[tuple[Any, str]]] = session.info.setdefault(_CAUSES, {})
    for obj, table, is_new, subject_id in changes:
        touched.setdefault(subject_id, set()).add(table)
        cause = _clear_and_void(session, obj, table, is_new, subject_id, moment)
        if cause is not None:
            causes.setdefault(subject_id, []).append((obj, cause))


def install(factory: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
    """Attach the listeners to every session of ``factory``.

    Parameters
    ----------
    factory
        The audited session factory of the database.
    clock
        The trial's clock (the time stamped on cleared marks and voided signatures).
    """

    def before_flush(session: Session, flush_context: Any, instances: Any) -> None:
        _guard_flush(session, clock)

    def before_insert(session: Session, records: Sequence[AuditedMixin]) -> None:
        _guard(session, list(records), [], clock)
        _cache(session).inserted.extend(
            record for record in records if getattr(record, "__tablename__", "") in ENTRY_TABLES
        )

    def before_commit(session: Session) -> None:
        if not session.info.get(_TOUCHED):
            return
        session.flush()
        touched: dict[str, set[str]] = session.info.pop(_TOUCHED, {})
        if not touched:
            return
        causes: dict[str, list[tuple[Any, str]]] = session.info.pop(_CAUSES, {})
        cache = _cache(session)
        visits = {
            subject_id: signed
            for subject_id in causes
            if (signed := [s for s in cache.signatures_of(session, subject_id)
                           if s.status == "valid" and s.visit_id is not None])
        }  # fmt: skip
        if visits:
            from metsor.services.monitoring.signatures import void_moved_visits

            void_moved_visits(session, visits, causes, clock())
            session.flush()
        from metsor.services.monitoring.edit_checks import check_on_save

        check_on_save(session, touched, clock(), queried=cache.queried)
        session.flush()
        session.info.pop(_TOUCHED, None)

    def after_commit(session: Session) -> None:
        session.info.pop(_CACHE, None)
        session.info.pop(_CAUSES, None)

    def after_rollback(session: Session, previous_transaction: Any) -> None:
        session.info.pop(_TOUCHED, None)
        session.info.pop(_CAUSES, None)
        session.info.pop(_CACHE, None)

    event.listen(factory, "before_flush", before_flush, insert=True)
    event.listen(factory, "before_commit", before_commit, insert=True)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", after_rollback)
    listen_inserts(factory, before_insert)
