"""BCLC staging.

2022 update: Reig et al., J Hepatol 2022;76:681–693 (0: single ≤ 2 cm, ECOG 0; A: single or
≤ 3 nodules each ≤ 3 cm, ECOG 0; B: multinodular, ECOG 0; C: macrovascular invasion and/or
extrahepatic spread, ECOG 0–2; D: Child-Pugh C or ECOG 3–4). 2018: Forner et al., Lancet
2018;391:1301–1314, where ECOG 1–2 alone is stage C.
"""

from __future__ import annotations

import pytest

from metsor.clinical.bclc import bclc_stage
from metsor.errors import InputError

EARLY = {
    "nodules": 1,
    "largest_nodule_cm": 1.5,
    "macrovascular_invasion": False,
    "extrahepatic_spread": False,
    "ecog": 0,
    "child_pugh_class": "A",
}


def _stage(**change: object) -> str:
    return bclc_stage(**{**EARLY, **change}).stage  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("nodules", "size", "stage"),
    [
        (1, 1.9, "0"),
        (1, 2.0, "0"),  # ≤ 2 cm
        (1, 2.1, "A"),
        (1, 9.0, "A"),  # single nodule of any size
        (2, 1.0, "A"),
        (3, 3.0, "A"),  # each ≤ 3 cm
        (3, 3.1, "B"),
        (2, 3.1, "B"),
        (4, 1.0, "B"),  # more than 3 nodules
    ],
)
def test_tumour_burden_boundaries(nodules: int, size: float, stage: str) -> None:
    assert _stage(nodules=nodules, largest_nodule_cm=size) == stage


@pytest.mark.parametrize(
    ("change", "stage"),
    [
        ({"macrovascular_invasion": True}, "C"),
        ({"extrahepatic_spread": True, "ecog": 2}, "C"),
        ({"macrovascular_invasion": True, "extrahepatic_spread": True, "ecog": 1}, "C"),
        ({"macrovascular_invasion": True, "ecog": 3}, "D"),
        ({"ecog": 4}, "D"),
        ({"child_pugh_class": "C"}, "D"),
        ({"child_pugh_class": "C", "macrovascular_invasion": True}, "D"),
    ],
)
def test_advanced_and_terminal(change: dict[str, object], stage: str) -> None:
    assert _stage(**change) == stage


@pytest.mark.parametrize(("ecog", "stage_2018"), [(0, "0"), (1, "C"), (2, "C"), (3, "D")])
def test_ecog_alone_is_stage_c_only_in_2018(ecog: int, stage_2018: str) -> None:
    assert _stage(ecog=ecog, version="2018") == stage_2018


@pytest.mark.parametrize("ecog", [1, 2])
def test_2022_stages_ecog_1_2_without_spread_by_burden_and_says_so(ecog: int) -> None:
    result = bclc_stage(**{**EARLY, "ecog": ecog, "nodules": 4})  # type: ignore[arg-type]
    assert (result.stage, result.version) == ("B", "2022")
    assert "set aside" in result.reason


def test_reason_names_the_deciding_findings() -> None:
    result = bclc_stage(
        **{**EARLY, "macrovascular_invasion": True, "extrahepatic_spread": True, "ecog": 1}  # type: ignore[arg-type]
    )
    assert result.reason == "macrovascular invasion and extrahepatic spread, ECOG 1"


def test_child_pugh_b_is_noted_in_the_reason() -> None:
    result = bclc_stage(**{**EARLY, "child_pugh_class": "B", "macrovascular_invasion": True})  # type: ignore[arg-type]
    assert result.stage == "C"
    assert "Child-Pugh B" in result.reason


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nodules": 0}, "nodules"),
        ({"largest_nodule_cm": 0.0}, "largest_nodule_cm"),
        ({"ecog": 5}, "ecog"),
        ({"ecog": 7}, "ecog"),
        ({"child_pugh_class": "D"}, "child_pugh_class"),
        ({"version": "2010"}, "version"),
    ],
)
def test_bad_input_names_the_argument(change: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        bclc_stage(**{**EARLY, **change})  # type: ignore[arg-type]
    assert info.value.field == field
