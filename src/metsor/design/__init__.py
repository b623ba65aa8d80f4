"""Trial design: sample size, group-sequential boundaries, virtual patients, simulation."""

from __future__ import annotations

from metsor.design.boundaries import GroupSequentialDesign, group_sequential_design
from metsor.design.sample_size import (
    PowerResult,
    SampleSizeResult,
    logrank_power,
    sample_size,
)
from metsor.design.simulate import Scenario, SimulationResult, simulate

__all__ = [
    "GroupSequentialDesign",
    "PowerResult",
    "SampleSizeResult",
    "Scenario",
    "SimulationResult",
    "group_sequential_design",
    "logrank_power",
    "sample_size",
    "simulate",
]
