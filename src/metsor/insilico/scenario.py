"""The truth a virtual trial is run under: the preset of one arm, the other arm's effect,
dropout; and the scenario of each built-in protocol."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

from metsor.design.outcomes import PRESETS
from metsor.errors import InputError
from metsor.insilico.presets import DEFAULT_PRESET

__all__ = ["DEFAULT_SCENARIO", "PROTOCOL_SCENARIOS", "VirtualScenario", "scenario_for"]


@dataclass(frozen=True)
class VirtualScenario:
    """What the virtual patients' outcomes are drawn from.

    Attributes
    ----------
    preset
        Calibration of the arm that gives the preset's drug (:attr:`preset_arm`): a key of
        :data:`metsor.design.outcomes.PRESETS`
        (``"metsor"``, the default: ORIENT-32's Chinese sorafenib arm, median OS 10.4, PFS 2.8
        months; ``"sharp"``: OS 10.7, TTP 5.5; ``"asia-pacific"``: 6.5 and 2.8;
        ``"reflect"``: 12.3 and 3.7), with its adverse events
        (:mod:`metsor.insilico.presets`).
    hr_death, hr_progression
        Hazard ratios of the other arm against the preset's arm.
    response_experimental
        Objective response rate of the other arm (None: the preset arm's).
    dropout_per_year
        Probability of leaving follow-up within 12 months (consent withdrawn or lost).
    lost_share
        Share of those who leave that are lost to follow-up; the others withdraw consent.
    preset_arm
        Which arm the preset calibrates: ``control`` (the protocol's arm that is not
        experimental) or ``experimental``.
    progression_shape, progression_frailty
        Weibull shape and gamma frailty variance of the other arm's latent time to progression
        (1 and 0: exponential, as the preset's arm; each patient keeps the exponential's
        median), :func:`metsor.design.outcomes.draw_outcomes`.
    """

    preset: str = DEFAULT_PRESET
    hr_death: float = 0.76
    hr_progression: float = 0.76
    response_experimental: float | None = None
    dropout_per_year: float = 0.06
    lost_share: float = 0.5
    preset_arm: Literal["control", "experimental"] = "control"
    progression_shape: float = 1.0
    progression_frailty: float = 0.0

    def validated(self) -> VirtualScenario:
        """Return the scenario, or raise InputError naming the first bad field."""
        if self.preset not in PRESETS:
            raise InputError(
                f"preset {self.preset!r} is not one of {', '.join(PRESETS)}", field="preset"
            )
        for name in ("hr_death", "hr_progression", "progression_shape"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"{name} must be a positive number, got {value!r}", field=name)
        if not (math.isfinite(self.progression_frailty) and self.progression_frailty >= 0):
            raise InputError(
                f"progression_frailty must be 0 or more, got {self.progression_frailty!r}",
                field="progression_frailty",
            )
        for name in ("response_experimental", "lost_share"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise InputError(f"{name} must lie in [0, 1], got {value!r}", field=name)
        if not 0.0 <= self.dropout_per_year < 1.0:
            raise InputError(
                f"dropout_per_year must lie in [0, 1), got {self.dropout_per_year!r}",
                field="dropout_per_year",
            )
        return self

    @classmethod
    def of(cls, scenario: VirtualScenario | str) -> VirtualScenario:
        """A scenario as given, or the default effect on the control preset named."""
        if isinstance(scenario, VirtualScenario):
            return scenario.validated()
        return cls(preset=scenario).validated()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping, with the preset's published source."""
        return {**asdict(self), "source": PRESETS[self.preset].source}


DEFAULT_SCENARIO = VirtualScenario()
"""Sorafenib arm calibrated to METSOR's population (ORIENT-32's Chinese arm); metformin
lowers the hazards of death and progression by a quarter (HR 0.76, the effect the registered
size was set for); 6% a year leave follow-up."""

SHARP_SCENARIO = VirtualScenario(
    preset="sharp",
    hr_death=1.45,
    hr_progression=2.05,
    response_experimental=0.019,
    dropout_per_year=0.02,
    preset_arm="experimental",
    progression_shape=3.75,
    progression_frailty=3.0,
)
"""SHARP as published (Llovet JM et al., NEJM 2008;359:378), on SHARP's own patients (the
``sharp`` population, :mod:`metsor.insilico.population`): the sorafenib arm is the preset (OS
10.7, TTP 5.5 months at 6-weekly scans); placebo's latent hazard of death is 1.45 times
sorafenib's (the published HR 0.69 inverted), and its latent median time to progression is
sorafenib's over 2.05, with a Weibull shape 3.75 under a gamma frailty of variance 3 (each
patient keeping the exponential's median): fewer progressions by the first scan, most of them
by the second, and a hazard that falls again after it. An exponential time whose median is at
most the second scan (placebo's published 2.8 months) has at least 29% progressing before the
first scan, which with the deaths before it leaves at most about 61% whose best response is CR,
PR or SD, against the published 68% (PR 1% + SD 67%). Chosen with
:func:`metsor.insilico.validation.replicate_trial` (``scripts/validate_sharp.py``, 20 seeds of
602, candidates recruited across SHARP's three regions) and ``metsor insilico calibrate
--preset sharp``: OS HR 0.72, placebo median OS 7.5; TTP HR 0.51, placebo median TTP 2.96; CR,
PR or SD 68% on placebo (docs/validation.md). Exponential at 2.0 gave TTP HR 0.50, placebo TTP
3.26 and 58%. Placebo's responses 1% by RECIST (1.9% by mRECIST with REFLECT's ratio); 2% a year
leave follow-up (assumption)."""

PROTOCOL_SCENARIOS: dict[str, VirtualScenario] = {
    "NCT02672488": DEFAULT_SCENARIO,
    "NCT00105443": SHARP_SCENARIO,
}
"""The scenario a built-in protocol's virtual trial runs under, by NCT id."""


def scenario_for(nct_id: str) -> VirtualScenario:
    """The scenario of a built-in protocol (the default scenario for any other)."""
    return PROTOCOL_SCENARIOS.get(nct_id, DEFAULT_SCENARIO)
