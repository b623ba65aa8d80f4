"""Recording a new anticancer therapy: one given after randomization besides the study drugs.

Sorafenib (with or without metformin) is the study treatment; any other anticancer therapy a
subject receives — systemic, locoregional (TACE, radiotherapy, ablation), surgery or other —
is recorded here, whether started during study treatment or after it. The earliest start is
the subject's new anticancer therapy: progression seen after it is no longer attributable to
the study treatment, so TTP and PFS are censored at the last adequate tumour assessment on or
before it (:mod:`metsor.endpoints.time_to_event`).

A therapy starts on or after randomization, not after death, not after the end of follow-up,
and not after the trial's today; the same therapy (name, in any case) started the same day is
recorded once.

References
----------
U.S. Food and Drug Administration. Clinical Trial Endpoints for the Approval of Cancer Drugs
and Biologics: Guidance for Industry. December 2018 (PFS censoring at new anticancer therapy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator
from sqlalchemy import select

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
from metsor.services.casebook._timeline import Timeline, blank_as_none, load_timeline, words
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import AnticancerTherapy

__all__ = [
    "THERAPY_CATEGORIES",
    "AnticancerTherapyInput",
    "AnticancerTherapyRecord",
    "record_anticancer_therapy",
    "revalidate_anticancer_therapy",
]

THERAPY_CATEGORIES: tuple[str, ...] = ("systemic", "locoregional", "surgery", "other")
"""Kinds of anticancer therapy: systemic (drugs), locoregional (TACE, radiotherapy, ablation),
surgery (resection, transplantation), other."""


class AnticancerTherapyInput(CasebookInput):
    """A new anticancer therapy as given: what, of which kind, from and to when (the web's
    JSON body too)."""

    name: Annotated[str, words(128)]
    category: Annotated[str, one_of(THERAPY_CATEGORIES)]
    started_on: Day
    ended_on: Annotated[Day | None, BeforeValidator(blank_as_none)] = None


@dataclass(frozen=True)
class AnticancerTherapyRecord(FrozenRecord):
    """A stored anticancer therapy.

    Attributes
    ----------
    id, subject_id
        The record and its subject.
    name, category, started_on, ended_on
        As :class:`AnticancerTherapyInput`.
    recorded_by
        Who entered it.
    """

    id: int
    subject_id: str
    name: str
    category: str
    started_on: date
    ended_on: date | None
    recorded_by: str


def record_anticancer_therapy(
    ctx: ServiceContext,
    *,
    subject_id: str,
    name: str,
    category: str,
    started_on: date | str,
    ended_on: date | str | None = None,
) -> AnticancerTherapyRecord:
    """Record an anticancer therapy a randomized subject received besides the study treatment.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    name
        What was given or done (``"lenvatinib"``, ``"TACE"``, ``"SBRT"``, ``"hepatectomy"``).
    category
        One of :data:`THERAPY_CATEGORIES`.
    started_on
        The day the therapy started.
    ended_on
        The day it ended, if it has.

    Returns
    -------
    AnticancerTherapyRecord
        The stored record.

    Raises
    ------
    InputError
        An empty name, an unknown category, a malformed date, or a date after the trial's
        today.
    NotFoundError
        No such subject at the user's site.
    ConflictError
        A subject not randomized; a start before randomization or after death or the end of
        follow-up; an end before the start; the same therapy already recorded on that day.
    """
    require(ctx, "enter_casebook")
    given = checked(
        AnticancerTherapyInput,
        {"name": name, "category": category, "started_on": started_on, "ended_on": ended_on},
    )
    timeline = load_timeline(ctx, subject_id)
    therapy = AnticancerTherapy(subject_id=subject_id, recorded_by=ctx.username, **dict(given))
    with ctx.session.no_autoflush:
        _check(ctx, timeline, therapy)
    insert_records(ctx.session, [therapy])
    return AnticancerTherapyRecord.of(therapy)


def revalidate_anticancer_therapy(ctx: ServiceContext, therapy: AnticancerTherapy) -> None:
    """Check a corrected anticancer therapy again, as if it were entered so."""
    set_changed(
        therapy, checked(AnticancerTherapyInput, {name: getattr(therapy, name) for name in _GIVEN})
    )
    with ctx.session.no_autoflush:
        _check(ctx, load_timeline(ctx, therapy.subject_id), therapy)


#: The fields a therapy is given by (and may be corrected in).
_GIVEN = tuple(AnticancerTherapyInput.model_fields)


def _check(ctx: ServiceContext, timeline: Timeline, therapy: AnticancerTherapy) -> None:
    timeline.check(therapy.started_on, field="started_on", after_randomization=True)
    ended = therapy.ended_on
    if ended is not None:
        if ended < therapy.started_on:
            raise ConflictError(
                f"ended_on {ended} is before started_on {therapy.started_on}", field="ended_on"
            )
        timeline.check(ended, field="ended_on")
    same_day = ctx.session.scalars(
        select(AnticancerTherapy).where(
            AnticancerTherapy.subject_id == therapy.subject_id,
            AnticancerTherapy.started_on == therapy.started_on,
        )
    )
    folded = therapy.name.casefold()
    for other in same_day:
        if other is therapy or (therapy.id is not None and other.id == therapy.id):
            continue
        if other.name.casefold() == folded:
            raise ConflictError(
                f"subject {therapy.subject_id} already has {other.name!r} started on "
                f"{therapy.started_on} (record {other.id})",
                field="started_on",
            )
