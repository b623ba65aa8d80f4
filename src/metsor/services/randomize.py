"""Randomizing a subject: exactly once, under any number of simultaneous requests.

Only an eligible, consented, not yet randomized subject is randomized. The stratum comes from
the latest screening record, read as the protocol stored with the trial says
(:attr:`metsor.protocol.Protocol.stratification`, :mod:`metsor.services.stratification`).
With the concealed list the subject takes the next unused position of their stratum's list;
with minimization the arm is chosen by :func:`metsor.randomization.minimization_assign` over
stratification levels and site, its random element derived from the allocation seed and the
enrollment number. No subject is randomized
beyond the enrollment cap (:func:`metsor.services.scheme.enrollment_cap`).

How exactly-once is kept, in lock order (the same in every transaction, so no deadlock):

1. the subject's row (``SELECT … FOR UPDATE``): a second request for the same subject waits,
   then sees it randomized and gets a :class:`~metsor.errors.ConflictError`;
2. the scheme row: the enrollment count and the cap are read under it;
3. the stratum's counter row: the list position is taken and the counter moved on.

On PostgreSQL these are row locks; on SQLite the whole transaction runs under the write lock
that ``BEGIN IMMEDIATE`` takes at its start. Unique constraints on ``allocations``
(``subject_id``; ``stratum, list_position``; ``enrollment_number``) are the last guard.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from metsor.errors import ConflictError
from metsor.protocol import Protocol
from metsor.randomization import minimization_assign
from metsor.services.access import require, subject_for
from metsor.services.allocation_seed import load_seed
from metsor.services.context import ServiceContext
from metsor.services.enrollment import check_randomization_windows, latest_screening
from metsor.services.scheme import count_allocations, current_scheme, enrollment_cap
from metsor.services.stratification import stratum_levels, stratum_of_record
from metsor.store.models.core import (
    Allocation,
    AllocationListEntry,
    RandomizationScheme,
    Site,
    StratumCounter,
    Subject,
)

__all__ = ["MINIMIZATION_P_BEST", "RandomizationResult", "randomize_subject"]

#: Probability that minimization assigns the arm that reduces imbalance (Pocock & Simon 1975).
MINIMIZATION_P_BEST = 0.8


@dataclass(frozen=True)
class RandomizationResult:
    """The allocation of one subject.

    Attributes
    ----------
    subject_id, arm, stratum
        Who went where, from which stratum.
    list_position
        Position in the stratum's concealed list (None under minimization).
    enrollment_number
        1 for the first subject randomized in the trial, and so on.
    method
        ``permuted_blocks`` or ``minimization``.
    randomized_at
        When (UTC).
    """

    subject_id: str
    arm: str
    stratum: str
    list_position: int | None
    enrollment_number: int
    method: str
    randomized_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "subject_id": self.subject_id,
            "arm": self.arm,
            "stratum": self.stratum,
            "list_position": self.list_position,
            "enrollment_number": self.enrollment_number,
            "method": self.method,
            "randomized_at": self.randomized_at.isoformat(),
        }


def _check_randomizable(ctx: ServiceContext, subject: Subject) -> dict[str, Any]:
    existing = ctx.session.scalars(
        select(Allocation).where(Allocation.subject_id == subject.subject_id)
    ).first()
    if existing is not None:
        raise ConflictError(
            f"subject {subject.subject_id} is already randomized (arm {existing.arm}, "
            f"{existing.randomized_at:%Y-%m-%d %H:%M} UTC)",
            field="subject_id",
        )
    if subject.status != "consented":
        raise ConflictError(
            f"subject {subject.subject_id} is {subject.status.replace('_', ' ')}; only an "
            "eligible, consented subject can be randomized",
            field="subject_id",
        )
    screening = latest_screening(ctx, subject.subject_id)
    if screening is None or screening.verdict != "eligible":
        raise ConflictError(
            f"the latest screening of {subject.subject_id} is not eligible", field="subject_id"
        )
    return screening.record


def _from_list(ctx: ServiceContext, stratum: str) -> tuple[str, int]:
    counter = ctx.session.scalars(
        select(StratumCounter)
        .where(StratumCounter.stratum == stratum)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if counter is None:
        raise ConflictError(f"stratum {stratum!r} has no allocation list", field="stratum")
    entry = ctx.session.scalars(
        select(AllocationListEntry).where(
            AllocationListEntry.stratum == stratum,
            AllocationListEntry.position == counter.next_position,
        )
    ).one_or_none()
    if entry is None:
        raise ConflictError(
            f"the allocation list of stratum {stratum!r} is exhausted after "
            f"{counter.next_position - 1} subjects",
            field="stratum",
        )
    counter.next_position += 1
    return entry.arm, entry.position


def _minimization_rng(seed: bytes, enrollment_number: int) -> np.random.Generator:
    digest = hashlib.sha256(
        b"metsor-minimization\x00" + seed + enrollment_number.to_bytes(8, "big")
    ).digest()
    words = [int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))


def _levels(protocol: Protocol, stratum: str, site_code: str) -> dict[str, str]:
    levels = stratum_levels(protocol, stratum)
    levels["site"] = site_code
    return levels


def _by_minimization(
    ctx: ServiceContext,
    scheme: RandomizationScheme,
    stratum: str,
    site_code: str,
    enrollment_number: int,
) -> str:
    seed = load_seed(ctx.seed_place)
    if seed.fingerprint != scheme.seed_fingerprint:
        raise ConflictError(
            f"the allocation seed from {seed.origin} is not the one this trial was set up with",
            field="METSOR_ALLOCATION_SEED",
        )
    protocol = ctx.protocol
    allocated = [
        (_levels(protocol, row.stratum, row.code), row.arm)
        for row in ctx.session.execute(
            select(Allocation.stratum, Allocation.arm, Site.code)
            .join(Subject, Subject.subject_id == Allocation.subject_id)
            .join(Site, Site.id == Subject.site_id)
            .order_by(Allocation.enrollment_number)
        )
    ]
    decision = minimization_assign(
        _levels(protocol, stratum, site_code),
        allocated,
        arms=scheme.arms,
        p_best=MINIMIZATION_P_BEST,
        ratio=scheme.ratio,
        rng=_minimization_rng(seed.seed, enrollment_number),
    )
    return decision.arm


def randomize_subject(ctx: ServiceContext, subject_id: str) -> RandomizationResult:
    """Randomize an eligible, consented subject, exactly once.

    Parameters
    ----------
    ctx
        The service context (investigator, coordinator or admin of the subject's site).
    subject_id
        The subject.

    Returns
    -------
    RandomizationResult
        The arm and where it came from.

    Raises
    ------
    ConflictError
        When the subject is already randomized, not consented or not eligible, the screening
        or consent is older than the protocol's window, the enrollment cap is reached, or the
        stratum's list is exhausted.
    NotFoundError
        For an unknown subject or one of another site.
    """
    require(ctx, "randomize")
    subject = subject_for(ctx, subject_id, lock=True)
    record = _check_randomizable(ctx, subject)
    check_randomization_windows(ctx, subject.subject_id, ctx.today())
    stratum = stratum_of_record(ctx.protocol, record)
    scheme = current_scheme(ctx.session, lock=True)
    enrolled = count_allocations(ctx.session)
    cap = enrollment_cap(ctx.session, scheme)
    if enrolled >= cap:
        raise ConflictError(
            f"the enrollment cap of {cap} subjects is reached; a recorded decision must raise "
            "it before more subjects are randomized",
            field="enrollment_cap",
        )
    position: int | None = None
    if scheme.method == "minimization":
        site = ctx.session.get(Site, subject.site_id)
        assert site is not None
        arm = _by_minimization(ctx, scheme, stratum, site.code, enrolled + 1)
    else:
        arm, position = _from_list(ctx, stratum)
    ctx.set_reason("subject randomized")
    allocation = Allocation(
        subject_id=subject.subject_id,
        arm=arm,
        stratum=stratum,
        method=scheme.method,
        list_position=position,
        enrollment_number=enrolled + 1,
        randomized_at=ctx.now(),
        randomized_by=ctx.username,
    )
    ctx.session.add(allocation)
    subject.status = "randomized"
    ctx.session.flush()
    return RandomizationResult(
        subject_id=subject.subject_id,
        arm=arm,
        stratum=stratum,
        list_position=position,
        enrollment_number=allocation.enrollment_number,
        method=scheme.method,
        randomized_at=allocation.randomized_at,
    )
