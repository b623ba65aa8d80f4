"""Stratification of METSOR: ECOG 0 vs 1–2 and macrovascular invasion or extrahepatic spread.

The two factors separate prognosis within BCLC-C (ITA.LI.CA cohort, see CLINICAL-REFERENCE.md:
ECOG 1 only 38.6 months, macrovascular invasion 8.2, extrahepatic spread 11.2).
"""

from __future__ import annotations

from typing import Any

import pytest

from metsor.errors import InputError
from metsor.randomization import (
    FactorLevel,
    StratificationFactor,
    all_strata,
    factors_from_settings,
    stratum_labels,
    stratum_of,
)

from .builders import FACTORS

METSOR_SETTINGS: list[dict[str, Any]] = [
    {"name": "ecog", "kind": "int", "levels": {"ecog0": [0], "ecog1_2": [1, 2]}},
    {
        "name": "mvi_ehs",
        "kind": "bool",
        "fields": ["macrovascular_invasion", "extrahepatic_spread"],
        "levels": {"mvi_ehs_no": [False], "mvi_ehs_yes": [True]},
    },
]


def test_four_stable_labels() -> None:
    assert stratum_labels(FACTORS) == (
        "ecog0-mvi_ehs_no",
        "ecog0-mvi_ehs_yes",
        "ecog1_2-mvi_ehs_no",
        "ecog1_2-mvi_ehs_yes",
    )


def test_strata_carry_their_levels() -> None:
    strata = all_strata(FACTORS)
    assert strata[3].levels == (("ecog", "ecog1_2"), ("mvi_ehs", "mvi_ehs_yes"))


@pytest.mark.parametrize(
    ("factors", "expected"),
    [
        ({"ecog": 0, "macrovascular_invasion": False, "extrahepatic_spread": False},
         "ecog0-mvi_ehs_no"),
        ({"ecog": 0, "macrovascular_invasion": True, "extrahepatic_spread": False},
         "ecog0-mvi_ehs_yes"),
        ({"ecog": 1, "macrovascular_invasion": False, "extrahepatic_spread": True},
         "ecog1_2-mvi_ehs_yes"),
        ({"ecog": 2, "macrovascular_invasion": True, "extrahepatic_spread": True},
         "ecog1_2-mvi_ehs_yes"),
        ({"ecog": "2", "macrovascular_invasion": "no", "extrahepatic_spread": "No"},
         "ecog1_2-mvi_ehs_no"),
        ({"ecog": 1.0, "mvi_ehs": "yes"}, "ecog1_2-mvi_ehs_yes"),
        ({"ecog": 0, "mvi_ehs": 0}, "ecog0-mvi_ehs_no"),
    ],
)  # fmt: skip
def test_stratum_of(factors: dict[str, Any], expected: str) -> None:
    assert stratum_of(factors, FACTORS) == expected


def test_missing_factor_is_named() -> None:
    with pytest.raises(InputError, match="'ecog' is missing") as info:
        stratum_of({"macrovascular_invasion": True, "extrahepatic_spread": True}, FACTORS)
    assert info.value.field == "ecog"
    with pytest.raises(InputError, match="'extrahepatic_spread'") as info:
        stratum_of({"ecog": 0, "macrovascular_invasion": False}, FACTORS)
    assert info.value.field == "extrahepatic_spread"


@pytest.mark.parametrize(
    ("factors", "message"),
    [
        ({"ecog": 3, "mvi_ehs": True}, "value 3 is in no level"),
        ({"ecog": True, "mvi_ehs": True}, "ecog must be a whole number"),
        ({"ecog": "one", "mvi_ehs": True}, "ecog must be a whole number"),
        ({"ecog": 0, "mvi_ehs": "maybe"}, "mvi_ehs must be yes or no"),
        ({"ecog": 0, "macrovascular_invasion": 2, "extrahepatic_spread": False},
         "macrovascular_invasion must be yes or no"),
    ],
)  # fmt: skip
def test_unusable_values_named(factors: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        stratum_of(factors, FACTORS)


def test_factors_from_settings_equal_metsor() -> None:
    assert factors_from_settings(METSOR_SETTINGS) == FACTORS


def test_settings_with_a_missing_key_are_named() -> None:
    bad = [{"name": "ecog", "kind": "int"}]
    with pytest.raises(InputError, match="stratification factor 1: 'levels' is missing"):
        factors_from_settings(bad)


def test_three_level_factor_from_settings() -> None:
    factors = factors_from_settings(
        [{"name": "site", "kind": "str", "levels": {"tj": "tianjin", "bj": ["beijing"]}},
         METSOR_SETTINGS[0]]
    )  # fmt: skip
    assert stratum_labels(factors) == ("tj-ecog0", "tj-ecog1_2", "bj-ecog0", "bj-ecog1_2")
    assert stratum_of({"site": "beijing", "ecog": 2}, factors) == "bj-ecog1_2"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"levels": (FactorLevel("a", (0,)),)}, "at least two levels"),
        ({"levels": (FactorLevel("a", (0,)), FactorLevel("a", (1,)))}, "'a' is repeated"),
        ({"levels": (FactorLevel("a", (0, 1)), FactorLevel("b", (1,)))}, "more than one level"),
        ({"levels": (FactorLevel("a-b", (0,)), FactorLevel("b", (1,)))}, "letters, digits"),
        ({"fields": ("x", "y")}, "several fields"),
        ({"kind": "float"}, "kind must be"),
    ],
)
def test_bad_factor_definitions(kwargs: dict[str, Any], message: str) -> None:
    spec: dict[str, Any] = {
        "name": "f",
        "kind": "int",
        "levels": (FactorLevel("a", (0,)), FactorLevel("b", (1,))),
    }
    spec.update(kwargs)
    with pytest.raises(InputError, match=message):
        StratificationFactor(**spec)


def test_repeated_factor_names_rejected() -> None:
    with pytest.raises(InputError, match="repeat a name"):
        stratum_labels((FACTORS[0], FACTORS[0]))


def test_no_factors_rejected() -> None:
    with pytest.raises(InputError, match="at least one stratification factor"):
        stratum_labels(())
