"""metsor.analysis on ADTTE/ADRS rows: the same figures as on arrays, and each bad value named
by its row and column."""

from __future__ import annotations

from typing import Any

import pytest

from metsor.analysis import analyse_adrs, analyse_adtte, analyse_trial, compare_survival
from metsor.errors import InputError


def _adtte(case: dict[str, Any], param: str = "OS") -> list[dict[str, Any]]:
    data = case["data"]
    strata = data.get("strata", ["all"] * len(data["time"]))
    return [
        {"PARAMCD": param, "PARAM": f"{param} label (months)", "AVAL": str(t),
         "CNSR": str(1 - s), "ARMCD": g, "STRATUM": st}
        for t, s, g, st in zip(data["time"], data["status"], data["group"], strata, strict=True)
    ]  # fmt: skip


def test_adtte_rows_give_the_array_figures(reference: dict[str, Any]) -> None:
    case = reference["cases"]["veteran"]
    rows = _adtte(case)
    from_rows = analyse_adtte(rows, "OS", reference="standard", experimental="test", tau=365)
    data = case["data"]
    direct = compare_survival(data["time"], data["status"], data["group"], reference="standard",
                              experimental="test", strata=data["strata"], tau=365)  # fmt: skip
    assert from_rows.logrank == direct.logrank
    assert from_rows.hazard_ratio == direct.hazard_ratio
    assert from_rows.rmst_difference == direct.rmst_difference


def test_a_trial_is_every_parameter_present(reference: dict[str, Any]) -> None:
    case = reference["cases"]["ties"]
    adtte = _adtte(case, "OS") + _adtte(case, "PFS")
    adrs = [{"PARAMCD": "ORR_MRECIST", "AVAL": i % 2, "ARMCD": g}
            for i, g in enumerate(case["data"]["group"])]  # fmt: skip
    result = analyse_trial(adtte, adrs, reference="control", experimental="metformin")
    assert list(result.endpoints) == ["OS", "PFS"]
    assert list(result.responses) == ["ORR_MRECIST"]
    assert result.labels["OS"] == "OS label"
    assert result.responses["ORR_MRECIST"].criterion == "mRECIST"


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        pytest.param("AVAL", "soon", r"row 2: AVAL must be a number, not 'soon'", id="aval-text"),
        pytest.param("AVAL", "-1", r"row 2: AVAL must be >= 0", id="aval-negative"),
        pytest.param("CNSR", "2", r"row 2: CNSR must be 0 or 1", id="cnsr"),
        pytest.param("ARMCD", "", r"row 2: ARMCD is empty", id="arm-empty"),
    ],
)
def test_a_bad_value_is_named_by_row_and_column(column: str, value: str, match: str) -> None:
    rows = [
        {"PARAMCD": "OS", "AVAL": "1", "CNSR": "0", "ARMCD": "a", "STRATUM": "s"},
        {"PARAMCD": "OS", "AVAL": "2", "CNSR": "1", "ARMCD": "b", "STRATUM": "s"},
    ]
    rows[1][column] = value
    with pytest.raises(InputError, match=match):
        analyse_adtte(rows, "OS", reference="a", experimental="b")


def test_a_missing_parameter_is_named() -> None:
    with pytest.raises(InputError, match="ADRS has no rows of parameter ORR_RECIST"):
        analyse_adrs([], "ORR_RECIST", reference="a", experimental="b")
