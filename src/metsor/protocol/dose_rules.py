"""The rules for moving between a study drug's dose levels, checked over its whole history.

The levels are the protocol's (:class:`metsor.protocol.treatment.StudyDrug`): the first is the
full dose; a reduction goes one step down, an escalation one step up; after an interruption
the drug resumes at the same step or one lower; a discontinuation ends the history. A drug
with a single level (no reduction in the protocol) is interrupted or stopped, never reduced.

The history of one drug for one subject is a sequence of :class:`DoseStep`; :func:`replay`
checks that the sequence is possible and returns where it leaves the subject.
:func:`treatment_ended_on` says when a subject's treatment ended, from the histories of every
drug of their arm: the casebook's schedule, the dashboard and the edit checks all ask it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from metsor.errors import ConflictError, InputError
from metsor.protocol.treatment import DoseLevel, StudyDrug

__all__ = [
    "DOSE_EVENTS",
    "DoseState",
    "DoseStep",
    "dose_level",
    "replay",
    "treatment_ended_on",
    "treatment_status",
]

DOSE_EVENTS: tuple[str, ...] = ("start", "reduce", "escalate", "interrupt", "resume", "discontinue")
"""The kinds of dosing event, in the order a course usually meets them."""

_ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "start": ("not started",),
    "reduce": ("dosing",),
    "escalate": ("dosing",),
    "interrupt": ("dosing",),
    "resume": ("interrupted",),
    "discontinue": ("dosing", "interrupted"),
}

_RULES: dict[str, str] = {
    "start": "starts at the full dose",
    "reduce": "is reduced one level at a time",
    "escalate": "is raised one level at a time",
    "resume": "resumes at the same level or one level lower",
}


@dataclass(frozen=True)
class DoseStep:
    """One dosing event of one drug.

    Attributes
    ----------
    kind
        One of :data:`DOSE_EVENTS`.
    on
        The date it took effect.
    level
        The level code in force from then on (None for an interruption or a discontinuation).
    """

    kind: str
    on: date
    level: str | None


@dataclass(frozen=True)
class DoseState:
    """Where a drug's history leaves a subject.

    Attributes
    ----------
    status
        ``"not started"``, ``"dosing"``, ``"interrupted"`` or ``"discontinued"``.
    level
        The last level given (None before the start).
    since
        The date of the last event (None before the start).
    """

    status: str
    level: DoseLevel | None
    since: date | None


NOT_STARTED = DoseState("not started", None, None)


def dose_level(drug: StudyDrug, code: str) -> DoseLevel:
    """The dose level ``code`` of ``drug``; InputError listing the drug's levels otherwise."""
    level = drug.level(code)
    if level is None:
        codes = [one.code for one in drug.levels]
        raise InputError(
            f"{drug.code} has no dose level {code!r}; expected one of {codes}", field="level"
        )
    return level


def replay(drug: StudyDrug, events: Iterable[DoseStep]) -> DoseState:
    """Check a drug's dosing history and return the state it leaves.

    Parameters
    ----------
    drug
        The study drug, with its levels.
    events
        The events, in the order they happened (date, then order of entry).

    Returns
    -------
    DoseState
        The status and level after the last event.

    Raises
    ------
    InputError
        If an event names an unknown kind or level, or lacks a level it needs.
    ConflictError
        If an event is impossible where it stands: a second start, a resume without an
        interruption, a reduction by more than one level, anything after a discontinuation.
    """
    state = NOT_STARTED
    for event in events:
        state = _next(drug, state, event)
    return state


def treatment_ended_on(
    drugs: Iterable[StudyDrug], histories: Mapping[str, Iterable[DoseStep]]
) -> date | None:
    """The day a subject's treatment ended: every study drug of the arm was discontinued,
    the last of them on that day.

    Parameters
    ----------
    drugs
        The study drugs of the subject's arm (:meth:`metsor.protocol.Protocol.drugs_of`).
    histories
        Each drug's dosing events by drug code, in the order they happened (as
        :func:`replay` takes them); a drug without events has not been started.

    Returns
    -------
    date or None
        The day the last drug was discontinued; None while a drug of the arm is not started,
        dosing or interrupted, and for an arm that gives no drug.

    Raises
    ------
    InputError, ConflictError
        If a history is not possible (:func:`replay`).
    """
    states = [replay(drug, histories.get(drug.code, ())) for drug in drugs]
    if treatment_status(states) != "off_treatment":
        return None
    return max(state.since for state in states if state.since is not None)


def treatment_status(states: Iterable[DoseState]) -> str | None:
    """Whether the study drugs of a subject's arm are being given, as their states say.

    Parameters
    ----------
    states
        Where each study drug of the arm stands (:func:`replay`).

    Returns
    -------
    str or None
        ``"on_treatment"`` while a drug is dosing or interrupted; ``"off_treatment"`` once
        every drug (at least one) is discontinued; None otherwise (no drug started yet, or an
        arm that gives none): the subject's status stays as it was.
    """
    listed = list(states)
    if any(state.status in ("dosing", "interrupted") for state in listed):
        return "on_treatment"
    if listed and all(state.status == "discontinued" for state in listed):
        return "off_treatment"
    return None


def _next(drug: StudyDrug, state: DoseState, event: DoseStep) -> DoseState:
    name = drug.code
    if event.kind not in _ALLOWED_FROM:
        raise InputError(f"unknown dosing event {event.kind!r}; expected one of {DOSE_EVENTS}")
    if state.status not in _ALLOWED_FROM[event.kind]:
        raise ConflictError(
            f"cannot {event.kind} {name} on {event.on.isoformat()}: it is {state.status}",
            field="event",
        )
    if event.kind in ("interrupt", "discontinue"):
        if event.level is not None:
            raise InputError(f"a {event.kind} of {name} takes no dose level", field="level")
        status = "interrupted" if event.kind == "interrupt" else "discontinued"
        return DoseState(status, state.level, event.on)
    if event.level is None:
        raise InputError(f"a {event.kind} of {name} needs a dose level", field="level")
    level = dose_level(drug, event.level)
    step = state.level.step if state.level is not None else 0
    expected = {
        "start": (0,),
        "reduce": (step + 1,),
        "escalate": (step - 1,),
        "resume": (step, step + 1),
    }
    if level.step not in expected[event.kind]:
        current = state.level.code if state.level is not None else "none"
        raise ConflictError(
            f"{name} {_RULES[event.kind]} (label); level {event.level!r} on "
            f"{event.on.isoformat()} does not follow {current!r}",
            field="level",
        )
    return DoseState("dosing", level, event.on)
