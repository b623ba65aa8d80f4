"""Checking every allocation against the concealed list, and the list against its seed.

The list (``allocation_list``) is not audited field by field — that would reveal it — so its
integrity rests on ``randomization_scheme.list_digest``, a SHA-256 over every entry written when
the list was generated, in an audited row (an edit of the digest shows in the replay of the
trail). :func:`check_allocations` finds:

1. a list that does not match that digest;
2. an allocation from the list whose arm is not the arm of its list entry (stratum, position),
   or whose entry does not exist;
3. a stratum counter that does not match the list positions used;
4. with the allocation seed: a seed that does not match the scheme's fingerprint, or a stored
   list that is not the one the seed generates (which also covers a list and digest rewritten
   together by someone without the seed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from metsor.randomization import generate_allocation_list, seed_fingerprint
from metsor.store.audit.report import AuditProblem
from metsor.store.models.core import (
    Allocation,
    AllocationListEntry,
    RandomizationScheme,
    StratumCounter,
)

__all__ = ["allocation_list_digest", "check_allocations"]

ListRow = tuple[str, int, str, int, int]


def allocation_list_digest(entries: Iterable[ListRow]) -> str:
    """SHA-256 over the allocation list entries, independent of row order.

    Parameters
    ----------
    entries
        ``(stratum, position, arm, block_index, block_size)`` of every entry.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256()
    for stratum, position, arm, block_index, block_size in sorted(entries):
        digest.update(f"{stratum}\t{position}\t{arm}\t{block_index}\t{block_size}\n".encode())
    return digest.hexdigest()


def _check_counters(session: Session, problems: list[AuditProblem]) -> None:
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


def _check_seed(
    scheme: RandomizationScheme, rows: list[ListRow], seed: bytes, problems: list[AuditProblem]
) -> None:
    if seed_fingerprint(seed) != scheme.seed_fingerprint:
        problems.append(
            AuditProblem(
                "allocation_list", "randomization_scheme", "1", "seed_fingerprint",
                "the allocation seed given is not the one the list was generated from",
            )
        )  # fmt: skip
        return
    regenerated = generate_allocation_list(
        seed=seed,
        strata=scheme.strata,
        arms=scheme.arms,
        ratio=scheme.ratio,
        block_sizes=scheme.block_sizes,
        length_per_stratum=scheme.length_per_stratum,
    )
    expected = [(e.stratum, e.position, e.arm, e.block_index, e.block_size)
                for e in regenerated.entries]  # fmt: skip
    if allocation_list_digest(expected) != allocation_list_digest(rows):
        stored = {(r[0], r[1]): r for r in rows}
        first = next(
            (e for e in sorted(expected) if stored.get((e[0], e[1])) != e), sorted(expected)[0]
        )
        problems.append(
            AuditProblem(
                "allocation_list", "allocation_list", f"{first[0]}#{first[1]}", "arm",
                "the stored list is not the one the allocation seed generates (first "
                f"difference at stratum {first[0]}, position {first[1]})",
            )
        )  # fmt: skip


def check_allocations(session: Session, seed: bytes | None, problems: list[AuditProblem]) -> int:
    """Check the list, every allocation made from it, the counters, and the seed if given.

    Parameters
    ----------
    session
        A session on the trial database (only read).
    seed
        The allocation seed, when the verifier holds it.
    problems
        Where problems found are appended.

    Returns
    -------
    int
        Allocations checked against the list.
    """
    scheme = session.get(RandomizationScheme, 1)
    if scheme is None:
        return 0
    rows: list[ListRow] = [
        (e[0], e[1], e[2], e[3], e[4])
        for e in session.execute(
            select(
                AllocationListEntry.stratum,
                AllocationListEntry.position,
                AllocationListEntry.arm,
                AllocationListEntry.block_index,
                AllocationListEntry.block_size,
            )
        )
    ]
    if allocation_list_digest(rows) != scheme.list_digest:
        problems.append(
            AuditProblem(
                "allocation_list", "allocation_list", None, None,
                "the list does not match the digest recorded when it was generated",
            )
        )  # fmt: skip
    arms = {(stratum, position): arm for stratum, position, arm, _index, _size in rows}
    checked = 0
    for allocation in session.scalars(
        select(Allocation)
        .where(Allocation.list_position.is_not(None))
        .order_by(Allocation.enrollment_number)
    ):
        checked += 1
        listed = arms.get((allocation.stratum, allocation.list_position or 0))
        if listed is None:
            message = (
                f"list position {allocation.list_position} of stratum {allocation.stratum} "
                "is not in the list"
            )
        elif listed != allocation.arm:
            message = (
                f"arm {allocation.arm} but the list gives {listed} at stratum "
                f"{allocation.stratum}, position {allocation.list_position}"
            )
        else:
            continue
        problems.append(
            AuditProblem("allocation", "allocations", str(allocation.id), "arm", message)
        )
    _check_counters(session, problems)
    if seed is not None:
        _check_seed(scheme, rows, seed, problems)
    return checked
