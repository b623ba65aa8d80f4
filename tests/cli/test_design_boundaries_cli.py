"""``metsor design boundaries`` as a table by look: rpact's figures, the table equal to
``--json``, efficacy-only designs with their characteristics, and refusals naming the option."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from numpy.testing import assert_allclose
from typer.testing import CliRunner

from metsor.cli.design_boundaries import TABLE_ROWS
from metsor.cli.main import app

REFERENCE_FILE = Path(__file__).parents[1] / "reference" / "design_table_reference.json"
RTOL = 1e-6
ATOL_Z = 1e-6  # bounds: absolute, as tests/design/test_group_sequential.py
ATOL_PROBABILITY = 1e-8  # rpact's floor on the probabilities it integrates
SHOWN_RTOL = 5e-4  # the table shows four significant digits
SHOWN_ATOL = 5e-5  # or four decimals
runner = CliRunner()

CASES = [
    pytest.param(case, id=case["id"])
    for case in json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))["designs"]
]


def _args(case: dict[str, Any]) -> list[str]:
    args = [
        *("design", "boundaries", "--looks", ",".join(repr(float(x)) for x in case["looks"])),
        *("--alpha", repr(case["alpha"]), "--sides", str(case["sides"])),
        *("--spending", case["spending"], "--beta", repr(case["beta"])),
        *("--events", repr(float(case["events"]))),
        *("--allocation-ratio", repr(float(case["allocation_ratio"]))),
    ]
    if case["beta_spending"] is not None:
        args += ["--beta-spending", case["beta_spending"]]
    return [*args, "--binding-futility"] if case["binding"] else args


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _values(values: list[Any]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


@pytest.mark.parametrize("case", CASES)
def test_boundaries_give_rpacts_table(case: dict[str, Any]) -> None:
    """rpact 3.3.4, tests/reference/design_table.R:
    d <- getDesignGroupSequential(informationRates, alpha, sided, typeOfDesign, beta
    [, typeBetaSpending, bindingFutility]); d$criticalValues, d$stageLevels, d$alphaSpent,
    d$futilityBounds, d$betaSpent; getPowerSurvival(d, maxNumberOfEvents, allocationRatioPlanned,
    directionUpper = FALSE)$criticalValuesEffectScale (two-sided: ...Lower)."""
    out = _json(_args(case))
    assert_allclose(out["z"], case["critical_values"], atol=ATOL_Z)
    assert_allclose(out["efficacy_p_one_sided"], case["stage_levels"], rtol=RTOL)
    assert_allclose(out["cumulative_alpha"], case["alpha_spent"], rtol=RTOL)
    assert_allclose(out["events"], case["events_per_look"], rtol=RTOL)
    assert_allclose(out["hr_efficacy_bound"], case["hr_efficacy_bound"], rtol=RTOL)
    if case["beta_spending"] is None:
        assert "futility" not in out
        assert "hr_futility_bound" not in out
        return
    assert_allclose(_values(out["futility"][:-1]), _values(case["futility_bounds"]), atol=ATOL_Z)
    assert_allclose(out["cumulative_beta"], case["beta_spent"], rtol=RTOL, atol=ATOL_PROBABILITY)
    assert_allclose(
        _values(out["hr_futility_bound"][:-1]), _values(case["hr_futility_bound"]), rtol=RTOL
    )


@pytest.mark.parametrize("case", CASES)
def test_boundaries_give_rpacts_characteristics(case: dict[str, Any]) -> None:
    """rpact 3.3.4: getDesignCharacteristics(d), with or without futility bounds (a design
    without them reaches power 1 - beta by its drift alone)."""
    out = _json(_args(case))
    ref = case["characteristics"]
    assert_allclose(out["drift"] ** 2, ref["shift"], rtol=RTOL)
    assert_allclose(out["inflation_factor"], ref["inflation_factor"], rtol=RTOL)
    assert_allclose(out["information"], ref["information"], rtol=RTOL)
    assert_allclose(out["power"], ref["power"], rtol=RTOL)
    assert_allclose(
        out["rejection_probabilities"], ref["rejection_probabilities"], rtol=RTOL, atol=1e-8
    )
    assert_allclose(
        out["futility_probabilities"],
        _values(ref["futility_probabilities"]),
        rtol=RTOL,
        atol=ATOL_PROBABILITY,
    )
    for look in ("h1", "h01", "h0"):
        assert_allclose(
            out[f"expected_information_{look}"], ref[f"average_sample_number_{look}"], rtol=RTOL
        )


def _table(text: str) -> dict[str, list[str]]:
    """The table's rows by label: the cells of each look."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) > 1:
            rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize("case", CASES)
def test_the_table_shows_the_values_of_json(case: dict[str, Any]) -> None:
    """Each cell is its --json value as shown (four digits); '–' only where --json has none
    or the row is the futility bound at the final look (where it is the efficacy bound)."""
    args = _args(case)
    out = _json(args)
    result = runner.invoke(app, args, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    table = _table(result.stdout)
    shown = [label for key, label, _ in TABLE_ROWS if key in out]
    if case["beta_spending"] is None:
        shown.remove("Futility stop probability under H1")
    assert list(table) == ["", *shown]
    assert table[""] == [f"Look {k + 1}" for k in range(len(case["looks"]))]
    for key, label, _ in TABLE_ROWS:
        if label not in table:
            continue
        values = out[key]
        for look, cell in enumerate(table[label]):
            final_futility = key in ("futility", "futility_p_one_sided") and look == len(values) - 1
            if look >= len(values) or values[look] is None or final_futility:
                assert cell == "–", (label, look)
            else:
                assert float(cell) == pytest.approx(values[look], rel=SHOWN_RTOL, abs=SHOWN_ATOL), (
                    label,
                    look,
                )


def test_an_efficacy_only_design_has_its_characteristics_without_futility() -> None:
    """--beta alone: power, rejections by look and expected information, no futility bounds
    (rpact: getDesignCharacteristics(getDesignGroupSequential(..., beta = 0.2)))."""
    out = _json(["design", "boundaries", "--looks", "1/3,2/3,1", "--beta", "0.2"])
    assert "futility" not in out
    assert "binding_futility" not in out
    assert out["futility_probabilities"] == [0.0, 0.0]
    assert_allclose(out["power"][-1], 0.8, rtol=RTOL)
    text = runner.invoke(app, ["design", "boundaries", "--looks", "1/3,2/3,1", "--beta", "0.2"])
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0] == "Group-sequential design: obf spending, α 0.025 one-sided, power 0.8"
    assert "Futility" not in text.stdout
    assert "Drift η: 2.8195; fixed-design information 7.8489; inflation factor 1.0128" in lines


BASE = ["design", "boundaries", "--looks", "0.5,1"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            ["--events", "-3"], "error: --events must be a positive number, not -3.0", id="events"
        ),
        pytest.param(
            ["--events", "nan"], "error: --events must be a positive number, not nan", id="nan"
        ),
        pytest.param(
            ["--events", "59", "--allocation-ratio", "0"],
            "error: --allocation-ratio must be a positive number, not 0.0",
            id="allocation-ratio",
        ),
        pytest.param(
            ["--beta", "0.99"],
            "error: option --beta: beta must lie in [0.0001, 1 - alpha = 0.975), not 0.99",
            id="beta-alone-beyond-1-alpha",
        ),
        pytest.param(
            ["--beta", "0.2", "--binding-futility"],
            "error: option --binding-futility: binding futility needs --beta and --beta-spending",
            id="binding-without-beta-spending",
        ),
        pytest.param(
            ["--looks", "0.5,0.4,1"],
            "error: option --looks: information fractions must increase",
            id="looks",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_option(extra: list[str], message: str) -> None:
    result = runner.invoke(app, [*BASE, *extra])
    assert result.exit_code == 2, result.output
    assert result.stderr == message + "\n"
    assert result.stdout == ""
