"""``metsor design interim``: JSON and text output, exit codes, errors that name the option."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from numpy.testing import assert_allclose
from typer.testing import CliRunner

from metsor.cli.main import app

RTOL = 1e-6
runner = CliRunner()
ISSUE_EXAMPLE = (
    "--looks",
    "1/3,2/3,1",
    "--alpha",
    "0.025",
    "--spending",
    "obf",
    "--planned-events",
    "59",
    "--events",
    "20,41",
    "--z",
    "0.8,2.1",
    "--hr-alternative",
    "0.76",
)


def _run_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["design", "interim", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_json_of_the_issue_example() -> None:
    """rpact 3.3.4, as tests/reference/interim.R case obf-3-looks-second, one-sided::

    getAnalysisResults(getDesignGroupSequential(informationRates = c(20/59, 41/59, 1),
        alpha = 0.025, sided = 1, typeOfDesign = "asOF"), getDataset(overallEvents = c(20, 41),
        overallLogRanks = c(-0.8, -2.1)), directionUpper = FALSE, nPlanned = 18,
        thetaH1 = 0.76, tolerance = 1e-13)
    """
    out = _run_json(*ISSUE_EXAMPLE)
    for key in (
        "information_rates",
        "critical_z",
        "decision",
        "conditional_power",
        "rci_lower",
        "rci_upper",
        "repeated_p_value",
    ):
        assert key in out
    assert len(out["information_rates"]) == len(out["critical_z"]) == 3
    for key in ("decision", "conditional_power", "rci_lower", "rci_upper", "repeated_p_value"):
        assert len(out[key]) == 2
    assert_allclose(out["information_rates"], [20 / 59, 41 / 59, 1.0], rtol=1e-12)
    assert_allclose(out["critical_z"], [3.676462, 2.450633, 1.999011], atol=1e-6)
    assert out["decision"] == ["continue", "continue"]
    assert_allclose(out["conditional_power"], [0.15524082, 0.55267298], rtol=RTOL)
    assert_allclose(out["rci_lower"], [0.13507369, 0.24138091], rtol=RTOL)
    assert out["status"] == "interim"
    assert "futility_z" not in out


def test_final_look_has_no_conditional_power() -> None:
    args = list(ISSUE_EXAMPLE)
    args[args.index("--events") + 1] = "20,41,59"
    args[args.index("--z") + 1] = "0.8,2.1,2.2"
    out = _run_json(*args)
    assert out["conditional_power"][2] is None
    assert out["decision"] == ["continue", "continue", "reject"]
    assert out["status"] == "final"


def test_futility_reported_one_and_two_sided_binding_or_not() -> None:
    """rpact 3.3.4, as tests/reference/interim.R: one-sided futility (z < a) and a two-sided
    design's futility wedge (|z| < a), non-binding and binding."""
    out = _run_json(*ISSUE_EXAMPLE, "--beta", "0.2", "--beta-spending", "obf")
    assert len(out["futility_z"]) == 3
    assert out["futility_crossed"] == [False, False]
    two = list(ISSUE_EXAMPLE)
    two[two.index("--alpha") + 1] = "0.05"
    two[two.index("--z") + 1] = "0.3,0.5"
    loose = _run_json(*two, "--sides", "2", "--beta", "0.2", "--beta-spending", "obf")
    bound = _run_json(
        *two, "--sides", "2", "--beta", "0.2", "--beta-spending", "obf", "--binding-futility"
    )
    assert loose["futility_z"][0] is None  # no wedge at the first look (rpact: NA)
    assert loose["futility_z"][1] > 0.5
    assert loose["futility_crossed"] == [False, True]
    assert bound["critical_z"][2] < loose["critical_z"][2]
    assert bound["critical_z"][0] == pytest.approx(loose["critical_z"][0], abs=1e-12)


def names_option(output: str, option: str) -> bool:
    """Whether the refusal names the command's option (not the service's parameter)."""
    return re.search(rf"^error: .*(?<![\w-]){re.escape(option)}(?![\w-])", output) is not None


@pytest.mark.parametrize(
    ("extra", "option"),
    [
        pytest.param(
            ["--sides", "2", "--beta-spending", "obf"], "--beta", id="beta-spending-alone"
        ),
        pytest.param(["--binding-futility"], "--binding-futility", id="binding-without-beta"),
    ],
)
def test_incomplete_futility_exits_2_naming_the_option(extra: list[str], option: str) -> None:
    result = runner.invoke(app, ["design", "interim", *ISSUE_EXAMPLE, *extra])
    assert result.exit_code == 2
    assert names_option(result.output, option)
    assert "Traceback" not in result.output


def test_text_table() -> None:
    result = runner.invoke(app, ["design", "interim", *ISSUE_EXAMPLE])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "status: interim (final look at 59 events; 1-sided alpha 0.025, obf)"
    assert lines[1].split()[:4] == ["look", "rate", "events", "bound"]
    assert lines[2].split()[:4] == ["1", "0.339", "20", "3.6765"]
    assert "continue" in lines[3]
    assert lines[4].endswith("(planned)")


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        pytest.param("--events", "20,x", "cannot read", id="events-not-numbers"),
        pytest.param("--events", "41,20", "increase", id="events-decrease"),
        pytest.param("--z", "0.8", "one z per look", id="z-count"),
        pytest.param("--z", "0.8,inf", "finite", id="z-infinite"),
        pytest.param("--looks", "1/3,2/3", "end at 1", id="looks"),
        pytest.param("--planned-events", "-59", "positive", id="planned-events"),
        pytest.param("--hr-alternative", "0", "positive", id="hr-alternative"),
        pytest.param("--spending", "linear", "spending", id="spending"),
        pytest.param("--sides", "3", "sides", id="sides"),
        pytest.param("--information-epsilon", "-1", "must lie in [0", id="epsilon"),
    ],
)
def test_bad_input_exits_2_naming_the_option(option: str, value: str, words: str) -> None:
    args = list(ISSUE_EXAMPLE)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    result = runner.invoke(app, ["design", "interim", *args])
    assert result.exit_code == 2
    assert names_option(result.output, option)
    assert words in result.output
    assert "Traceback" not in result.output
