"""How a protocol's study drugs are given: dose levels, reductions and the label's rules as data.

A :class:`StudyDrug` is the dosing side of one intervention, keyed by the code the casebook
stores (``dose_events.drug``). Its :class:`DoseLevel` list starts with the full dose; ``step``
counts reductions (0 full dose, 1 first reduction, ...), and two schedules may share a step
(``200 mg QD`` and ``400 mg QOD`` are both the second reduction of the Nexavar label). The
label's rules that the casebook applies are data too: the eGFR limits of starting and resuming
the drug (:class:`RenalLimits`) and holding it around an iodinated contrast study
(:class:`ContrastHold`). A placebo is a study drug that is not ``active``: it is dosed,
reduced and stopped like the drug it imitates and causes no drug effect.

Every rule carries its source; the values live in the protocol's JSON, never in code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "ADMINISTRATIONS_PER_DAY",
    "ContrastHold",
    "DoseLevel",
    "DrugCode",
    "RenalLimits",
    "StudyDrug",
]

DrugCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
"""A drug or arm code: lower case letters, digits and ``_``, starting with a letter."""

LevelCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$")]
"""A dose level code (``400mg_bid``)."""

Frequency = Literal["BID", "QD", "QOD"]

#: Administrations a day of each dose level frequency.
ADMINISTRATIONS_PER_DAY: dict[str, float] = {"BID": 2.0, "QD": 1.0, "QOD": 0.5}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DoseLevel(_Frozen):
    """One dose level of one study drug.

    Attributes
    ----------
    code
        The level's code, as stored (``400mg_bid``).
    dose_mg
        The amount of one intake, in mg (for a placebo: of the drug it imitates).
    frequency
        ``BID`` (twice daily), ``QD`` (once daily) or ``QOD`` (every other day).
    step
        0 for the full dose, 1 for the first reduction, 2 for the second.
    """

    code: LevelCode
    dose_mg: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    frequency: Frequency
    step: Annotated[int, Field(ge=0, le=10)]

    @property
    def daily_mg(self) -> float:
        """Mean amount a day, in mg."""
        return self.dose_mg * ADMINISTRATIONS_PER_DAY[self.frequency]


class RenalLimits(_Frozen):
    """eGFR limits of a label for giving a drug (mL/min/1.73 m²).

    Attributes
    ----------
    contraindicated_below
        Below this eGFR the drug is neither started nor resumed.
    start_not_recommended_below
        From ``contraindicated_below`` to below this, a start needs an override reason.
    source
        The label and its section.
    """

    contraindicated_below: Annotated[float, Field(gt=0, lt=200)]
    start_not_recommended_below: Annotated[float, Field(gt=0, lt=200)]
    source: Annotated[str, StringConstraints(min_length=1)]

    @model_validator(mode="after")
    def _ordered(self) -> RenalLimits:
        if self.start_not_recommended_below < self.contraindicated_below:
            raise ValueError("start_not_recommended_below must not lie below contraindicated_below")
        return self


class ContrastHold(_Frozen):
    """A label's hold of a drug around an iodinated contrast study.

    Attributes
    ----------
    resume_after_days
        Days after the study when the drug is resumed (eGFR re-evaluated first).
    source
        The label and its section.
    """

    resume_after_days: Annotated[int, Field(ge=1, le=30)]
    source: Annotated[str, StringConstraints(min_length=1)]


class StudyDrug(_Frozen):
    """The dosing of one intervention: its casebook code, levels and label rules.

    Attributes
    ----------
    code
        The code the casebook stores (``sorafenib``).
    intervention
        The name of the protocol's intervention it doses.
    active
        False for a placebo.
    food
        How it is taken with respect to meals, in words.
    levels
        Dose levels, the full (starting) dose first; steps rise one at a time.
    renal_limits
        eGFR limits for starting and resuming it, if the label has any.
    contrast_hold
        Hold around iodinated contrast, if the label asks for one.
    source
        Where the levels come from.
    """

    code: DrugCode
    intervention: Annotated[str, StringConstraints(min_length=1)]
    active: bool = True
    food: Annotated[str, StringConstraints(min_length=1)]
    levels: tuple[DoseLevel, ...] = Field(min_length=1)
    renal_limits: RenalLimits | None = None
    contrast_hold: ContrastHold | None = None
    source: Annotated[str, StringConstraints(min_length=1)]

    @model_validator(mode="after")
    def _levels_step_down(self) -> StudyDrug:
        codes = [level.code for level in self.levels]
        if len(set(codes)) != len(codes):
            raise ValueError(f"study drug {self.code!r} repeats a dose level code: {codes}")
        if self.levels[0].step != 0:
            raise ValueError(f"study drug {self.code!r}: the first dose level must be step 0")
        steps = sorted({level.step for level in self.levels})
        if steps != list(range(len(steps))):
            raise ValueError(f"study drug {self.code!r}: dose level steps skip one: {steps}")
        return self

    @property
    def full_dose(self) -> DoseLevel:
        """The starting (full) dose level."""
        return self.levels[0]

    def level(self, code: str) -> DoseLevel | None:
        """The dose level of this code, or None."""
        return next((level for level in self.levels if level.code == code), None)

    def reductions(self) -> tuple[DoseLevel, ...]:
        """One level per step in step order (the first schedule listed for a shared step)."""
        first: dict[int, DoseLevel] = {}
        for level in self.levels:
            first.setdefault(level.step, level)
        return tuple(first[step] for step in sorted(first))
