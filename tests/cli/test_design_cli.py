"""``metsor design``: JSON and text output, exit codes, and errors that name the option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from numpy.testing import assert_allclose
from typer.testing import CliRunner

from metsor.cli.design import parse_looks
from metsor.cli.main import app
from metsor.errors import InputError

RTOL = 1e-6
runner = CliRunner()


def _run_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["design", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output)
    return data


def test_sample_size_anchor() -> None:
    """rpact 3.3.4: 193.94 events, N 277.63 (Schoenfeld, 16 vs 10.7, accrual 24 + 12)."""
    out = _run_json(
        "sample-size",
        "--median-control",
        "10.7",
        "--median-experimental",
        "16",
        "--alpha",
        "0.05",
        "--sides",
        "2",
        "--power",
        "0.8",
        "--accrual-months",
        "24",
        "--follow-up-months",
        "12",
    )
    assert set(out) == {"events", "events_ceil", "n", "n_ceil", "hr", "analysis_time"}
    assert_allclose([out["events"], out["n"]], [193.94138, 277.62843], rtol=RTOL)
    assert (out["events_ceil"], out["n_ceil"]) == (194, 278)


def test_sample_size_by_hazard_ratio_and_freedman() -> None:
    out = _run_json(
        "sample-size",
        "--median-control",
        "10.7",
        "--hr",
        "0.66875",
        "--accrual-months",
        "24",
        "--follow-up-months",
        "12",
        "--method",
        "freedman",
    )
    assert_allclose([out["events"], out["n"]], [199.19501, 285.14904], rtol=RTOL)


def test_power_metsor() -> None:
    out = _run_json(
        "power",
        "--n",
        "82",
        "--median-control",
        "10.7",
        "--median-experimental",
        "14",
        "--accrual-months",
        "24",
        "--follow-up-months",
        "12",
    )
    assert_allclose([out["power"], out["expected_events"]], [0.1786393, 59.19672], rtol=1e-5)


def test_boundaries_anchor_and_text_output() -> None:
    out = _run_json("boundaries", "--looks", "1/3,2/3,1", "--alpha", "0.025", "--spending", "obf")
    assert_allclose(out["z"], [3.71030, 2.51143, 1.99305], atol=5e-6)
    assert_allclose(out["cumulative_alpha"], [0.000104, 0.006048, 0.025], atol=5e-7)
    assert "nominal_p" in out
    text = runner.invoke(app, ["design", "boundaries", "--looks", "0.5,1"])
    assert text.exit_code == 0
    assert text.output.startswith("Group-sequential design: obf spending, α 0.025 one-sided\n")


def test_boundaries_with_futility() -> None:
    out = _run_json("boundaries", "--looks", "1/3,2/3,1", "--beta", "0.2", "--beta-spending", "obf")
    assert_allclose(out["futility"], [-0.2361446, 1.1703720, 1.993047], atol=1e-5)


def test_simulate_reports_power_and_looks() -> None:
    args = (
        *("simulate", "--n", "82", "--median-control", "10.7", "--median-experimental", "14"),
        *("--accrual-months", "24", "--follow-up-months", "12", "--looks", "1/2,1"),
        *("--sims", "5000", "--seed", "3"),
    )
    out = _run_json(*args)
    assert {"power", "mc_se", "expected_events", "reject_by_look"} <= set(out)
    assert len(out["reject_by_look"]) == 2  # type: ignore[arg-type]
    assert_allclose(sum(out["reject_by_look"]), out["power"], rtol=1e-12)  # type: ignore[arg-type]
    again = _run_json(*args)
    assert again == out


@pytest.mark.parametrize(
    ("timing", "reported"),
    [
        pytest.param([], True, id="time-driven"),
        pytest.param(["--events", "59"], False, id="event-driven"),
    ],
)
def test_simulate_reports_the_interims_the_end_of_follow_up_came_before(
    timing: list[str], reported: bool
) -> None:
    """A time-driven design says how often its end of follow-up came before an interim
    look's events (the analysis then final) and at what bound; an event-driven one has no
    such look."""
    out = _run_json(
        *("simulate", "--n", "82", "--median-control", "10.7", "--median-experimental", "14"),
        *("--accrual-months", "24", "--looks", "0.5,0.95,1", "--alpha", "0.025", "--sides", "1"),
        *("--sims", "1000", "--seed", "3", *timing),
    )
    assert ("early_final_by_look" in out) == reported
    if reported:
        early = out["early_final_by_look"]
        assert isinstance(early, list)
        assert len(early) == 2
        assert early[1] > 0
        bounds = out["early_final_bounds"]
        assert isinstance(bounds, list)
        assert bounds[0] == pytest.approx(1.959964, abs=1e-6)  # the fixed test's bound
        assert bounds[1] < out["critical_values"][-1]  # type: ignore[index]


def test_simulate_under_the_null_reports_type_i_error() -> None:
    out = _run_json(
        "simulate",
        "--n",
        "82",
        "--median-control",
        "10.7",
        "--median-experimental",
        "10.7",
        "--accrual-months",
        "24",
        "--sims",
        "3000",
    )
    assert out["type_i_error"] == out["power"]


def test_grid_in_one_process(tmp_path: Path) -> None:
    spec = tmp_path / "grid.yaml"
    spec.write_text(
        "base: {n: 82, median_control: 10.7, median_experimental: 14, accrual_months: 24}\n"
        "grid: {n: [60, 82]}\nsims: 2000\nseed: 1\n",
        encoding="utf-8",
    )
    out = _run_json("grid", str(spec))
    rows = out["rows"]
    assert [r["n"] for r in rows] == [60, 82]  # type: ignore[attr-defined]
    assert all(0 <= r["power"] <= 1 for r in rows)  # type: ignore[attr-defined]


def test_grid_reports_the_interims_the_end_of_follow_up_came_before(tmp_path: Path) -> None:
    """Time-driven scenarios with an interim late in the events: each row says how often the
    end of follow-up came first (as metsor design simulate does)."""
    spec = tmp_path / "grid.yaml"
    spec.write_text(
        "base: {n: 82, median_control: 10.7, median_experimental: 14, accrual_months: 24,\n"
        "       looks: [0.5, 0.95, 1], alpha: 0.025, sides: 1}\n"
        "grid: {n: [60, 82]}\nsims: 1000\nseed: 1\n",
        encoding="utf-8",
    )
    rows = _run_json("grid", str(spec))["rows"]
    assert isinstance(rows, list)
    for row in rows:
        assert row["early_final_by_look"][0] == 0.0
        assert 0.0 < row["early_final_by_look"][1] < 1.0


SAMPLE_SIZE = ["sample-size", "--median-control", "10.7", "--accrual-months", "24"]
SIMULATE = ["simulate", "--n", "82", "--median-control", "10.7", "--median-experimental", "14"]
SIMULATE += ["--accrual-months", "24", "--sims", "100"]
TWENTY_ONE_LOOKS = ",".join(f"{k}/21" for k in range(1, 22))
TWO_HUNDRED_LOOKS = ",".join(f"{k}/200" for k in range(1, 201))


def _options(args: list[str], **values: str) -> list[str]:
    """``args`` with each ``--option value`` of ``values`` (underscores for dashes) set."""
    out = list(args)
    for key, value in values.items():
        option = "--" + key.replace("_", "-")
        if option in out:
            out[out.index(option) + 1] = value
        else:
            out += [option, value]
    return out


@pytest.mark.parametrize(
    ("args", "option"),
    [
        pytest.param(
            _options(SAMPLE_SIZE, median_experimental="10.7", follow_up_months="12"),
            "--hr",
            id="sample-size-no-effect",
        ),
        pytest.param(
            _options(SAMPLE_SIZE, hr="0.7", follow_up_months="1e20"),
            "--follow-up-months",
            id="sample-size-follow-up-1e20",
        ),
        pytest.param(
            _options(SAMPLE_SIZE, hr="0.7", follow_up_months="nan"),
            "--follow-up-months",
            id="sample-size-follow-up-nan",
        ),
        pytest.param(
            _options(SAMPLE_SIZE, hr="0.7", follow_up_months="12", accrual_months="1e-300"),
            "--accrual-months",
            id="sample-size-subnormal-accrual",
        ),
        pytest.param(
            _options(SAMPLE_SIZE, hr="0.7", follow_up_months="12", alpha="0.9"),
            "--alpha",
            id="sample-size-alpha-0.9",
        ),
        pytest.param(
            _options(SAMPLE_SIZE, hr="0.7", follow_up_months="12", power="0.99999"),
            "--power",
            id="sample-size-power-beyond-rpact",
        ),
        pytest.param(
            _options(SAMPLE_SIZE, median_control="1e-310", hr="0.7", follow_up_months="12"),
            "--median-control",
            id="sample-size-subnormal-median",
        ),
        pytest.param(
            [
                "power",
                "--n",
                "82",
                "--median-control",
                "10.7",
                "--median-experimental",
                "14",
                "--accrual-months",
                "24",
                "--follow-up-months",
                "12",
                "--sides",
                "3",
            ],
            "--sides",
            id="power-three-sides",
        ),
        pytest.param(["boundaries", "--looks", "1/3,x"], "--looks", id="looks-not-numbers"),
        pytest.param(["boundaries", "--looks", "0.5,0.9"], "--looks", id="looks-end-before-1"),
        pytest.param(["boundaries", "--looks", TWENTY_ONE_LOOKS], "--looks", id="twenty-one-looks"),
        pytest.param(
            ["boundaries", "--looks", TWO_HUNDRED_LOOKS], "--looks", id="two-hundred-looks"
        ),
        pytest.param(
            ["boundaries", "--looks", "0.5,1", "--alpha", "0.9"], "--alpha", id="alpha-0.9"
        ),
        pytest.param(
            ["boundaries", "--looks", "0.5,1", "--alpha", "1e-7"], "--alpha", id="alpha-tiny"
        ),
        pytest.param(
            ["boundaries", "--looks", "0.5,1", "--beta", "0.99", "--beta-spending", "obf"],
            "--beta",
            id="beta-beyond-1-alpha",
        ),
        pytest.param(
            ["boundaries", "--looks", "0.5,1", "--spending", "hsd", "--gamma", "20"],
            "--gamma",
            id="gamma-beyond-rpact",
        ),
        pytest.param(
            ["boundaries", "--looks", "0.5,1", "--spending", "fixed"],
            "--spending",
            id="unknown-spending",
        ),
        pytest.param(_options(SIMULATE, sims="0"), "--sims", id="simulate-no-trials"),
        pytest.param(_options(SIMULATE, sims="100000000"), "--sims", id="simulate-too-many-trials"),
        pytest.param(_options(SIMULATE, n="1000000"), "--n", id="simulate-too-many-patients"),
        pytest.param(_options(SIMULATE, endpoint="dfs"), "--endpoint", id="simulate-endpoint"),
        pytest.param(
            _options(SIMULATE, median_control="1e-310"),
            "--median-control",
            id="simulate-subnormal-median-control",
        ),
        pytest.param(
            _options(SIMULATE, median_experimental="5e-324"),
            "--median-experimental",
            id="simulate-subnormal-median-experimental",
        ),
        pytest.param(
            _options(SIMULATE, accrual_months="1e-310", follow_up_months="1e-310"),
            "--accrual-months",
            id="simulate-subnormal-accrual-and-follow-up",
        ),
        pytest.param(
            _options(SIMULATE, follow_up_months="1e300"),
            "--follow-up-months",
            id="simulate-huge-follow-up",
        ),
        pytest.param(
            _options(SIMULATE, allocation_ratio="1e300"),
            "--allocation-ratio",
            id="simulate-ratio-empties-an-arm",
        ),
        pytest.param(["grid", "no-such-grid.yaml"], "SPEC", id="grid-no-file"),
    ],
)
def test_bad_arguments_exit_2_naming_the_option(args: list[str], option: str) -> None:
    result = runner.invoke(app, ["design", *args])
    assert result.exit_code == 2, result.output
    assert option in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param(
            "base: {n: 82, median_control: ten, median_experimental: 14, accrual_months: 24}\n",
            "median_control",
            id="text-for-a-median",
        ),
        pytest.param(
            "base: {n: 82, median_control: 10, median_experimental: 14, accrual_months: 24}\n"
            "grid: {n: [82, x]}\n",
            "'n'",
            id="text-for-n-in-the-grid",
        ),
        pytest.param(
            "base: {n: 8.5, median_control: 10, median_experimental: 14, accrual_months: 24}\n",
            "'n'",
            id="fraction-for-n",
        ),
        pytest.param(
            "base: {n: 82, median_control: 10, median_experimental: 14, accrual_months: 24,"
            " looks: [a, 1]}\n",
            "base.looks",
            id="text-for-a-look",
        ),
        pytest.param(
            "base: {n: 82, median_control: 10, median_experimental: 14, accrual_months: 24}\n"
            "sims: true\n",
            "sims",
            id="boolean-sims",
        ),
        pytest.param(
            "base: {n: 82, median_control: 10, median_experimental: 14, accrual_months: 24}\n"
            "seed: -1\n",
            "seed",
            id="negative-seed",
        ),
        pytest.param(
            "base: {n: 82, median_control: 10, median_experimental: 14, accrual_months: 24}\n"
            "grid: {n: [" + ", ".join(str(10 + k) for k in range(100)) + "],"
            " median_experimental: [" + ", ".join(str(11 + k) for k in range(1000)) + "]}\n",
            "'grid'",
            id="a-hundred-thousand-scenarios",
        ),
    ],
)
def test_bad_grid_exits_2_naming_the_key(tmp_path: Path, text: str, field: str) -> None:
    spec = tmp_path / "grid.yaml"
    spec.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["design", "grid", str(spec)])
    assert result.exit_code == 2, result.output
    assert field in result.stderr
    assert "Traceback" not in result.output


def test_a_long_follow_up_never_needs_fewer_patients_than_events() -> None:
    """Once n fell below the events (and then divided by 0) as the follow-up grew: at 100
    years every patient has had the event, and n equals the events."""
    out = _run_json(*_options(SAMPLE_SIZE, hr="0.7", follow_up_months="1200"))
    assert out["n"] >= out["events"]  # type: ignore[operator]
    assert_allclose(out["n"], out["events"], rtol=1e-9)


def test_demo_refuses_a_negative_seed(tmp_path: Path) -> None:
    """Before anything is screened or created (numpy's seeds are ≥ 0)."""
    result = runner.invoke(app, ["demo", "--seed", "-1", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 2, result.output
    assert "--seed" in result.stderr
    assert not (tmp_path / "demo").exists()


def test_bad_argument_exits_2_from_the_command_line() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from metsor.cli.main import run; run()",
            "design",
            "boundaries",
            "--looks",
            "0.5,0.4,1",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: option --looks: information fractions must increase")
    assert "Traceback" not in done.stderr


def test_parse_looks() -> None:
    assert_allclose(parse_looks("1/3, 2/3, 1"), [1 / 3, 2 / 3, 1.0], rtol=1e-15)
    with pytest.raises(InputError, match="looks"):
        parse_looks("1/0")
