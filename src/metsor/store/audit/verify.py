"""Verification of the audit trail against itself and against the data it describes.

:func:`verify` reads the whole trail and reports, in this order:

1. Chain breaks: a row whose hash does not match its content, whose ``prev_hash`` is not the
   hash of the row before, or a gap in ``seq`` (a deleted row). An edit made behind the
   application's back, by SQL on the database file or server, shows here.
2. Data that disagrees with the trail: the trail is replayed per record (the insert, then every
   update in order) and the result compared, field by field, with the row as it is now in every
   audited table. A changed value, a row with no audit history, or a row that is gone shows here.
3. The concealed allocation list: its SHA-256 digest (:func:`allocation_list_digest`) must equal
   the audited ``randomization_scheme.list_digest``; each stratum's list allocations must use
   positions ``1 … next_position - 1`` of its counter, none skipped or doubled.

The chain holds no secret key: it shows edits made without the application, it cannot stop
someone who rewrites the data, the trail and every hash after it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from metsor.store import models
from metsor.store.audit.chain import GENESIS_HASH, AuditEntry, row_hash
from metsor.store.audit.hooks import audited_columns, encode_column
from metsor.store.base import AuditedMixin, Base
from metsor.store.models.core import (
    Allocation,
    AllocationListEntry,
    AuditLog,
    RandomizationScheme,
    StratumCounter,
)

__all__ = ["AuditProblem", "VerifyReport", "allocation_list_digest", "verify"]

assert models.core is not None  # every table is registered before the trail is replayed

_MAX_PROBLEMS = 200
_MISSING = object()


@dataclass(frozen=True)
class AuditProblem:
    """One thing the verification found wrong.

    Attributes
    ----------
    kind
        ``"chain"``, ``"data"``, ``"allocation_list"`` or ``"counter"``.
    table, record_id, field
        The row and field at fault, as far as known.
    seq
        The audit row at fault, for chain breaks.
    message
        What is wrong.
    """

    kind: str
    table: str
    record_id: str | None
    field: str | None
    message: str
    seq: int | None = None

    def __str__(self) -> str:
        where = [self.table]
        if self.record_id is not None:
            where.append(f"id {self.record_id}")
        if self.field is not None:
            where.append(f"field {self.field}")
        if self.seq is not None:
            where.append(f"audit row {self.seq}")
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify` found.

    Attributes
    ----------
    audit_rows
        Rows of the audit trail read.
    records
        Rows of audited tables compared with the trail.
    problems
        Everything found wrong (at most 200), chain breaks first.
    """

    audit_rows: int
    records: int
    problems: tuple[AuditProblem, ...] = field(default=())

    @property
    def intact(self) -> bool:
        """True when nothing was found wrong."""
        return not self.problems

    @property
    def first_problem(self) -> AuditProblem | None:
        """The first thing found wrong, or None."""
        return self.problems[0] if self.problems else None


def allocation_list_digest(entries: Iterable[tuple[str, int, str, int, int]]) -> str:
    """SHA-256 of an allocation list, independent of the order the entries are given in.

    Parameters
    ----------
    entries
        ``(stratum, position, arm, block_index, block_size)`` tuples.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256()
    for stratum, position, arm, block_index, block_size in sorted(entries):
        digest.update(f"{stratum}\t{position}\t{arm}\t{block_index}\t{block_size}\n".encode())
    return digest.hexdigest()


def _check_chain(
    session: Session, problems: list[AuditProblem]
) -> tuple[int, dict[tuple[str, str], dict[str, str | None]]]:
    replay: dict[tuple[str, str], dict[str, str | None]] = {}
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    rows = session.execute(select(AuditLog.__table__).order_by(AuditLog.seq)).yield_per(5000)
    for row in rows:
        count += 1
        where = (row.table_name, row.record_id, row.field)
        if row.seq != expected_seq:
            missing = f"{expected_seq}" + (f"–{row.seq - 1}" if row.seq - 1 > expected_seq else "")
            problems.append(
                AuditProblem("chain", *where, f"audit rows {missing} are missing", seq=row.seq)
            )
        elif row.prev_hash != prev_hash:
            problems.append(
                AuditProblem("chain", *where, "does not chain to the row before", seq=row.seq)
            )
        entry = AuditEntry(
            table_name=row.table_name,
            record_id=row.record_id,
            field=row.field,
            action=row.action,
            old_value=row.old_value,
            new_value=row.new_value,
            actor=row.actor,
            reason=row.reason,
        )
        recomputed = row_hash(
            seq=row.seq, recorded_at=row.recorded_at, entry=entry, prev_hash=row.prev_hash
        )
        if recomputed != row.hash:
            problems.append(
                AuditProblem("chain", *where, "content does not match its hash", seq=row.seq)
            )
        replay.setdefault((row.table_name, row.record_id), {})[row.field] = row.new_value
        expected_seq, prev_hash = row.seq + 1, row.hash
    return count, replay


def _check_table(
    session: Session,
    cls: type[Any],
    table: Table,
    replay: dict[tuple[str, str], dict[str, str | None]],
    problems: list[AuditProblem],
) -> int:
    mapper = cls.__mapper__
    columns = [name for _key, name in audited_columns(mapper)]
    (key_column,) = [c.name for c in table.primary_key.columns]
    count = 0
    for row in session.execute(select(table).order_by(table.c[key_column])).yield_per(2000):
        count += 1
        record_id = str(row._mapping[key_column])
        trail = replay.pop((table.name, record_id), None)
        if trail is None:
            problems.append(
                AuditProblem("data", table.name, record_id, None, "row has no audit history")
            )
            continue
        for name in columns:
            now = encode_column(cls, name, row._mapping[name])
            said = trail.get(name, _MISSING)
            if said is _MISSING:
                message = f"value {now} has no audit history"
            elif said != now:
                message = f"value {now} differs from the audit trail's {said}"
            else:
                continue
            problems.append(AuditProblem("data", table.name, record_id, name, message))
    return count


def _check_allocation_list(session: Session, problems: list[AuditProblem]) -> None:
    scheme = session.get(RandomizationScheme, 1)
    if scheme is None:
        return
    entries = session.execute(
        select(
            AllocationListEntry.stratum,
            AllocationListEntry.position,
            AllocationListEntry.arm,
            AllocationListEntry.block_index,
            AllocationListEntry.block_size,
        )
    ).all()
    digest = allocation_list_digest((e[0], e[1], e[2], e[3], e[4]) for e in entries)
    if digest != scheme.list_digest:
        problems.append(
            AuditProblem(
                "allocation_list",
                "allocation_list",
                None,
                None,
                "the list does not match the digest recorded when it was generated",
            )
        )
    used: dict[str, list[int]] = {}
    for stratum, position in session.execute(
        select(Allocation.stratum, Allocation.list_position).where(
            Allocation.list_position.is_not(None)
        )
    ):
        if position is not None:
            used.setdefault(stratum, []).append(position)
    for counter in session.scalars(select(StratumCounter).order_by(StratumCounter.stratum)):
        positions = sorted(used.pop(counter.stratum, []))
        if positions != list(range(1, counter.next_position)):
            problems.append(
                AuditProblem(
                    "counter",
                    "stratum_counters",
                    counter.stratum,
                    "next_position",
                    f"next position {counter.next_position} but list positions used are "
                    f"{positions}",
                )
            )
    for stratum in sorted(used):
        problems.append(
            AuditProblem("counter", "stratum_counters", stratum, None, "stratum has no counter")
        )


def verify(session: Session) -> VerifyReport:
    """Check the audit chain, replay it against every audited table, check the list.

    Parameters
    ----------
    session
        A session on the trial database (only read).

    Returns
    -------
    VerifyReport
        Counts and every problem found (at most 200), the first one first.
    """
    problems: list[AuditProblem] = []
    audit_rows, replay = _check_chain(session, problems)
    records = 0
    audited = sorted(
        (m for m in Base.registry.mappers if issubclass(m.class_, AuditedMixin)),
        key=lambda m: str(m.class_.__tablename__),
    )
    for mapper in audited:
        table = mapper.local_table
        assert isinstance(table, Table)
        records += _check_table(session, mapper.class_, table, replay, problems)
    for (table_name, record_id), fields in sorted(replay.items()):
        first_field = next(iter(fields), None)
        problems.append(
            AuditProblem(
                "data", table_name, record_id, first_field, "row in the audit trail is gone"
            )
        )
    _check_allocation_list(session, problems)
    return VerifyReport(
        audit_rows=audit_rows, records=records, problems=tuple(problems[:_MAX_PROBLEMS])
    )
