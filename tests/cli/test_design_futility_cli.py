"""``metsor design`` with futility bounds: boundaries with characteristics, simulate with
futility stops, and refusals that name the options the user typed."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from numpy.testing import assert_allclose
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.design.boundaries import group_sequential_design
from metsor.design.interim import interim_analysis
from metsor.design.sample_size import sample_size
from metsor.design.simulate import Scenario, simulate
from metsor.errors import InputError

REFERENCE_FILE = Path(__file__).parents[1] / "reference" / "group_sequential_reference.json"
ATOL_Z = 1e-6  # bounds: absolute, as tests/design/test_group_sequential.py
RTOL = 1e-6
ATOL_PROBABILITY = 1e-8  # rpact's floor on probabilities it integrates (see that module)
runner = CliRunner()

FUTILITY_DESIGNS = [
    pytest.param(case, id=case["id"])
    for case in json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))["designs"]
    if case["beta_spending"] is not None and case["beta_adjustment"]
]


def _run_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["design", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _values(values: Any) -> list[float]:
    listed = values if isinstance(values, list) else [values]
    return [math.nan if v is None else float(v) for v in listed]


def _boundaries_args(case: dict[str, Any]) -> list[str]:
    args = [
        *("boundaries", "--looks", ",".join(repr(float(x)) for x in case["looks"])),
        *("--alpha", repr(case["alpha"]), "--sides", str(case["sides"])),
        *("--spending", case["spending"], "--gamma", repr(float(case["gamma"]))),
        *("--beta", repr(case["beta"]), "--beta-spending", case["beta_spending"]),
        *("--beta-gamma", repr(float(case["beta_gamma"]))),
    ]
    return [*args, "--binding-futility"] if case["binding"] else args


@pytest.mark.parametrize("case", FUTILITY_DESIGNS)
def test_boundaries_give_rpacts_design_and_characteristics(case: dict[str, Any]) -> None:
    """rpact: getDesignGroupSequential(..., typeBetaSpending, bindingFutility) and
    getDesignCharacteristics(design), as tests/reference/group_sequential.R writes them."""
    out = _run_json(*_boundaries_args(case))
    assert out["binding_futility"] == case["binding"]
    assert_allclose(out["z"], case["critical_values"], atol=ATOL_Z)
    futility = [math.nan if a is None else a for a in out["futility"][:-1]]
    assert_allclose(futility, _values(case["futility_bounds"])[:-1], atol=ATOL_Z)
    ref = case["characteristics"]
    assert_allclose(out["drift"] ** 2, ref["shift"], rtol=RTOL)
    assert_allclose(out["inflation_factor"], ref["inflation_factor"], rtol=RTOL)
    assert_allclose(out["information"], _values(ref["information"]), rtol=RTOL)
    assert_allclose(out["power"], _values(ref["power"]), rtol=RTOL)
    for ours, theirs in (
        ("rejection_probabilities", "rejection_probabilities"),
        ("futility_probabilities", "futility_probabilities"),
    ):
        assert_allclose(out[ours], _values(ref[theirs]), rtol=RTOL, atol=ATOL_PROBABILITY)
    for look in ("h1", "h01", "h0"):
        assert_allclose(
            out[f"expected_information_{look}"], ref[f"average_sample_number_{look}"], rtol=RTOL
        )


def test_boundaries_text_shows_the_characteristics() -> None:
    result = runner.invoke(
        app,
        ["design", "boundaries", "--looks", "1/3,2/3,1", "--beta", "0.2", "--beta-spending", "obf"],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Group-sequential design: obf spending, α 0.025 one-sided, power 0.8"
    assert "Futility bounds: non-binding" in lines
    assert "Drift η: 2.9441; fixed-design information 7.8489; inflation factor 1.1043" in lines
    assert "Expected information / fixed design: H1 0.8752, H01 0.8341, H0 0.6274" in lines


def test_boundaries_without_beta_have_no_characteristics() -> None:
    out = _run_json("boundaries", "--looks", "0.5,1")
    assert set(out) == {"looks", "z", "cumulative_alpha", "nominal_p", "efficacy_p_one_sided"}


SIMULATE = [
    *("simulate", "--n", "300", "--median-control", "10.7", "--median-experimental", "15"),
    *("--accrual-months", "24", "--events", "150", "--looks", "1/3,2/3,1"),
    *("--alpha", "0.025", "--sides", "1", "--sims", "5000", "--seed", "7"),
    *("--beta", "0.2", "--beta-spending", "obf"),
]


def test_simulate_reports_futility_stops() -> None:
    out = _run_json(*SIMULATE)
    assert len(out["futility_bounds"]) == 2
    assert len(out["futility_by_look"]) == 2
    assert out["binding_futility"] is False
    assert_allclose(sum(out["futility_by_look"]), out["futility_stop"], rtol=1e-12)
    early = [
        r + f for r, f in zip(out["reject_by_look"][:-1], out["futility_by_look"], strict=True)
    ]
    assert_allclose(out["early_stop"], early, rtol=1e-12)
    assert_allclose(
        out["power_futility_ignored"] - out["power"], out["power_lost_to_futility"], atol=1e-12
    )
    assert out["power_lost_to_futility"] > 0
    bound = _run_json(*SIMULATE, "--binding-futility")
    assert bound["binding_futility"] is True
    assert "power_futility_ignored" not in bound
    assert bound["critical_values"][2] < out["critical_values"][2]


def test_simulate_without_futility_reports_none() -> None:
    out = _run_json(*SIMULATE[: SIMULATE.index("--beta")])
    assert "futility_by_look" not in out


def test_simulate_two_sided_look_without_a_wedge_is_null_in_json() -> None:
    """A two-sided look without a futility wedge (rpact: NA) is null, not -Infinity."""
    args = list(SIMULATE)
    args[args.index("--sides") + 1] = "2"
    args[args.index("--alpha") + 1] = "0.05"
    out = _run_json(*args)
    assert out["futility_bounds"][0] is None
    assert out["futility_by_look"][0] == 0.0


INCOMPLETE = "error: --beta-spending needs --beta, the type-II error its futility bounds spend"
BINDING_ALONE = (
    "error: option --binding-futility: binding futility needs --beta and --beta-spending"
)
BINDING_CLASSICAL = (
    "error: option --binding-futility: binding futility needs an alpha-spending family: "
    "--spending obf, pocock or hsd, not 'classical-obf'"
)
COMMANDS = {
    "boundaries": ["boundaries", "--looks", "0.5,1"],
    "interim": [
        *("interim", "--looks", "0.5,1", "--planned-events", "59", "--events", "20"),
        *("--z", "1.0", "--hr-alternative", "0.7"),
    ],
    "simulate": [
        *("simulate", "--n", "82", "--median-control", "10.7", "--median-experimental", "14"),
        *("--accrual-months", "24", "--looks", "0.5,1", "--sims", "10", "--alpha", "0.025"),
    ],
}
REFUSALS = [
    pytest.param(["--beta-spending", "obf"], INCOMPLETE, id="beta-spending-alone"),
    pytest.param(
        ["--beta", "0.99"],
        "error: option --beta: beta must lie in [0.0001, 1 - alpha = 0.975), not 0.99",
        id="beta-alone-beyond-1-alpha",
    ),
    pytest.param(
        ["--beta", "0.2", "--binding-futility"], BINDING_ALONE, id="binding-with-beta-alone"
    ),
    pytest.param(["--binding-futility"], BINDING_ALONE, id="binding-alone"),
    pytest.param(
        [
            *("--spending", "classical-obf", "--beta", "0.2", "--beta-spending", "obf"),
            "--binding-futility",
        ],
        BINDING_CLASSICAL,
        id="binding-classical",
    ),
]


REFUSED = [
    pytest.param(command, *refusal.values, id=f"{command}-{refusal.id}")
    for command in COMMANDS
    for refusal in REFUSALS
]
"""Every command with every refusal: the three share their design options and the rule."""


@pytest.mark.parametrize(("command", "extra", "message"), REFUSED)
def test_futility_refusals_name_the_options(command: str, extra: list[str], message: str) -> None:
    """The message names --beta and --beta-spending as typed, not the Python parameters."""
    result = runner.invoke(app, ["design", *COMMANDS[command], *extra])
    assert result.exit_code == 2, result.output
    assert result.stderr == message + "\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("interim", id="interim"),
        pytest.param("simulate", id="simulate"),
    ],
)
def test_beta_alone_is_the_efficacy_only_design(command: str) -> None:
    """--beta without --beta-spending, as rpact's getDesignGroupSequential(beta = 0.2) without
    typeBetaSpending: accepted, with the efficacy-only design's bounds and no futility."""
    without = _run_json(*COMMANDS[command])
    alone = _run_json(*COMMANDS[command], "--beta", "0.2")
    assert alone == without
    assert not {"futility_z", "futility_bounds"} & alone.keys()


def test_beta_alone_gives_the_same_bounds_in_every_command() -> None:
    """The efficacy bound at 0.5 of the events: boundaries, interim and simulate agree."""
    bounds = _run_json(*COMMANDS["boundaries"], "--beta", "0.2")
    args = list(COMMANDS["interim"])
    args[args.index("--events") + 1] = "29.5"  # half the planned 59 events: the planned look
    interim = _run_json(*args, "--beta", "0.2")
    assert_allclose(interim["critical_z"], bounds["z"], rtol=1e-12)
    assert bounds["power"][-1] == pytest.approx(0.8, abs=1e-9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            [
                *("sample-size", "--median-control", "10.7", "--accrual-months", "24"),
                *("--follow-up-months", "12"),
            ],
            "error: give --median-experimental or --hr",
            id="sample-size-without-effect",
        ),
        pytest.param(
            [*COMMANDS["interim"], "--information-epsilon", "100"],
            "error: --information-epsilon must lie in [0, --planned-events)",
            id="interim-epsilon",
        ),
    ],
)
def test_other_parameters_named_in_a_refusal_are_options(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["design", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr == message + "\n"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: group_sequential_design([0.5, 1.0], beta_spending="obf"),
            "'beta_spending' needs 'beta', the type-II error its futility bounds spend",
            id="beta-spending-alone",
        ),
        pytest.param(
            lambda: group_sequential_design([0.5, 1.0], binding_futility=True),
            "field 'binding_futility': binding futility needs 'beta' and 'beta_spending'",
            id="binding-alone",
        ),
        pytest.param(
            lambda: sample_size(median_control=10.7, accrual_months=24, follow_up_months=12),
            "give 'median_experimental' or 'hr'",
            id="sample-size-without-effect",
        ),
        pytest.param(
            lambda: interim_analysis(
                [0.5, 1.0],
                planned_events=59,
                events=[20],
                z=[1.0],
                hr_alternative=0.7,
                information_epsilon=100,
            ),
            "field 'information_epsilon': information_epsilon must lie in [0, 'planned_events')",
            id="interim-epsilon",
        ),
    ],
)
def test_python_callers_read_the_parameters_they_typed(call: Any, message: str) -> None:
    """The same refusals from Python name the parameters, quoted as Python quotes them."""
    with pytest.raises(InputError) as info:
        call()
    assert str(info.value) == message


def test_grid_reports_futility_stops(tmp_path: Path) -> None:
    """A grid crosses futility fields as any other; its rows are simulate's results."""
    spec = tmp_path / "grid.yaml"
    spec.write_text(
        "base: {n: 82, median_control: 10.7, median_experimental: 14, accrual_months: 24,\n"
        "       events: 59, looks: [0.5, 1.0], alpha: 0.025, sides: 1, beta: 0.2,\n"
        "       beta_spending: obf}\n"
        "grid: {binding_futility: [false, true]}\nsims: 3000\nseed: 1\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["design", "grid", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    for row in rows:
        alone = simulate(
            Scenario(
                n=82,
                median_control=10.7,
                median_experimental=14.0,
                accrual_months=24.0,
                events=59,
                looks=(0.5, 1.0),
                alpha=0.025,
                sides=1,
                beta=0.2,
                beta_spending="obf",
                binding_futility=row["binding_futility"],
            ),
            sims=3000,
            seed=1,
        )
        assert row["futility_by_look"] == list(alone.futility_by_look)
        assert row["futility_stop"] == alone.futility_stop
        assert row["power"] == alone.power
