"""ADSL's STRATnR: one column per stratification factor of the protocol, each the level of that
factor in the subject's randomization stratum, found among the strata the factors define."""

from __future__ import annotations

from dataclasses import replace

import pytest

from metsor.endpoints import adsl, adsl_columns
from metsor.protocol import Protocol
from metsor.protocol.builtin import builtin
from metsor.protocol.stratification import stratum_levels

from .builders import course

METSOR = builtin("NCT02672488")
SHARP = builtin("NCT00105443")


@pytest.mark.parametrize(
    ("nct_id", "strata"),
    [
        pytest.param("NCT02672488", ("STRAT1R", "STRAT2R"), id="metsor-two-factors"),
        pytest.param("NCT00105443", ("STRAT1R", "STRAT2R", "STRAT3R"), id="sharp-three-factors"),
    ],
)
def test_one_strata_column_per_factor(nct_id: str, strata: tuple[str, ...]) -> None:
    columns = adsl_columns(builtin(nct_id).stratification)
    start = columns.index("STRATUM") + 1
    assert columns[start : start + len(strata)] == strata
    assert columns[start + len(strata)] == "RANDDT"


@pytest.mark.parametrize(
    ("protocol", "stratum", "levels"),
    [
        pytest.param(METSOR, "ecog1_2-mvi_ehs_yes", ("ecog1_2", "mvi_ehs_yes"), id="metsor"),
        pytest.param(
            SHARP,
            "europe-ecog0-mvi_ehs_no",
            ("europe", "ecog0", "mvi_ehs_no"),
            id="sharp-region-first",
        ),
        pytest.param(
            SHARP,
            "north_america-ecog1_2-mvi_ehs_yes",
            ("north_america", "ecog1_2", "mvi_ehs_yes"),
            id="sharp-level-with-underscore",
        ),
    ],
)
def test_strata_columns_hold_each_factors_level(
    protocol: Protocol, stratum: str, levels: tuple[str, ...]
) -> None:
    factors = protocol.stratification
    subject = replace(course(subject_id="007"), stratum=stratum)
    [row] = adsl([subject], study_id="X", arm_labels={}, stratification=factors)
    assert list(row) == list(adsl_columns(factors))
    assert row["STRATUM"] == stratum
    assert tuple(row[f"STRAT{n}R"] for n in range(1, len(levels) + 1)) == levels


def test_a_stratum_the_factors_do_not_define_leaves_the_columns_empty() -> None:
    subject = replace(course(), stratum="ecog0-mvi_ehs_no")
    [row] = adsl([subject], stratification=SHARP.stratification)
    assert (row["STRAT1R"], row["STRAT2R"], row["STRAT3R"]) == (None, None, None)
    assert stratum_levels(SHARP.stratification, "ecog0-mvi_ehs_no") is None


def test_default_is_the_builtin_protocols_factors() -> None:
    [row] = adsl([course()])
    assert (row["STRAT1R"], row["STRAT2R"]) == ("ecog0", "mvi_ehs_yes")
    assert "STRAT3R" not in row
