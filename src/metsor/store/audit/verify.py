"""Verification of the audit trail against itself, its anchor, and the data it describes.

:func:`verify` reads the whole trail and reports, in this order, each check with the
guarantee it rests on (:class:`~metsor.store.audit.report.Check`):

1. **chain** (:mod:`metsor.store.audit.chain_check`): transactions missing or not chained to
   the one before, audit rows missing or outside every transaction, a MAC that does not match
   its content, an unkeyed transaction after keyed ones or while a key is set. Rests on the
   audit key: without it keyed MACs cannot be recomputed (only their linkage is checked), and
   an unkeyed chain (plain SHA-256) can be recomputed by anyone who edits it.
2. **anchor** (:mod:`metsor.store.audit.anchor_check`): every transaction the
   anchor file recorded is still in the chain with the same MAC, and the chain is at least as
   long. Rests on the anchor file, kept apart from the database: it catches deleting the last
   transactions together with the data they describe, and a full re-chain, even by someone
   who holds the key.
3. **data**: the trail is replayed per record (the insert, then every update in order) and
   compared, field by field, with every row of every audited table. Rests on the chain.
4. **actors**: every user who acted in the trail is a user in ``users``, created no later
   than the transaction they first acted in. Rests on the chain (``users`` is audited).
5. **allocations** (:mod:`metsor.store.audit.allocation_check`): the concealed list against
   the digest in the audited scheme row, every allocation against its list entry, the stratum
   counters, and, with the allocation seed, the list against the one the seed generates.

What a person holding the database AND the key can still do: write any history they like —
edit rows and data together and recompute every MAC after the edit. Only the anchor stops
them: an anchored transaction rewritten, or the end of the trail cut, shows against the anchor
file. Whoever holds the database, the key AND the anchor file can rewrite everything,
including the anchor; against them only a copy of the head published or escrowed elsewhere
(``metsor audit anchor``) helps, compared by hand. New commits appended after the last
anchored one, by someone with the key, look like any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from metsor.store import models
from metsor.store.audit.allocation_check import allocation_list_digest, check_allocations
from metsor.store.audit.anchor import read_anchor
from metsor.store.audit.anchor_check import check_anchor
from metsor.store.audit.chain import LEGACY_SCHEME
from metsor.store.audit.chain_check import ChainState, check_chain
from metsor.store.audit.hooks import audited_columns, encode_column
from metsor.store.audit.report import AuditProblem, Check, VerifyReport
from metsor.store.audit.transaction_check import KEYED_SCHEMES, UNKEYED_SCHEMES
from metsor.store.base import AuditedMixin, Base
from metsor.store.models.core import RandomizationScheme, User

__all__ = ["AuditProblem", "Check", "VerifyReport", "allocation_list_digest", "verify"]

assert models.core is not None  # every table is registered before the trail is replayed

_MAX_PROBLEMS = 200
_MISSING = object()


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


def _check_data(session: Session, state: ChainState, problems: list[AuditProblem]) -> int:
    records = 0
    audited = sorted(
        (m for m in Base.registry.mappers if issubclass(m.class_, AuditedMixin)),
        key=lambda m: str(m.class_.__tablename__),
    )
    for mapper in audited:
        table = mapper.local_table
        assert isinstance(table, Table)
        records += _check_table(session, mapper.class_, table, state.replay, problems)
    for (table_name, record_id), fields in sorted(state.replay.items()):
        first_field = next(iter(fields), None)
        problems.append(
            AuditProblem(
                "data", table_name, record_id, first_field, "row in the audit trail is gone"
            )
        )
    return records


def _check_actors(session: Session, state: ChainState, problems: list[AuditProblem]) -> None:
    users = set(session.scalars(select(User.username)))
    for actor, first in sorted(state.first_acts.items()):
        if actor not in users:
            problems.append(
                AuditProblem(
                    "actor", "users", None, "username",
                    f"audit rows from transaction {first} on are by {actor!r}, who is not a user",
                )
            )  # fmt: skip
            continue
        created = state.user_created.get(actor)
        if created is None or created > first:
            problems.append(
                AuditProblem(
                    "actor", "users", None, "username",
                    f"{actor!r} acts in transaction {first} but the trail "
                    + (f"creates them in transaction {created}" if created else
                       "never records their creation"),
                )
            )  # fmt: skip


def _chain_check(state: ChainState, key: bytes | None, broken: bool) -> Check:
    counts = ", ".join(f"{n} {scheme}" for scheme, n in sorted(state.schemes.items()))
    detail = (
        f"{state.transactions} transactions ({counts or 'none'}), {state.rows} rows "
        f"({state.fields} field changes)"
    )
    if broken:
        return Check("chain", "broken", "the audit key", detail)
    if any(state.schemes.get(scheme) for scheme in KEYED_SCHEMES) and key is None:
        return Check(
            "chain", "weaker", "the audit key",
            f"{detail}; no audit key set: the MACs of {state.unchecked} keyed transactions "
            "were not recomputed, only their order and linkage checked",
        )  # fmt: skip
    if any(state.schemes.get(scheme) for scheme in UNKEYED_SCHEMES | {LEGACY_SCHEME}):
        return Check(
            "chain", "weaker", "nothing secret (unkeyed chain: plain SHA-256)",
            f"{detail}; unkeyed transactions can be recomputed by whoever edits them",
        )  # fmt: skip
    return Check("chain", "intact", "the audit key", detail)


def _anchor_check(state: ChainState, anchor: Path | None, problems: list[AuditProblem]) -> Check:
    if anchor is None:
        return Check("anchor", "not checked", "the anchor file", "no anchor file is set")
    held = read_anchor(anchor)
    if held is None:
        return Check(
            "anchor", "not checked", f"the anchor file {anchor}",
            "the anchor file does not exist: the end of the trail and a full re-chain by "
            "whoever holds the key are not checked",
        )  # fmt: skip
    before = len(problems)
    detail = check_anchor(state, held, problems)
    status = "broken" if len(problems) > before else "intact"
    return Check("anchor", status, f"the anchor file {anchor}", detail)


def _status(problems: list[AuditProblem], kinds: set[str], start: int) -> str:
    return "broken" if any(p.kind in kinds for p in problems[start:]) else "intact"


def verify(
    session: Session,
    *,
    key: bytes | None = None,
    anchor: Path | None = None,
    seed: bytes | None = None,
) -> VerifyReport:
    """Check the chain and its anchor, replay the trail against the data, check actors and list.

    Parameters
    ----------
    session
        A session on the trial database (only read).
    key
        The audit key, if held (keyed MACs are recomputed only with it).
    anchor
        The anchor file, if any.
    seed
        The allocation seed, if held (the list is then regenerated and compared).

    Returns
    -------
    VerifyReport
        Counts, every check with what it rests on, and every problem found (at most 200),
        the first one first.
    """
    problems: list[AuditProblem] = []
    state = check_chain(session, key, problems)
    checks = [_chain_check(state, key, bool(problems))]
    checks.append(_anchor_check(state, anchor, problems))
    start = len(problems)
    records = _check_data(session, state, problems)
    checks.append(
        Check(
            "data", _status(problems, {"data"}, start), "the chain",
            f"{records} records of audited tables replayed from the trail",
        )
    )  # fmt: skip
    start = len(problems)
    _check_actors(session, state, problems)
    checks.append(
        Check(
            "actors", _status(problems, {"actor"}, start), "the chain (users are audited)",
            f"{len(state.first_acts)} users who acted, against the users table",
        )
    )  # fmt: skip
    start = len(problems)
    allocations = check_allocations(session, seed, problems)
    scheme = session.get(RandomizationScheme, 1)
    rests_on = "the list digest in the audited scheme row" + (
        " and the allocation seed" if seed is not None else " (no allocation seed held)"
    )
    detail = f"{allocations} allocations from the list checked against their entries"
    if scheme is not None and scheme.method == "minimization":
        detail += "; allocations by minimization are not checked against a list"
    checks.append(
        Check(
            "allocations",
            _status(problems, {"allocation", "allocation_list", "counter"}, start),
            rests_on,
            detail,
        )
    )
    return VerifyReport(
        audit_rows=state.rows,
        records=records,
        problems=tuple(problems[:_MAX_PROBLEMS]),
        transactions=state.transactions,
        checks=tuple(checks),
        field_changes=state.fields,
    )
