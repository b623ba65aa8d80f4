"""Recording a subject's death: the one record allowed after every other.

A death is dated on or after randomization (overall survival starts there), not before any
clinical record already entered, nor before the end of follow-up if one was recorded (a
subject lost to follow-up may still be known to have died later). The subject's status
becomes ``dead``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated

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
    check_nothing_after,
    keep_timeline,
    load_timeline,
    subject_row,
    words,
)
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import Death

__all__ = ["DEATH_CAUSES", "DeathInput", "DeathRecord", "record_death", "revalidate_death"]

DEATH_CAUSES: tuple[str, ...] = ("disease_progression", "adverse_event", "other", "unknown")
"""Primary causes of death as the casebook codes them."""


class DeathInput(CasebookInput):
    """A death as given: the day, the primary cause, the cause in words (the web's JSON body
    too)."""

    death_date: Day
    cause: Annotated[str, one_of(DEATH_CAUSES)]
    cause_detail: Annotated[str | None, words(4000, optional=True)] = None


@dataclass(frozen=True)
class DeathRecord(FrozenRecord):
    """A stored death.

    Attributes
    ----------
    id, subject_id
        The record and its subject.
    death_date, cause, cause_detail
        As :class:`DeathInput`.
    recorded_by
        Who entered it.
    """

    id: int
    subject_id: str
    death_date: date
    cause: str
    cause_detail: str | None
    recorded_by: str


def record_death(
    ctx: ServiceContext,
    *,
    subject_id: str,
    death_date: date | str,
    cause: str,
    cause_detail: str | None = None,
) -> DeathRecord:
    """Record the death of a randomized subject.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    death_date
        The day of death.
    cause
        One of :data:`DEATH_CAUSES`.
    cause_detail
        Free text.

    Returns
    -------
    DeathRecord
        The stored record.

    Raises
    ------
    InputError
        An unknown cause, a malformed date, or a detail longer than 4,000 characters.
    ConflictError
        A death already recorded, a subject not randomized, or a date before randomization,
        before the end of follow-up, or before a clinical record already entered.
    """
    require(ctx, "enter_casebook")
    given = checked(
        DeathInput, {"death_date": death_date, "cause": cause, "cause_detail": cause_detail}
    )
    timeline = load_timeline(ctx, subject_id)
    existing = timeline.death_on  # read with the subject's row locked
    if existing is not None:
        raise ConflictError(
            f"subject {subject_id} already has a death recorded on {existing}", field="subject_id"
        )
    death = Death(subject_id=subject_id, recorded_by=ctx.username, **dict(given))
    with ctx.session.no_autoflush:
        _check(ctx, timeline, death)
    insert_records(ctx.session, [death])
    subject_row(ctx, timeline).status = "dead"
    keep_timeline(ctx, replace(timeline, death_on=death.death_date))
    return DeathRecord.of(death)


def revalidate_death(ctx: ServiceContext, death: Death) -> None:
    """Check a corrected death record again, as if it were entered so."""
    set_changed(death, checked(DeathInput, {name: getattr(death, name) for name in _GIVEN}))
    with ctx.session.no_autoflush:
        _check(ctx, load_timeline(ctx, death.subject_id), death)


#: The fields a death is given by (and may be corrected in).
_GIVEN = tuple(DeathInput.model_fields)


def _check(ctx: ServiceContext, timeline: Timeline, death: Death) -> None:
    timeline.check(death.death_date, field="death_date", after_randomization=True, is_death=True)
    end = timeline.end_of_follow_up_on
    if end is not None and death.death_date < end:
        raise ConflictError(
            f"death_date {death.death_date} is before the end of follow-up recorded on {end}",
            field="death_date",
        )
    check_nothing_after(ctx.session, death.subject_id, death.death_date, field="death_date")
