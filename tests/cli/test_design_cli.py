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
from metsor.errors import InputError, MetsorError

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
    assert text.output.startswith("looks: 0.5, 1\nz: ")


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


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (
            [
                "sample-size",
                "--median-control",
                "10.7",
                "--median-experimental",
                "10.7",
                "--accrual-months",
                "24",
                "--follow-up-months",
                "12",
            ],
            "--hr",
        ),
        (
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
        ),
        (["boundaries", "--looks", "1/3,x"], "--looks"),
        (["boundaries", "--looks", "0.5,0.9"], "--looks"),
        (["boundaries", "--looks", "0.5,1", "--spending", "fixed"], "--spending"),
        (
            [
                "simulate",
                "--n",
                "82",
                "--median-control",
                "10.7",
                "--median-experimental",
                "14",
                "--accrual-months",
                "24",
                "--sims",
                "0",
            ],
            "--sims",
        ),
        (
            [
                "simulate",
                "--n",
                "82",
                "--median-control",
                "10.7",
                "--median-experimental",
                "14",
                "--accrual-months",
                "24",
                "--endpoint",
                "dfs",
            ],
            "--endpoint",
        ),
        (["grid", "no-such-grid.yaml"], "SPEC"),
    ],
)
def test_bad_arguments_raise_input_errors_naming_the_option(args: list[str], option: str) -> None:
    """The command raises; metsor.cli.main.run turns it into a message and exit code 2."""
    result = runner.invoke(app, ["design", *args])
    assert isinstance(result.exception, MetsorError)
    assert result.exception.exit_code == 2
    assert option in str(result.exception)


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
    assert done.stderr.startswith("error: field '--looks': information fractions must increase")
    assert "Traceback" not in done.stderr


def test_parse_looks() -> None:
    assert_allclose(parse_looks("1/3, 2/3, 1"), [1 / 3, 2 / 3, 1.0], rtol=1e-15)
    with pytest.raises(InputError, match="looks"):
        parse_looks("1/0")
