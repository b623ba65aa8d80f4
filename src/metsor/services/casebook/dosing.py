"""Recording study-drug dosing: start, reductions and re-escalations by label level,
interruptions with a reason, resumption, discontinuation.

The drugs, their levels and the label's rules are the protocol's, stored with the trial
(:class:`metsor.protocol.treatment.StudyDrug`). Each new event is placed in date order among
the drug's recorded events and the whole history is replayed against the level rules
(:func:`metsor.protocol.dose_rules.replay`), so a late entry is checked as strictly as a
timely one. The subject's status follows: the first start puts a randomized subject
``on_treatment``; discontinuing the last drug of the arm puts them ``off_treatment``. A drug
whose label limits it by renal function is started or resumed only within its eGFR limits
(:mod:`metsor.services.casebook.renal_function`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from metsor.errors import ConflictError, InputError
from metsor.protocol import Protocol
from metsor.protocol.dose_rules import (
    DOSE_EVENTS,
    DoseState,
    DoseStep,
    dose_level,
    replay,
    treatment_status,
)
from metsor.protocol.dose_rules import treatment_ended_on as _treatment_ended_on
from metsor.services.access import require
from metsor.services.casebook._boundary import CasebookInput, Day, FrozenRecord, checked, one_of
from metsor.services.casebook._timeline import (
    Timeline,
    choice,
    load_timeline,
    session_rows,
    subject_row,
    subject_status,
    text,
    words,
)
from metsor.services.casebook.renal_function import check_renal_limits
from metsor.services.context import ServiceContext
from metsor.services.protocol_in_force import protocol_of
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import DoseEvent

__all__ = [
    "DoseInput",
    "DoseRecord",
    "dose_states",
    "record_dose",
    "revalidate_dose",
    "treatment_ended_on",
]


class DoseInput(CasebookInput):
    """A dosing event as given (the web's JSON body too). The drug and the level are codes of
    the trial's protocol, checked against it by the service; a reason is required for every
    event but the start (also the service's: it depends on the event)."""

    drug: str = Field(max_length=32)
    event: Annotated[str, one_of(DOSE_EVENTS)]
    event_date: Day
    level: str | None = Field(default=None, max_length=16)
    reason: Annotated[str | None, words(4000, optional=True)] = None
    egfr_override: Annotated[str, words(4000)] | None = None


@dataclass(frozen=True)
class DoseRecord(FrozenRecord):
    """A stored dosing event.

    Attributes
    ----------
    id, subject_id
        The record and its subject.
    drug, event, event_date, level, reason, egfr_override
        As :class:`DoseInput` (a start's level: the full dose unless given).
    dose_mg, frequency
        The level's dose and frequency (None without a level).
    recorded_by
        Who entered it.
    """

    id: int
    subject_id: str
    drug: str
    event: str
    event_date: date
    level: str | None
    dose_mg: float | None
    frequency: str | None
    reason: str | None
    egfr_override: str | None
    recorded_by: str


def record_dose(
    ctx: ServiceContext,
    *,
    subject_id: str,
    drug: str,
    event: str,
    event_date: date | str,
    level: str | None = None,
    reason: str | None = None,
    egfr_override: str | None = None,
) -> DoseRecord:
    """Record a dosing event of one study drug.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject; must be randomized to an arm that gives ``drug``.
    drug
        A study drug's code in the trial's protocol.
    event
        ``start``, ``reduce``, ``escalate``, ``interrupt``, ``resume`` or ``discontinue``.
    event_date
        The day it took effect; on or after randomization.
    level
        The dose level code from then on (one of the drug's levels in the protocol). A start
        defaults to the full dose; an interruption or a discontinuation takes none.
    reason
        Why; required for every event but the start.
    egfr_override
        Starts of a drug with renal limits only: why it is started although the subject's
        eGFR lies where its label does not recommend starting it. Stored in the event's own
        audited column ``egfr_override``, which nothing else sets (the free-text reason is
        never read for it).

    Returns
    -------
    DoseRecord
        The stored event.

    Raises
    ------
    InputError
        An unknown drug, event or level, a missing reason, a date after the trial's today, or
        an override given for anything but the start of a drug with renal limits.
    ConflictError
        A drug not given in the subject's arm, a date before randomization or after death or
        end of follow-up, the same event on the same day twice, a history the label does
        not allow (see :func:`metsor.protocol.dose_rules.replay`), or a drug started or
        resumed outside its eGFR limits (see :mod:`metsor.services.casebook.renal_function`).
    """
    require(ctx, "enter_casebook")
    given = checked(
        DoseInput,
        {
            "drug": drug,
            "event": event,
            "event_date": event_date,
            "level": level,
            "reason": reason,
            "egfr_override": egfr_override,
        },
    )
    timeline = load_timeline(ctx, subject_id)
    record = DoseEvent(subject_id=subject_id, recorded_by=ctx.username, **dict(given))
    known = {one.code: one for one in ctx.protocol.study_drugs}
    if record.event == "start" and record.level is None and record.drug in known:
        record.level = known[record.drug].full_dose.code
    with ctx.session.no_autoflush:
        histories = _check(ctx, timeline, record)
    insert_records(ctx.session, [record])
    _update_status(ctx, timeline, histories)
    return DoseRecord.of(record)


def revalidate_dose(ctx: ServiceContext, record: DoseEvent) -> None:
    """Check a corrected dosing event, as if it were entered so, and its drug's whole history
    again."""
    checked(DoseInput, {name: getattr(record, name) for name in DoseInput.model_fields})
    with ctx.session.no_autoflush:  # the corrected event is checked before it is written
        timeline = load_timeline(ctx, record.subject_id)
        histories = _check(ctx, timeline, record)
    ctx.session.flush()
    _update_status(ctx, timeline, histories)


def _check(ctx: ServiceContext, timeline: Timeline, record: DoseEvent) -> dict[str, list[DoseStep]]:
    """Check ``record`` against the protocol, the timeline and its drug's history.

    Returns
    -------
    dict
        Every drug's history as it stands once ``record`` is stored (drug code → steps in the
        order they happened), read in one statement: what the subject's status follows.
    """
    protocol = ctx.protocol
    code = choice(record.drug, "drug", tuple(d.code for d in protocol.study_drugs))
    drug = protocol.study_drug(code)
    if record.egfr_override is not None and (drug.renal_limits is None or record.event != "start"):
        limited = [d.code for d in protocol.study_drugs if d.renal_limits is not None]
        raise InputError(
            f"an eGFR override applies to the start of {' or '.join(limited) or 'no drug'} "
            f"only, not {code} {record.event}",
            field="egfr_override",
        )
    if record.event != "start":
        record.reason = text(record.reason, "reason")
    elif record.reason is not None:
        record.reason = record.reason.strip() or None
    timeline.check(record.event_date, field="event_date", after_randomization=True)
    if drug not in protocol.drugs_of(timeline.arm):
        raise ConflictError(
            f"{code} is not given in arm {timeline.arm!r} of subject {timeline.subject_id}",
            field="drug",
        )
    if record.level is not None:
        level = dose_level(drug, record.level)
        record.dose_mg, record.frequency = level.dose_mg, level.frequency
    else:
        record.dose_mg, record.frequency = None, None
    events = _events_by_drug(ctx.session, record.subject_id, besides=record.id)
    others = events.get(code, [])
    for other in others:
        if other.event_date == record.event_date and other.event == record.event:
            raise ConflictError(
                f"{code} {record.event} on {record.event_date} is already recorded for subject "
                f"{record.subject_id}",
                field="event_date",
            )
    ordered = sorted([*others, record], key=lambda e: (e.event_date, e.id or 1 << 62))
    histories = {drug_code: _steps(rows) for drug_code, rows in events.items()}
    histories[code] = _steps(ordered)
    replay(drug, histories[code])
    if drug.renal_limits is not None:
        check_renal_limits(
            ctx,
            drug=drug,
            subject_id=record.subject_id,
            event=record.event,
            on=record.event_date,
            overridden=record.egfr_override is not None,
        )
    return histories


#: A subject's dosing events, every drug's, in the order they happened (date, then order of
#: entry): plain rows, in one statement built once.
_EVENTS = (
    select(DoseEvent.id, DoseEvent.drug, DoseEvent.event, DoseEvent.event_date, DoseEvent.level)
    .where(DoseEvent.subject_id == bindparam("subject_id"))
    .order_by(DoseEvent.event_date, DoseEvent.id)
)


def _events_by_drug(
    session: Session, subject_id: str, *, besides: int | None = None
) -> dict[str, list[Any]]:
    """The subject's stored dosing events (:data:`_EVENTS`) by drug code, but the event
    ``besides`` (one being corrected: it is checked as it now reads)."""
    events: dict[str, list[Any]] = {}
    for row in session_rows(session, _EVENTS, {"subject_id": subject_id}):
        if row.id != besides:
            events.setdefault(row.drug, []).append(row)
    return events


def _steps(events: Iterable[Any]) -> list[DoseStep]:
    """Dosing events (rows or records) as the dose rules replay them."""
    return [DoseStep(e.event, e.event_date, e.level) for e in events]


def _histories(session: Session, subject_id: str) -> dict[str, list[DoseStep]]:
    """Every drug's stored history of the subject, by drug code."""
    return {code: _steps(events) for code, events in _events_by_drug(session, subject_id).items()}


def dose_states(session: Session, subject_id: str, arm: str | None) -> dict[str, DoseState]:
    """Where each study drug of the subject's arm stands after its recorded history.

    Parameters
    ----------
    session
        The session.
    subject_id
        The subject.
    arm
        The subject's arm code.

    Returns
    -------
    dict
        Drug code → :class:`~metsor.protocol.dose_rules.DoseState`.
    """
    protocol = protocol_of(session)
    if not protocol.drugs_of(arm):  # nothing to read
        return {}
    return _states(protocol, arm, _histories(session, subject_id))


def _states(
    protocol: Protocol, arm: str | None, histories: Mapping[str, Sequence[DoseStep]]
) -> dict[str, DoseState]:
    """Where each drug of ``arm`` stands after its history."""
    drugs = protocol.drugs_of(arm)
    return {drug.code: replay(drug, histories.get(drug.code, ())) for drug in drugs}


def treatment_ended_on(session: Session, subject_id: str, arm: str | None) -> date | None:
    """The day the last study drug was discontinued, if every drug of the arm was started
    and discontinued; None otherwise.

    The rule is :func:`metsor.protocol.dose_rules.treatment_ended_on`, over the subject's
    recorded dosing history (as the dashboard and the edit checks ask it for many subjects,
    :func:`metsor.services.expected_visits.expected_visits_of`).
    """
    drugs = protocol_of(session).drugs_of(arm)
    return _treatment_ended_on(drugs, _histories(session, subject_id) if drugs else {})


def _update_status(
    ctx: ServiceContext, timeline: Timeline, histories: Mapping[str, Sequence[DoseStep]]
) -> None:
    """The subject's status as its arm's drugs stand after ``histories`` (as stored now)."""
    current = subject_status(ctx, timeline)
    if current not in ("randomized", "on_treatment", "off_treatment"):
        return
    states = _states(ctx.protocol, timeline.arm, histories)
    status = treatment_status(states.values()) or current
    if status != current:
        subject_row(ctx, timeline).status = status
