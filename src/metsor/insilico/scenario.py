"""The truth a virtual METSOR trial is run under: control-arm preset, effect and dropout."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from metsor.design.outcomes import PRESETS
from metsor.errors import InputError
from metsor.insilico.presets import DEFAULT_PRESET

__all__ = ["DEFAULT_SCENARIO", "VirtualScenario"]


@dataclass(frozen=True)
class VirtualScenario:
    """What the virtual patients' outcomes are drawn from.

    Attributes
    ----------
    preset
        Control (sorafenib) arm calibration: a key of :data:`metsor.design.outcomes.PRESETS`
        (``"metsor"``, the default: ORIENT-32's Chinese sorafenib arm, median OS 10.4, PFS 2.8
        months; ``"sharp"``: OS 10.7, TTP 5.5; ``"asia-pacific"``: 6.5 and 2.8;
        ``"reflect"``: 12.3 and 3.7), with its adverse events
        (:mod:`metsor.insilico.presets`).
    hr_death, hr_progression
        Hazard ratios metformin + sorafenib / sorafenib.
    response_experimental
        Objective response rate of the experimental arm (None: the control arm's).
    dropout_per_year
        Probability of leaving follow-up within 12 months (consent withdrawn or lost).
    lost_share
        Share of those who leave that are lost to follow-up; the others withdraw consent.
    """

    preset: str = DEFAULT_PRESET
    hr_death: float = 0.76
    hr_progression: float = 0.76
    response_experimental: float | None = None
    dropout_per_year: float = 0.06
    lost_share: float = 0.5

    def validated(self) -> VirtualScenario:
        """Return the scenario, or raise InputError naming the first bad field."""
        if self.preset not in PRESETS:
            raise InputError(
                f"preset {self.preset!r} is not one of {', '.join(PRESETS)}", field="preset"
            )
        for name in ("hr_death", "hr_progression"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"{name} must be a positive number, got {value!r}", field=name)
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
