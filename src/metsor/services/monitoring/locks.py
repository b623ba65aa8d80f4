"""Freezing and locking a subject, a site or the study.

A data manager (or an administrator) freezes — no data may change, queries are still raised
and answered, SDV marks and signatures still made — and locks — nothing changes at all. The
states of a target follow ``open`` → ``frozen`` → ``locked``; a lock may also be set at once.
Unlocking (back to ``frozen``) and unfreezing (back to ``open``) need a reason and void the
valid signatures of the subjects they reopen, each voiding naming the step. Every step is an
audited row; the guard of the unit of work (:mod:`.guard`) refuses what a state forbids.

The study locked is the database lock a final analysis rests on (:func:`database_lock`):
``metsor report`` and ``metsor export`` say whether the data were locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from metsor.errors import ConflictError, InputError
from metsor.services.access import subject_for
from metsor.services.context import ServiceContext
from metsor.services.monitoring._roles import require_role
from metsor.services.monitoring.guard import when
from metsor.store.models.core import Site, Subject
from metsor.store.models.monitoring import DataLock, Signature

__all__ = [
    "LOCK_ACTIONS",
    "LOCK_SCOPES",
    "DatabaseLock",
    "LockRow",
    "change_lock",
    "database_lock",
    "list_locks",
]

LOCK_SCOPES: tuple[str, ...] = ("subject", "site", "study")
"""What can be frozen or locked."""

#: Each action: the states it may start from and the state it leads to.
LOCK_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "freeze": (frozenset({"open"}), "frozen"),
    "lock": (frozenset({"open", "frozen"}), "locked"),
    "unlock": (frozenset({"locked"}), "frozen"),
    "unfreeze": (frozenset({"frozen"}), "open"),
}


@dataclass(frozen=True)
class LockRow:
    """The state of one target."""

    scope: str
    target: str
    state: str
    reason: str
    changed_by: str
    changed_at: datetime
    voided_signatures: int = 0

    def __str__(self) -> str:
        what = "study" if self.scope == "study" else f"{self.scope} {self.target}"
        return (
            f"{what}: {self.state} by {self.changed_by} on {when(self.changed_at)} ({self.reason})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "scope": self.scope, "target": self.target, "state": self.state,
            "reason": self.reason, "changed_by": self.changed_by,
            "changed_at": self.changed_at.isoformat(),
            "voided_signatures": self.voided_signatures,
        }  # fmt: skip


def _target(ctx: ServiceContext, scope: str, target: str | None) -> tuple[str, list[str]]:
    """The stored target and the subjects it covers."""
    if scope == "study":
        if target:
            raise InputError("the study takes no target", field="target")
        return "", list(ctx.session.scalars(select(Subject.subject_id)))
    if not target:
        raise InputError(f"name the {scope} to freeze or lock", field="target")
    if scope == "site":
        site = ctx.session.scalars(select(Site).where(Site.code == target)).one_or_none()
        if site is None:
            raise InputError(f"no site {target!r}", field="target")
        return target, list(
            ctx.session.scalars(select(Subject.subject_id).where(Subject.site_id == site.id))
        )
    subject = subject_for(ctx, target)
    return subject.subject_id, [subject.subject_id]


def change_lock(
    ctx: ServiceContext, *, action: str, scope: str, target: str | None, reason: str
) -> LockRow:
    """Freeze, lock, unlock or unfreeze a subject, a site or the study.

    Parameters
    ----------
    ctx
        The service context (data manager or admin).
    action
        A key of :data:`LOCK_ACTIONS`.
    scope
        One of :data:`LOCK_SCOPES`.
    target
        The subject identifier or site code (None for the study).
    reason
        Why; required (and audited).

    Returns
    -------
    LockRow
        The new state, with the number of signatures voided.

    Raises
    ------
    InputError
        An unknown action, scope or site, or no reason.
    NotFoundError
        No such subject.
    ConflictError
        A step the current state does not allow (unlocking what is not locked …).
    """
    require_role(ctx, "freeze_lock")
    if action not in LOCK_ACTIONS:
        raise InputError(f"action must be one of {', '.join(LOCK_ACTIONS)}", field="action")
    if scope not in LOCK_SCOPES:
        raise InputError(f"scope must be one of {', '.join(LOCK_SCOPES)}", field="scope")
    why = (reason or "").strip()
    if not why:
        raise InputError(f"give the reason to {action}", field="reason")
    stored, subjects = _target(ctx, scope, target)
    row = ctx.session.scalars(
        select(DataLock).where(DataLock.scope == scope, DataLock.target == stored)
    ).one_or_none()
    current = row.state if row is not None else "open"
    sources, state = LOCK_ACTIONS[action]
    if current not in sources:
        what = "the study" if scope == "study" else f"{scope} {stored}"
        raise ConflictError(f"cannot {action} {what}: it is {current}", field="action")
    ctx.set_reason(f"{action}: {why}")
    now = ctx.now()
    if row is None:
        row = DataLock(scope=scope, target=stored, state=state, reason=why,
                       changed_by=ctx.username, changed_at=now)  # fmt: skip
        ctx.session.add(row)
    else:
        row.state, row.reason, row.changed_by, row.changed_at = state, why, ctx.username, now
    ctx.session.flush()
    voided = 0
    if action in ("unlock", "unfreeze") and subjects:
        what = "the study" if scope == "study" else f"{scope} {stored}"
        for signature in ctx.session.scalars(
            select(Signature).where(Signature.subject_id.in_(subjects), Signature.status == "valid")
        ):
            signature.status = "voided"
            signature.voided_at = now
            signature.voided_by = ctx.username
            signature.voided_because = (
                f"voided by the {action}ing of {what} on {when(now)} by {ctx.username}: {why}"
            )
            voided += 1
        ctx.session.flush()
    return LockRow(scope, stored, state, why, ctx.username, now, voided)


def list_locks(ctx: ServiceContext) -> tuple[LockRow, ...]:
    """Every freeze and lock ever set, with its current state (site users: theirs only)."""
    rows = ctx.session.scalars(select(DataLock).order_by(DataLock.scope, DataLock.target)).all()
    shown = []
    for row in rows:
        if row.scope == "subject" and ctx.actor.site_id is not None:
            subject = ctx.session.get(Subject, row.target)
            if subject is None or subject.site_id != ctx.actor.site_id:
                continue
        shown.append(LockRow(row.scope, row.target, row.state, row.reason, row.changed_by,
                             row.changed_at))  # fmt: skip
    return tuple(shown)


@dataclass(frozen=True)
class DatabaseLock:
    """Whether the study (the database) is locked, and since when."""

    locked: bool
    description: str
    locked_at: datetime | None


def database_lock(session: Session) -> DatabaseLock:
    """The study's lock state: ``locked on … by …: reason``, ``frozen …`` or ``not locked``."""
    row = session.scalars(
        select(DataLock).where(DataLock.scope == "study", DataLock.target == "")
    ).one_or_none()
    if row is None or row.state == "open":
        return DatabaseLock(False, "not locked", None)
    if row.state == "frozen":
        return DatabaseLock(
            False, f"not locked (frozen on {when(row.changed_at)} by {row.changed_by})", None
        )
    return DatabaseLock(
        True, f"locked on {when(row.changed_at)} by {row.changed_by}: {row.reason}", row.changed_at
    )
