"""Tumour measurements of a virtual patient that read as the response drawn for them.

A patient's target lesions are fixed at baseline: the largest liver nodule, a second liver
nodule when there are several, a lung metastasis with extrahepatic spread; a portal-vein tumour
thrombus with macrovascular invasion is a non-target lesion. Each target has a longest diameter
and an arterially enhancing (viable) part.

Every later scan is a :class:`TumourState`: the factor by which the longest diameters and the
viable diameters stand against baseline, and whether enhancement has gone (mRECIST complete
response) or a new lesion appeared. Before progression both factors never rise, so the nadir
is the latest scan and the response follows from the factors alone:

- mRECIST (Lencioni & Llovet 2010): CR when no target enhances; PR when the viable factor is at
  most 0.70 (a fall of 30% or more); SD otherwise;
- RECIST 1.1 (Eisenhauer et al. 2009): PR when the diameter factor is at most 0.70; SD
  otherwise (diameters never reach 0, so no CR);
- progression under both: a new lesion of 10 mm or more, or every target growing by 30% or more
  over the nadir and both the diameter and the viable sums by at least 6 mm.

A responder by mRECIST has lost more of the viable than of the whole diameters (the viable
factor is the lower), so that one set of lesions reads as a response by mRECIST more often than
by RECIST 1.1, as in REFLECT (12.4% against 6.5% on independent review).

Factors are kept at least 0.03 away from the 0.70 threshold so that rounding the diameters to
0.1 mm cannot move a response across it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from metsor.clinical.tumour import Response

__all__ = ["RESPONSE_THRESHOLD", "TargetLesion", "TumourBurden", "TumourState", "tumour_burden"]

RESPONSE_THRESHOLD = 0.70
"""Factor of the baseline sum at or below which a scan is a partial response (−30%)."""

_MARGIN = 0.035
_MIN_GROWTH_MM = 6.0


@dataclass(frozen=True)
class TargetLesion:
    """A target lesion at baseline: identifier, organ, longest and viable diameter (mm)."""

    lesion_id: str
    organ: str
    diameter_mm: float
    viable_mm: float


@dataclass(frozen=True)
class TumourState:
    """A scan relative to baseline.

    Attributes
    ----------
    diameter_factor, viable_factor
        Longest and viable diameters as a share of baseline.
    enhancement_gone
        No target enhances (viable diameter 0).
    new_lesion_mm
        Longest diameter of a new lesion, if one appeared.
    growth
        The scan shows growth of the targets over the nadir (progression).
    """

    diameter_factor: float
    viable_factor: float
    enhancement_gone: bool = False
    new_lesion_mm: float | None = None
    growth: bool = False

    @property
    def progression(self) -> bool:
        """Whether the scan shows progression."""
        return self.growth or self.new_lesion_mm is not None

    @property
    def mrecist(self) -> Response:
        """The mRECIST time-point response this scan reads as."""
        if self.progression:
            return "PD"
        if self.enhancement_gone:
            return "CR"
        return "PR" if self.viable_factor <= RESPONSE_THRESHOLD else "SD"

    @property
    def recist(self) -> Response:
        """The RECIST 1.1 time-point response this scan reads as."""
        if self.progression:
            return "PD"
        return "PR" if self.diameter_factor <= RESPONSE_THRESHOLD else "SD"


@dataclass(frozen=True)
class TumourBurden:
    """A patient's baseline target lesions and whether a non-target thrombus is followed."""

    targets: tuple[TargetLesion, ...]
    portal_vein_thrombus: bool

    def baseline_lesions(self) -> list[dict[str, Any]]:
        """The lesions of the baseline scan, as the casebook records them."""
        return self.lesions(TumourState(1.0, 1.0))

    def lesions(self, state: TumourState) -> list[dict[str, Any]]:
        """The lesions of a scan in ``state``, as the casebook records them."""
        rows: list[dict[str, Any]] = []
        for target in self.targets:
            viable = (
                0.0 if state.enhancement_gone else round(target.viable_mm * state.viable_factor, 1)
            )
            rows.append(
                {
                    "lesion_id": target.lesion_id,
                    "organ": target.organ,
                    "kind": "target",
                    "diameter_mm": round(target.diameter_mm * state.diameter_factor, 1),
                    "viable_diameter_mm": viable,
                    "enhancing": not state.enhancement_gone,
                }
            )
        if self.portal_vein_thrombus:
            rows.append(
                {"lesion_id": "NT1", "organ": "portal vein", "kind": "non_target",
                 "diameter_mm": None}
            )  # fmt: skip
        if state.new_lesion_mm is not None:
            rows.append(
                {"lesion_id": "NEW1", "organ": "liver", "kind": "new",
                 "diameter_mm": state.new_lesion_mm}
            )  # fmt: skip
        return rows

    def non_target_status(self, state: TumourState) -> str:
        """``absent`` once enhancement has gone everywhere, ``present`` otherwise."""
        return "absent" if state.enhancement_gone and not state.progression else "present"

    def progression_after(self, nadir: TumourState, rng: np.random.Generator) -> TumourState:
        """A scan showing progression after the nadir ``nadir``: a new lesion, or growth."""
        total = sum(t.diameter_mm for t in self.targets) * nadir.diameter_factor
        if nadir.enhancement_gone or rng.random() < 0.4:
            return TumourState(
                nadir.diameter_factor,
                nadir.viable_factor,
                nadir.enhancement_gone,
                new_lesion_mm=round(float(rng.uniform(12.0, 30.0)), 1),
            )
        viable = sum(t.viable_mm for t in self.targets) * nadir.viable_factor
        least = 1.0 + (_MIN_GROWTH_MM + 0.5) / max(min(total, viable), 1.0)
        growth = max(float(rng.uniform(1.3, 1.6)), least)
        return TumourState(
            nadir.diameter_factor * growth, nadir.viable_factor * growth, growth=True
        )


def clear_of_threshold(factor: float) -> float:
    """``factor``, moved below the response band when it falls within the rounding margin."""
    if abs(factor - RESPONSE_THRESHOLD) < _MARGIN:
        return RESPONSE_THRESHOLD - _MARGIN
    return factor


def tumour_burden(
    largest_nodule_cm: float,
    nodules: int,
    *,
    extrahepatic_spread: bool,
    macrovascular_invasion: bool,
    rng: np.random.Generator,
) -> TumourBurden:
    """The baseline target lesions of a patient from their screening findings.

    Parameters
    ----------
    largest_nodule_cm
        Largest liver nodule (cm); the first target.
    nodules
        Liver nodules; a second liver target when there are two or more.
    extrahepatic_spread
        A lung target lesion is added.
    macrovascular_invasion
        A portal-vein tumour thrombus is followed as a non-target lesion.
    rng
        Source of randomness (viable shares, second-lesion and metastasis sizes).

    Returns
    -------
    TumourBurden
        Targets that qualify under RECIST 1.1 and mRECIST (≤ 2 per organ, ≥ 10 mm, viable
        part ≥ 10 mm).
    """
    first = float(np.clip(largest_nodule_cm * 10.0, 20.0, 150.0))
    targets = [_target("T1", "liver", first, rng)]
    if nodules >= 2:
        targets.append(_target("T2", "liver", max(15.0, first * float(rng.uniform(0.3, 0.7))), rng))
    if extrahepatic_spread:
        size = round(float(rng.uniform(12.0, 35.0)), 1)
        targets.append(TargetLesion(f"T{len(targets) + 1}", "lung", size, size))
    return TumourBurden(tuple(targets), portal_vein_thrombus=macrovascular_invasion)


def _target(lesion_id: str, organ: str, diameter: float, rng: np.random.Generator) -> TargetLesion:
    diameter = round(diameter, 1)
    viable = round(max(12.0, diameter * float(rng.uniform(0.75, 1.0))), 1)
    return TargetLesion(lesion_id, organ, diameter, min(viable, diameter))
