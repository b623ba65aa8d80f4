"""``metsor analyze``: figures from a CSV file, checked against R survival 3.5-3 and R 4.2
(``tests/reference/survival.R``); bad input gives a message naming the fault and exit code 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from numpy.testing import assert_allclose
from typer.testing import CliRunner

from metsor.cli.main import app

RTOL = 1e-6
REFERENCE = json.loads(
    (Path(__file__).parents[1] / "reference" / "survival_reference.json").read_text("utf-8")
)
runner = CliRunner()


@pytest.fixture(scope="module")
def veteran_adtte(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """R's veteran data as an ADTTE-shaped file: OS rows (CNSR = 1 - status) and PFS rows."""
    d = REFERENCE["cases"]["veteran"]["data"]
    path = tmp_path_factory.mktemp("analyze") / "adtte.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["USUBJID", "PARAMCD", "AVAL", "CNSR", "EVENT", "ARM", "CELLTYPE"])
        rows = zip(d["time"], d["status"], d["group"], d["strata"], strict=True)
        for i, (time, status, arm, cell) in enumerate(rows):
            out.writerow([f"V{i:03d}", "OS", time, 1 - status, status, arm, cell])
            out.writerow([f"V{i:03d}", "PFS", time / 2, 1 - status, status, arm, cell])
    return path


def _one(value: Any) -> float:
    """R's length-1 vectors are written as scalars."""
    return float(value[0] if isinstance(value, list) else value)


def run_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["analyze", *args, "--json"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def test_survival_json_matches_r(veteran_adtte: Path) -> None:
    """R (veteran, trt 1 "standard" vs 2 "test"): ``survfit(..., conf.type = "log-log")``
    medians and ``summary(fit, times = c(52, 90))``; ``print(fit, rmean = 365)``;
    ``survdiff(Surv(time, status) ~ trt)``; ``coxph(Surv(time, status) ~ trt)`` and
    ``cox.zph(fit)`` GLOBAL p."""
    out = run_json(
        "survival", "--input", str(veteran_adtte), "--param", "OS", "--time", "AVAL",
        "--event", "EVENT", "--group", "ARM", "--at", "52,90", "--tau", "365",
    )  # fmt: skip
    case = REFERENCE["cases"]["veteran"]
    assert out["reference"] == "standard"
    assert out["experimental"] == "test"
    assert set(out) == {"reference", "experimental", "groups", "logrank", "cox"}
    for level, arm in out["groups"].items():
        r = case["km"]["log-log"][level]
        assert arm["n"] == sum(g == level for g in case["data"]["group"])
        assert arm["events"] == sum(r["n_event"])
        assert_allclose(arm["median"], r["median"], rtol=RTOL)
        assert_allclose(arm["median_ci"], [r["median_lower"], r["median_upper"]], rtol=RTOL)
        at = {row["time"]: row for row in arm["survival_at"]}
        assert sorted(at) == [52.0, 90.0]
        for time, row in at.items():
            i = case["at"].index(time)
            assert_allclose(row["survival"], r["at"]["surv"][i], rtol=RTOL)
            assert_allclose(row["ci"], [r["at"]["lower"][i], r["at"]["upper"][i]], rtol=RTOL)
            assert row["at_risk"] == r["at"]["n_risk"][i]
        assert arm["rmst"]["tau"] == 365
        rr = case["km"]["log"][level]
        assert_allclose([arm["rmst"]["estimate"], arm["rmst"]["se"]], [rr["rmean"], rr["rmean_se"]])
    assert out["groups"]["test"]["median"] == 52.5
    lr = case["logrank"]
    assert_allclose(
        [out["logrank"]["chi2"], out["logrank"]["p"]], [lr["chisq"], lr["p"]], rtol=RTOL
    )
    assert out["logrank"]["df"] == 1
    cox = case["cox"]["efron"]
    assert_allclose(out["cox"]["hr"], _one(cox["hr"]), rtol=RTOL)
    assert_allclose(out["cox"]["ci"], [_one(cox["hr_lower"]), _one(cox["hr_upper"])], rtol=RTOL)
    assert_allclose(out["cox"]["p"], _one(cox["p"]), rtol=RTOL)
    assert_allclose(out["cox"]["ph_test_p"], cox["zph"]["km"]["p"][-1], rtol=RTOL)


def test_stratified_survival_matches_r(veteran_adtte: Path) -> None:
    """R: ``survdiff(Surv(time, status) ~ trt + strata(celltype), veteran)`` and
    ``coxph(Surv(time, status) ~ trt + strata(celltype), veteran)``; CNSR read as 1 - event;
    --reference chooses the arm the hazard ratio is against."""
    out = run_json(
        "survival", "--input", str(veteran_adtte), "--param", "OS", "--time", "AVAL",
        "--censor", "CNSR", "--group", "ARM", "--strata", "CELLTYPE", "--reference", "test",
        "--conf-type", "log",
    )  # fmt: skip
    case = REFERENCE["cases"]["veteran"]
    assert out["reference"] == "test"
    assert_allclose(out["logrank"]["chi2"], case["logrank_strata"]["chisq"], rtol=RTOL)
    cox = case["cox"]["efron_strata"]
    assert_allclose(out["cox"]["hr"], 1 / _one(cox["hr"]), rtol=RTOL)
    assert_allclose(
        out["cox"]["ci"], [1 / _one(cox["hr_upper"]), 1 / _one(cox["hr_lower"])], rtol=RTOL
    )
    assert_allclose(out["cox"]["ph_test_p"], cox["zph"]["km"]["p"][-1], rtol=RTOL)
    r = case["km"]["log"]["test"]
    assert_allclose(out["groups"]["test"]["median_ci"], [r["median_lower"], r["median_upper"]])
    assert "rmst" not in out["groups"]["test"]
    assert out["groups"]["test"]["survival_at"] == []


def test_survival_table_names_the_reference(veteran_adtte: Path) -> None:
    result = runner.invoke(
        app,
        ["analyze", "survival", "--input", str(veteran_adtte), "--param", "OS", "--time",
         "AVAL", "--event", "EVENT", "--group", "ARM", "--at", "90"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Reference arm: standard; experimental arm: test" in result.output
    assert "52.5" in result.output
    assert "Log-rank: chi2 0.0082 on 1 df" in result.output


def test_response_json_matches_r(tmp_path: Path) -> None:
    """R: ``binom.test(56, 70)``, ``binom.test(48, 80)``; Newcombe method 10 (Stat Med 1998
    Table II: 0.0524 to 0.3339); ``fisher.test(matrix(c(56, 14, 48, 32), 2, byrow = TRUE))``."""
    path = tmp_path / "adrs.csv"
    rows = ["USUBJID,ARM,RESP"]
    rows += [f"A{i},metformin,{int(i < 56)}" for i in range(70)]
    rows += [f"B{i},control,{int(i < 48)}" for i in range(80)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = run_json("response", "--input", str(path), "--response", "RESP", "--group", "ARM")
    r = REFERENCE["proportions"][0]
    assert (out["reference"], out["experimental"]) == ("control", "metformin")
    assert out["groups"]["metformin"]["responders"] == 56
    assert_allclose(out["groups"]["metformin"]["ci"], r["cp1"], rtol=RTOL)
    assert_allclose(out["groups"]["control"]["ci"], r["cp2"], rtol=RTOL)
    assert_allclose(out["difference"]["estimate"], 56 / 70 - 48 / 80, rtol=RTOL)
    assert_allclose(out["difference"]["ci"], r["newcombe"], rtol=RTOL)
    assert_allclose(out["odds_ratio"]["estimate"], r["fisher_or"], rtol=RTOL)
    assert_allclose(out["odds_ratio"]["ci"], r["fisher_ci"], rtol=RTOL)
    assert_allclose(out["fisher_p"], r["fisher_p"], rtol=RTOL)
    table = runner.invoke(
        app, ["analyze", "response", "--input", str(path), "--response", "RESP", "--group", "ARM"]
    )
    assert table.exit_code == 0
    assert "Fisher's exact test p = 0.01252" in table.output


BASE = ["analyze", "survival", "--time", "T", "--event", "E", "--group", "G"]


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("T,E,G\n1,1,a\n2,0,b\n", ["--group", "ARM"], "column 'ARM' not found"),
        ("T,E,G\n1,1,a\n2,0,b\n-3,1,a\n", [], "column 'T' must be a number >= 0; CSV line 4"),
        ("T,E,G\n1,1,a\nsoon,0,b\n", [], "CSV line 3 has 'soon'"),
        ("T,E,G\n1,1,a\n2,2,b\n", [], "column 'E' must be 0 or 1; CSV line 3"),
        ("T,E,G\n1,1,a\n2,,b\n", [], "missing value in column 'E' at CSV line 3"),
        ("T,E,G\n1,1,a\n2,0,a\n", [], "has only one group"),
        ("T,E,G\n1,1,a\n2,0,b\n3,1,c\n", [], "has 3 groups (a, b, c)"),
        ("T,E,G\n1,1,a\n2,0,b\n", ["--reference", "z"], "--reference 'z' is not a level"),
        ("", [], "input file is empty"),
        ("T,E,G\n", [], "no data rows"),
        ("T,E,G\n1,1,a\n2,0,b\n", ["--param", "OS"], "column 'PARAMCD' not found"),
        ("T,E,G\n1,1,a\n2,0,b\n", ["--conf-type", "logit"], "--conf-type must be"),
        ("T,E,G\n1,1,a\n2,0,b\n", ["--censor", "E"], "exactly one of --event"),
        ("T,E,G\n1,1,a\n2,0,b\n", ["--at", "-1"], "--at times must be >= 0"),
    ],
)
def test_bad_input_is_named(tmp_path: Path, content: str, extra: list[str], message: str) -> None:
    path = tmp_path / "trial.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, [*BASE, "--input", str(path), *extra])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_missing_file_is_named(tmp_path: Path) -> None:
    result = runner.invoke(app, [*BASE, "--input", str(tmp_path / "none.csv")])
    assert result.exit_code == 2, result.output
    assert "input file not found" in result.stderr


def test_a_missing_response_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "trial.csv"
    path.write_text("RESP,G\n1,a\n0,b\n", encoding="utf-8")
    result = runner.invoke(
        app, ["analyze", "response", "--input", str(path), "--response", "ORR", "--group", "G"]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: column 'ORR' not found; the file has RESP, G\n"


def test_user_error_exits_2_with_message(tmp_path: Path) -> None:
    """Through the installed entry point: message on stderr, exit code 2, no traceback."""
    path = tmp_path / "trial.csv"
    path.write_text("T,E,G\n1,1,a\n-2,0,b\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from metsor.cli.main import run; run()", *BASE, "--input",
         str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "CSV line 3" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_undefined_ph_test_is_null_with_a_warning(tmp_path: Path) -> None:
    """All deaths at one time: R's cox.zph stops; the analysis still reports the rest."""
    path = tmp_path / "tied.csv"
    path.write_text("t,e,g\n0,1,a\n0,0,b\n0,1,a\n0,1,b\n", encoding="utf-8")
    args = ["analyze", "survival", "--input", str(path), "--time", "t", "--event", "e"]
    result = runner.invoke(app, [*args, "--group", "g", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["cox"]["ph_test_p"] is None
    assert out["logrank"]["chi2"] == pytest.approx(1.0, rel=RTOL)
    assert "proportional-hazards test is undefined" in result.stderr


def test_an_arm_without_events_warns_that_the_hazard_ratio_may_be_infinite(
    tmp_path: Path,
) -> None:
    """R 4.2.2, survival 3.4: ``coxph(Surv(t, e) ~ g)`` on these data warns "Loglik converged
    before variable 1 ; coefficient may be infinite." (coef −21.70, 20 iterations)."""
    times = [5, 3, 8, 2, 9, 4, 6, 7, 10, 11, 12, 1]
    rows = [f"{t},{int(i < 6)},{'a' if i < 6 else 'b'}" for i, t in enumerate(times)]
    path = tmp_path / "monotone.csv"
    path.write_text("t,e,g\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = ["analyze", "survival", "--input", str(path), "--time", "t", "--event", "e"]
    result = runner.invoke(app, [*args, "--group", "g", "--reference", "a", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["cox"]["infinite"] is True
    assert out["cox"]["warnings"] == [
        "Loglik converged before variable 1 (g); coefficient may be infinite."
    ]
    assert "warning: Cox model: Loglik converged before variable 1" in result.stderr


def test_the_infinite_coefficient_gives_no_hazard_ratio_as_the_analysis(tmp_path: Path) -> None:
    """One rule for a Cox coefficient that may be infinite, the analysis's: no hazard ratio,
    the log-rank test still reported."""
    times = [5, 3, 8, 2, 9, 4, 6, 7, 10, 11, 12, 1]
    rows = [f"{t},{int(i < 6)},{'a' if i < 6 else 'b'}" for i, t in enumerate(times)]
    path = tmp_path / "monotone.csv"
    path.write_text("t,e,g\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = ["analyze", "survival", "--input", str(path), "--time", "t", "--event", "e"]
    result = runner.invoke(app, [*args, "--group", "g", "--reference", "a", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["cox"]["hr"] is None
    assert out["cox"]["ci"] == [None, None]
    assert out["logrank"]["chi2"] > 0
    assert "warning: the Cox coefficient may be infinite" in result.stderr


def test_no_events_in_either_arm_reports_the_arms_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "censored.csv"
    path.write_text("t,e,g\n1,0,a\n2,0,b\n3,0,a\n4,0,b\n", encoding="utf-8")
    args = ["analyze", "survival", "--input", str(path), "--time", "t", "--event", "e"]
    result = runner.invoke(app, [*args, "--group", "g"])
    assert result.exit_code == 0, result.output
    assert "Log-rank: not computed (no events in either arm)" in result.stdout
    assert "warning: no events in either arm" in result.stderr


@pytest.mark.parametrize("strata", [None, "CELLTYPE"])
def test_survival_figures_are_those_of_metsor_analysis(
    veteran_adtte: Path, strata: str | None
) -> None:
    """The command formats :func:`metsor.analysis.compare_survival`: equal to the last digit."""
    import pandas as pd

    from metsor.analysis import compare_survival

    extra = [] if strata is None else ["--strata", strata]
    out = run_json(
        "survival", "--input", str(veteran_adtte), "--param", "OS", "--time", "AVAL",
        "--event", "EVENT", "--group", "ARM", "--at", "90", "--tau", "365", *extra,
    )  # fmt: skip
    frame = pd.read_csv(veteran_adtte, dtype=str).query("PARAMCD == 'OS'")
    expected = compare_survival(
        [float(v) for v in frame["AVAL"]], [float(v) for v in frame["EVENT"]],
        frame["ARM"].tolist(), reference="standard", experimental="test",
        strata=None if strata is None else frame[strata].tolist(), at=[90.0], tau=365.0,
    )  # fmt: skip
    assert expected.logrank is not None
    assert expected.hazard_ratio is not None
    assert out["logrank"]["chi2"] == expected.logrank.chi2
    assert out["cox"]["hr"] == expected.hazard_ratio.estimate
    assert out["cox"]["ph_test_p"] == expected.hazard_ratio.ph_test_p
    for level, arm in expected.arms.items():
        assert out["groups"][level]["median"] == arm.median
        assert arm.rmst is not None
        assert out["groups"][level]["rmst"]["estimate"] == arm.rmst.estimate
        assert out["groups"][level]["survival_at"][0]["survival"] == arm.survival_at[0].survival


def test_no_responders_in_either_arm_is_reported_with_a_warning(tmp_path: Path) -> None:
    """R: ``fisher.test(matrix(c(0, 2, 0, 2), 2))`` gives p = 1 and odds ratio 0 (0, Inf)."""
    path = tmp_path / "none.csv"
    path.write_text("r,g\n0,a\n0,a\n0,b\n0,b\n", encoding="utf-8")
    result = runner.invoke(
        app, ["analyze", "response", "--input", str(path), "--response", "r", "--group", "g",
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["fisher_p"] == 1.0
    assert out["odds_ratio"]["ci"] == [0.0, None]
    assert [arm["responders"] for arm in out["groups"].values()] == [0, 0]
    assert result.stderr == "warning: no responders in either arm\n"
