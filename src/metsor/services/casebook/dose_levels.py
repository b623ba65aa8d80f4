"""Dose levels of the study drugs and the rules for moving between them.

Sorafenib (Nexavar label, hepatocellular carcinoma): 400 mg twice daily without food; the first
reduction is to 400 mg once daily, the second to 200 mg once daily or 400 mg every other day
(two schedules of the same level). After an interruption the drug resumes at the same level or
one level lower; a level may be raised again one step at a time.

Metformin (as registered for METSOR; Glucophage label): 500 mg twice daily with meals. There is
no lower level in the protocol; the drug is interrupted (for example before iodinated contrast)
or stopped.

The history of one drug for one subject is a sequence of :class:`DoseEvent`; :func:`replay`
checks that the sequence is possible and returns where it leaves the subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Literal

from metsor.errors import ConflictError, InputError

__all__ = [
    "DOSE_EVENTS",
    "DOSE_LEVELS",
    "DoseEvent",
    "DoseLevel",
    "DoseState",
    "dose_level",
    "replay",
]

DoseEventKind = Literal["start", "reduce", "escalate", "interrupt", "resume", "discontinue"]

DOSE_EVENTS: tuple[str, ...] = ("start", "reduce", "escalate", "interrupt", "resume", "discontinue")
"""The kinds of dosing event, in the order a course usually meets them."""


@dataclass(frozen=True)
class DoseLevel:
    """One dose level of one drug.

    Attributes
    ----------
    drug
        The drug, lower case (``"sorafenib"``, ``"metformin"``).
    code
        The level's code, as stored (``"400mg_bid"``).
    dose_mg
        The amount of one intake, in mg.
    frequency
        ``"BID"`` (twice daily), ``"QD"`` (once daily) or ``"QOD"`` (every other day).
    step
        0 for the full dose, 1 for the first reduction, 2 for the second.
    food
        How the drug is taken with respect to meals.
    """

    drug: str
    code: str
    dose_mg: float
    frequency: Literal["BID", "QD", "QOD"]
    step: int
    food: str

    @property
    def daily_mg(self) -> float:
        """Mean amount a day, in mg."""
        per_day = {"BID": 2.0, "QD": 1.0, "QOD": 0.5}[self.frequency]
        return self.dose_mg * per_day


_WITHOUT_FOOD = "without food (at least 1 h before or 2 h after a meal)"
_WITH_MEALS = "with meals"

DOSE_LEVELS: Mapping[str, tuple[DoseLevel, ...]] = MappingProxyType(
    {
        "sorafenib": (
            DoseLevel("sorafenib", "400mg_bid", 400.0, "BID", 0, _WITHOUT_FOOD),
            DoseLevel("sorafenib", "400mg_qd", 400.0, "QD", 1, _WITHOUT_FOOD),
            DoseLevel("sorafenib", "200mg_qd", 200.0, "QD", 2, _WITHOUT_FOOD),
            DoseLevel("sorafenib", "400mg_qod", 400.0, "QOD", 2, _WITHOUT_FOOD),
        ),
        "metformin": (DoseLevel("metformin", "500mg_bid", 500.0, "BID", 0, _WITH_MEALS),),
    }
)
"""For each study drug, its dose levels; the first is the starting dose."""


def dose_level(drug: str, code: str) -> DoseLevel:
    """Return the dose level ``code`` of ``drug``.

    Parameters
    ----------
    drug
        A drug of :data:`DOSE_LEVELS`.
    code
        One of that drug's level codes.

    Returns
    -------
    DoseLevel
        The level.

    Raises
    ------
    InputError
        If the drug or the level is unknown; the message lists the accepted values.
    """
    levels = DOSE_LEVELS.get(drug)
    if levels is None:
        raise InputError(
            f"unknown drug {drug!r}; expected one of {sorted(DOSE_LEVELS)}", field="drug"
        )
    for level in levels:
        if level.code == code:
            return level
    codes = [level.code for level in levels]
    raise InputError(f"{drug} has no dose level {code!r}; expected one of {codes}", field="level")


@dataclass(frozen=True)
class DoseEvent:
    """One dosing event of one drug.

    Attributes
    ----------
    kind
        One of :data:`DOSE_EVENTS`.
    on
        The date it took effect.
    level
        The level in force from then on (``None`` for an interruption or a discontinuation).
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
        The last level given (``None`` before the start).
    since
        The date of the last event (``None`` before the start).
    """

    status: str
    level: DoseLevel | None
    since: date | None


_NOT_STARTED = DoseState("not started", None, None)


def _require_level(drug: str, event: DoseEvent) -> DoseLevel:
    if event.level is None:
        raise InputError(f"a {event.kind} of {drug} needs a dose level", field="level")
    return dose_level(drug, event.level)


def _next(drug: str, state: DoseState, event: DoseEvent) -> DoseState:
    """Apply one event to a state, or raise if the label does not allow it."""
    allowed_from = {
        "start": ("not started",),
        "reduce": ("dosing",),
        "escalate": ("dosing",),
        "interrupt": ("dosing",),
        "resume": ("interrupted",),
        "discontinue": ("dosing", "interrupted"),
    }
    if event.kind not in allowed_from:
        raise InputError(f"unknown dosing event {event.kind!r}; expected one of {DOSE_EVENTS}")
    if state.status not in allowed_from[event.kind]:
        raise ConflictError(
            f"cannot {event.kind} {drug} on {event.on.isoformat()}: it is {state.status}",
            field="event",
        )
    if event.kind in ("interrupt", "discontinue"):
        if event.level is not None:
            raise InputError(f"a {event.kind} of {drug} takes no dose level", field="level")
        status = "interrupted" if event.kind == "interrupt" else "discontinued"
        return DoseState(status, state.level, event.on)
    level = _require_level(drug, event)
    step = state.level.step if state.level is not None else 0
    expected = {
        "start": (0,),
        "reduce": (step + 1,),
        "escalate": (step - 1,),
        "resume": (step, step + 1),
    }
    if level.step not in expected[event.kind]:
        raise ConflictError(_step_message(drug, event, state), field="level")
    return DoseState("dosing", level, event.on)


def _step_message(drug: str, event: DoseEvent, state: DoseState) -> str:
    current = state.level.code if state.level is not None else "none"
    rules = {
        "start": "starts at the full dose",
        "reduce": "is reduced one level at a time",
        "escalate": "is raised one level at a time",
        "resume": "resumes at the same level or one level lower",
    }
    return (
        f"{drug} {rules[event.kind]} (label); level {event.level!r} on {event.on.isoformat()} "
        f"does not follow {current!r}"
    )


def replay(drug: str, events: Iterable[DoseEvent]) -> DoseState:
    """Check a drug's dosing history and return the state it leaves.

    Parameters
    ----------
    drug
        A drug of :data:`DOSE_LEVELS`.
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
    if drug not in DOSE_LEVELS:
        raise InputError(
            f"unknown drug {drug!r}; expected one of {sorted(DOSE_LEVELS)}", field="drug"
        )
    state = _NOT_STARTED
    for event in events:
        state = _next(drug, state, event)
    return state
