"""Barcelona Clinic Liver Cancer (BCLC) stage of hepatocellular carcinoma.

2022 update (Reig et al., J Hepatol 2022;76:681–693), applied in this order:

- D: end-stage liver function (Child-Pugh C) or ECOG 3–4;
- C: macrovascular (portal) invasion and/or extrahepatic spread, ECOG 0–2;
- 0: single nodule ≤ 2 cm, ECOG 0;
- A: single nodule, or 2–3 nodules each ≤ 3 cm, ECOG 0;
- B: multinodular beyond A, ECOG 0.

In the 2018 version (Forner et al., Lancet 2018;391:1301–1314) an ECOG of 1–2 alone also
places a patient in stage C. The 2022 update no longer does so; such a patient, without
macrovascular invasion or extrahepatic spread, is staged here by tumour burden (0, A or B) and
the reason says that the performance status was set aside, so that a reader can judge whether
it is cancer-related.

Liver function: only Child-Pugh C counts as end-stage. Child-Pugh B is staged by tumour burden
and performance status like A, and the reason notes it, as the BCLC leaves such patients to
individual judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from metsor.clinical._checks import positive
from metsor.clinical.ecog import validate_ecog
from metsor.errors import InputError

__all__ = ["BCLC_VERSIONS", "BclcStage", "BclcVersion", "bclc_stage"]

BclcVersion = Literal["2022", "2018"]
Stage = Literal["0", "A", "B", "C", "D"]

BCLC_VERSIONS: tuple[str, ...] = ("2022", "2018")
_CHILD_PUGH_CLASSES = ("A", "B", "C")


@dataclass(frozen=True)
class BclcStage:
    """A BCLC stage with the version of the system that gave it and why.

    Attributes
    ----------
    stage
        "0", "A", "B", "C" or "D".
    version
        "2022" or "2018".
    reason
        The findings that decided the stage, in words.
    """

    stage: Stage
    version: BclcVersion
    reason: str


def _tumour_burden_stage(nodules: int, largest_nodule_cm: float) -> tuple[Stage, str]:
    if nodules == 1 and largest_nodule_cm <= 2.0:
        return "0", f"single nodule of {largest_nodule_cm:g} cm (≤ 2 cm)"
    if nodules == 1:
        return "A", f"single nodule of {largest_nodule_cm:g} cm"
    if nodules <= 3 and largest_nodule_cm <= 3.0:
        return "A", f"{nodules} nodules, largest {largest_nodule_cm:g} cm (each ≤ 3 cm)"
    return "B", f"multinodular: {nodules} nodules, largest {largest_nodule_cm:g} cm"


def _validate(nodules: int, child_pugh_class: str, version: str) -> None:
    if isinstance(nodules, bool) or not isinstance(nodules, int) or nodules < 1:
        raise InputError(f"nodules must be a whole number ≥ 1, got {nodules!r}", field="nodules")
    if child_pugh_class not in _CHILD_PUGH_CLASSES:
        raise InputError(
            f"child_pugh_class must be 'A', 'B' or 'C', got {child_pugh_class!r}",
            field="child_pugh_class",
        )
    if version not in BCLC_VERSIONS:
        raise InputError(f"BCLC version must be '2022' or '2018', got {version!r}", field="version")


def bclc_stage(
    *,
    nodules: int,
    largest_nodule_cm: float,
    macrovascular_invasion: bool,
    extrahepatic_spread: bool,
    ecog: int,
    child_pugh_class: str,
    version: BclcVersion = "2022",
) -> BclcStage:
    """Stage hepatocellular carcinoma by the BCLC system.

    Parameters
    ----------
    nodules
        Number of tumour nodules in the liver, 1 or more.
    largest_nodule_cm
        Longest diameter of the largest nodule, in cm.
    macrovascular_invasion
        Macrovascular (portal) invasion.
    extrahepatic_spread
        Nodal or distant spread outside the liver.
    ecog
        ECOG performance status, 0–5 (5 is rejected: a patient to stage is alive).
    child_pugh_class
        "A", "B" or "C".
    version
        "2022" (default) or "2018".

    Returns
    -------
    BclcStage
        Stage, version and reason.

    Raises
    ------
    InputError
        Naming the argument at fault.

    References
    ----------
    Reig M, Forner A, Rimola J, et al. BCLC strategy for prognosis prediction and treatment
    recommendation: the 2022 update. J Hepatol 2022;76:681–693.
    Forner A, Reig M, Bruix J. Hepatocellular carcinoma. Lancet 2018;391:1301–1314.
    """
    _validate(nodules, child_pugh_class, version)
    size = positive(largest_nodule_cm, "largest_nodule_cm")
    status = validate_ecog(ecog)
    if status == 5:
        raise InputError("ECOG 5 (dead) cannot be staged", field="ecog")

    def staged(stage: Stage, reason: str) -> BclcStage:
        if child_pugh_class == "B" and stage != "D":
            reason += "; Child-Pugh B: liver function not fully preserved, judge individually"
        return BclcStage(stage=stage, version=version, reason=reason)

    if child_pugh_class == "C":
        return staged("D", "end-stage liver function (Child-Pugh C)")
    if status >= 3:
        return staged("D", f"ECOG {status} (3–4)")
    spread = [
        name
        for name, present in (
            ("macrovascular invasion", macrovascular_invasion),
            ("extrahepatic spread", extrahepatic_spread),
        )
        if present
    ]
    if spread:
        return staged("C", f"{' and '.join(spread)}, ECOG {status}")
    if status >= 1 and version == "2018":
        return staged("C", f"ECOG {status} (1–2): cancer-related symptoms (BCLC 2018)")
    stage, burden = _tumour_burden_stage(nodules, size)
    if status >= 1:
        burden += (
            f"; ECOG {status} without macrovascular invasion or extrahepatic spread is not "
            "stage C by the 2022 update and was set aside"
        )
    else:
        burden += ", ECOG 0"
    return staged(stage, burden)
