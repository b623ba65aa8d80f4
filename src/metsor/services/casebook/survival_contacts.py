"""Recording survival follow-up: a contact that finds the subject alive, or learns of the death.

After study treatment a subject is followed for survival by visits, telephone calls or records
(hospital, registry). A contact with status ``alive`` is a day the subject was known alive: the
analysis datasets take the latest as the last contact, where overall survival of a subject
alive is censored. A contact with status ``dead`` only notes that the death became known; its
date and cause are in the death record, which must be entered first.

A contact is dated on or after randomization and not after the trial's today; an ``alive``
contact not after death nor after the end of follow-up, a ``dead`` one not before the death.
One contact per subject and day.

References
----------
U.S. Food and Drug Administration. Clinical Trial Endpoints for the Approval of Cancer Drugs
and Biologics: Guidance for Industry. December 2018 (overall survival: subjects alive are
censored at the last date known alive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from sqlalchemy import select

from metsor.errors import ConflictError
from metsor.services.access import require
from metsor.services.casebook._boundary import CasebookInput, Day, FrozenRecord, checked, one_of
from metsor.services.casebook._timeline import Timeline, load_timeline
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import SurvivalContact

__all__ = [
    "CONTACT_METHODS",
    "SURVIVAL_STATUSES",
    "SurvivalContactInput",
    "SurvivalContactRecord",
    "record_survival_contact",
    "revalidate_survival_contact",
]

SURVIVAL_STATUSES: tuple[str, ...] = ("alive", "dead")
"""What a contact found: ``alive``, or ``dead`` (date and cause in the death record)."""

CONTACT_METHODS: tuple[str, ...] = ("visit", "phone", "records")
"""How the subject was reached: a visit, a telephone call, or medical or registry records."""


class SurvivalContactInput(CasebookInput):
    """A survival contact as given: the day, what was found, how (the web's JSON body too)."""

    contact_on: Day
    status: Annotated[str, one_of(SURVIVAL_STATUSES)]
    method: Annotated[str, one_of(CONTACT_METHODS)]


@dataclass(frozen=True)
class SurvivalContactRecord(FrozenRecord):
    """A stored survival contact.

    Attributes
    ----------
    id, subject_id
        The record and its subject.
    contact_on, status, method
        As :class:`SurvivalContactInput`.
    recorded_by
        Who entered it.
    """

    id: int
    subject_id: str
    contact_on: date
    status: str
    method: str
    recorded_by: str


def record_survival_contact(
    ctx: ServiceContext,
    *,
    subject_id: str,
    contact_on: date | str,
    status: str,
    method: str,
) -> SurvivalContactRecord:
    """Record a contact of survival follow-up.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    contact_on
        The day of the contact (for ``alive``: the day the subject was known alive).
    status
        One of :data:`SURVIVAL_STATUSES`.
    method
        One of :data:`CONTACT_METHODS`.

    Returns
    -------
    SurvivalContactRecord
        The stored record.

    Raises
    ------
    InputError
        An unknown status or method, a malformed date, or a date after the trial's today.
    NotFoundError
        No such subject at the user's site.
    ConflictError
        A subject not randomized; a contact before randomization; ``alive`` after death or the
        end of follow-up; ``dead`` without a death record or before the death; a contact
        already recorded that day.
    """
    require(ctx, "enter_casebook")
    given = checked(
        SurvivalContactInput, {"contact_on": contact_on, "status": status, "method": method}
    )
    timeline = load_timeline(ctx, subject_id)
    contact = SurvivalContact(subject_id=subject_id, recorded_by=ctx.username, **dict(given))
    with ctx.session.no_autoflush:
        _check(ctx, timeline, contact)
    insert_records(ctx.session, [contact])
    return SurvivalContactRecord.of(contact)


def revalidate_survival_contact(ctx: ServiceContext, contact: SurvivalContact) -> None:
    """Check a corrected survival contact again, as if it were entered so."""
    checked(SurvivalContactInput, {name: getattr(contact, name) for name in _GIVEN})
    with ctx.session.no_autoflush:
        _check(ctx, load_timeline(ctx, contact.subject_id), contact)


#: The fields a contact is given by (and may be corrected in).
_GIVEN = tuple(SurvivalContactInput.model_fields)


def _check(ctx: ServiceContext, timeline: Timeline, contact: SurvivalContact) -> None:
    on = contact.contact_on
    dead = contact.status == "dead"
    timeline.check(on, field="contact_on", after_randomization=True, is_death=dead)
    if dead:
        death = timeline.death_on
        if death is None:
            raise ConflictError(
                f"subject {contact.subject_id} has no death recorded: record the death (date "
                "and cause) before a contact with status dead",
                field="status",
            )
        if on < death:
            raise ConflictError(
                f"contact_on {on} is before subject {contact.subject_id}'s death on {death}",
                field="contact_on",
            )
    clash = ctx.session.scalars(
        select(SurvivalContact.id).where(
            SurvivalContact.subject_id == contact.subject_id,
            SurvivalContact.contact_on == on,
        )
    ).first()
    if clash is not None and clash != contact.id:
        raise ConflictError(
            f"subject {contact.subject_id} already has a survival contact on {on} (record {clash})",
            field="contact_on",
        )
