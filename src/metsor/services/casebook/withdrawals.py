"""Recording the end of a subject's follow-up: consent withdrawn, lost to follow-up, or a
decision of the investigator or sponsor.

Nothing but a death is recorded after it. The subject's status becomes ``lost_to_follow_up``
or ``withdrawn``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator

from metsor.errors import ConflictError
from metsor.services.access import require
from metsor.services.casebook._boundary import (
    CasebookInput,
    Day,
    FrozenRecord,
    checked,
    one_of,
    set_changed,
)
from metsor.services.casebook._timeline import (
    Timeline,
    blank_as_none,
    check_nothing_after,
    keep_timeline,
    load_timeline,
    subject_row,
    words,
)
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import Withdrawal

__all__ = [
    "WITHDRAWAL_KINDS",
    "WithdrawalInput",
    "WithdrawalRecord",
    "record_withdrawal",
    "revalidate_withdrawal",
]

WITHDRAWAL_KINDS: tuple[str, ...] = (
    "consent_withdrawn",
    "lost_to_follow_up",
    "investigator_decision",
    "sponsor_decision",
    "other",
)
"""Why follow-up ended."""


class WithdrawalInput(CasebookInput):
    """The end of follow-up as given: why, on which day, in words, and the last day known
    alive if earlier (the web's JSON body too)."""

    kind: Annotated[str, one_of(WITHDRAWAL_KINDS)]
    withdrawn_on: Day
    reason: Annotated[str, words()]
    last_contact_date: Annotated[Day | None, BeforeValidator(blank_as_none)] = None


@dataclass(frozen=True)
class WithdrawalRecord(FrozenRecord):
    """A stored end of follow-up.

    Attributes
    ----------
    id, subject_id
        The record and its subject.
    kind, withdrawn_on, reason, last_contact_date
        As :class:`WithdrawalInput`.
    recorded_by
        Who entered it.
    """

    id: int
    subject_id: str
    kind: str
    withdrawn_on: date
    reason: str
    last_contact_date: date | None
    recorded_by: str


def record_withdrawal(
    ctx: ServiceContext,
    *,
    subject_id: str,
    kind: str,
    withdrawn_on: date | str,
    reason: str,
    last_contact_date: date | str | None = None,
) -> WithdrawalRecord:
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
    WithdrawalRecord
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
    given = checked(
        WithdrawalInput,
        {
            "kind": kind,
            "withdrawn_on": withdrawn_on,
            "reason": reason,
            "last_contact_date": last_contact_date,
        },
    )
    timeline = load_timeline(ctx, subject_id)
    existing = timeline.end_of_follow_up_on
    if existing is not None:
        raise ConflictError(
            f"subject {subject_id} already has a withdrawal recorded on {existing}",
            field="subject_id",
        )
    record = Withdrawal(subject_id=subject_id, recorded_by=ctx.username, **dict(given))
    with ctx.session.no_autoflush:
        _check(ctx, timeline, record)
    insert_records(ctx.session, [record])
    subject = subject_row(ctx, timeline)
    if subject.status != "dead":
        lost = record.kind == "lost_to_follow_up"
        subject.status = "lost_to_follow_up" if lost else "withdrawn"
    keep_timeline(ctx, replace(timeline, end_of_follow_up_on=record.withdrawn_on))
    return WithdrawalRecord.of(record)


def revalidate_withdrawal(ctx: ServiceContext, record: Withdrawal) -> None:
    """Check a corrected withdrawal again, as if it were entered so."""
    set_changed(record, checked(WithdrawalInput, {name: getattr(record, name) for name in _GIVEN}))
    timeline = load_timeline(ctx, record.subject_id)
    timeline = replace(timeline, end_of_follow_up_on=None)  # its own end is being checked
    with ctx.session.no_autoflush:
        _check(ctx, timeline, record)


#: The fields a withdrawal is given by (and may be corrected in).
_GIVEN = tuple(WithdrawalInput.model_fields)


def _check(ctx: ServiceContext, timeline: Timeline, record: Withdrawal) -> None:
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
