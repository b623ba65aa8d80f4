"""A two-arm, two-factor design for the randomization tests (the shape of NCT02672488's).

The randomization package knows no trial; its tests state a design of their own here.
"""

from __future__ import annotations

from metsor.randomization import FactorLevel, StratificationFactor

ARMS: tuple[str, str] = ("experimental", "control")
"""Arm codes: experimental first, control second."""

FACTORS: tuple[StratificationFactor, ...] = (
    StratificationFactor(
        name="ecog",
        kind="int",
        levels=(FactorLevel("ecog0", (0,)), FactorLevel("ecog1_2", (1, 2))),
    ),
    StratificationFactor(
        name="mvi_ehs",
        kind="bool",
        levels=(FactorLevel("mvi_ehs_no", (False,)), FactorLevel("mvi_ehs_yes", (True,))),
        fields=("macrovascular_invasion", "extrahepatic_spread"),
    ),
)
"""ECOG 0 vs 1–2; macrovascular invasion or extrahepatic spread, no vs yes."""
