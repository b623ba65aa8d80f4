"""Recording the end of a subject's follow-up: consent withdrawn, lost to follow-up, or a
decision of the investigator or sponsor.

Nothing but a death is recorded after it. The subject's status becomes ``lost_to_follow_up``
or ``withdrawn``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select

from metsor.errors import ConflictError
from metsor.services.access import require
from metsor.services.casebook._timeline import (
    Timeline,
    as_date,
    check_nothing_after,
    choice,
    forget_timeline,
    load_timeline,
    optional_date,
    text,
)
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import Withdrawal

__all__ = ["WITHDRAWAL_KINDS", "record_withdrawal", "revalidate_withdrawal"]

WITHDRAWAL_KINDS: tuple[str, ...] = (
    "consent_withdrawn",
    "lost_to_follow_up",
    "investigator_decision",
    "sponsor_decision",
    "other",
)
"""Why follow-up ended."""


def record_withdrawal(
    ctx: ServiceContext,
    *,
    subject_id: str,
    kind: str,
    withdrawn_on: date | str,
    reason: str,
    last_contact_date: date | str | None = None,
) -> Withdrawal:
    """Record the end of a subject's follow-up.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    kind
        One of :data:`WITHDRAWAL_KINDS`.
    withdrawn_on
        The day consent was withdrawn, or the subject was declared lost.
    reason
        Why, in words.
    last_contact_date
        The last day the subject was known alive, if before ``withdrawn_on``.

    Returns
    -------
    Withdrawal
        The stored record.

    Raises
    ------
    InputError
        An unknown kind, an empty reason, or a malformed date.
    ConflictError
        A withdrawal already recorded, or a date before consent, after death, or before a
        clinical record already entered; a last contact after the withdrawal.
    """
    require(ctx, "enter_casebook")
    timeline = load_timeline(ctx, subject_id)
    existing = ctx.session.scalar(
        select(Withdrawal.withdrawn_on).where(Withdrawal.subject_id == subject_id)
    )
    if existing is not None:
        raise ConflictError(
            f"subject {subject_id} already has a withdrawal recorded on {existing}",
            field="subject_id",
        )
    record = Withdrawal(
        subject_id=subject_id,
        kind=kind,
        withdrawn_on=as_date(withdrawn_on, "withdrawn_on"),
        reason=reason,
        last_contact_date=optional_date(last_contact_date, "last_contact_date"),
        recorded_by=ctx.username,
    )
    with ctx.session.no_autoflush:
        _check(ctx, timeline, record)
    ctx.session.add(record)
    if timeline.subject.status != "dead":
        lost = record.kind == "lost_to_follow_up"
        timeline.subject.status = "lost_to_follow_up" if lost else "withdrawn"
    ctx.session.flush()
    forget_timeline(ctx, subject_id)
    return record


def revalidate_withdrawal(ctx: ServiceContext, record: Withdrawal) -> None:
    """Check a corrected withdrawal again."""
    timeline = load_timeline(ctx, record.subject_id)
    timeline = replace(timeline, end_of_follow_up_on=None)  # its own end is being checked
    with ctx.session.no_autoflush:
        _check(ctx, timeline, record)


def _check(ctx: ServiceContext, timeline: Timeline, record: Withdrawal) -> None:
    record.kind = choice(record.kind, "kind", WITHDRAWAL_KINDS)
    record.reason = text(record.reason, "reason")
    timeline.check(record.withdrawn_on, field="withdrawn_on")
    contact = record.last_contact_date
    if contact is not None:
        timeline.check(contact, field="last_contact_date")
        if contact > record.withdrawn_on:
            raise ConflictError(
                f"last_contact_date {contact} is after withdrawn_on {record.withdrawn_on}",
                field="last_contact_date",
            )
    check_nothing_after(ctx.session, record.subject_id, record.withdrawn_on, field="withdrawn_on")
