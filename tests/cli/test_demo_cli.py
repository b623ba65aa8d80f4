"""``metsor demo``: the virtual screening log screened and summarised, then the virtual trial
run through the services, reported, and its datasets ready for ``metsor analyze``."""

from __future__ import annotations

import csv
import io
import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metsor.cli._demo_outputs import outputs_text
from metsor.cli.demo import DEMO_DATABASE, screen_virtual_log, unrecorded_criteria
from metsor.cli.main import app
from metsor.protocol import builtin

runner = CliRunner()


def test_demo_prints_the_screening_summary_then_the_trial(tmp_path: Path) -> None:
    """A trial of 8 subjects (``--subjects``): every step and output of the full-size demo."""
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--subjects", "8"])
    assert result.exit_code == 0, result.output
    summary = screen_virtual_log().summary()
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert lines[0] == "Virtual screening log: 120 candidates screened, 0 rows unreadable"
    for verdict, count in summary.by_verdict.items():
        share = f"{count / summary.screened:6.1%}"
        assert f"  {verdict:<12} {count:>5} {share}" in lines
    assert "By failed criterion (a candidate may fail several):" in lines
    for criterion, count in summary.by_failed_criterion.items():
        assert f"  {criterion:<30} {count:>5}" in lines
    assert "Rows not screened:" not in result.output
    # the trial report follows the screening summary
    assert lines.index("CONSORT flow") > lines.index("By verdict:")
    assert any(
        line.startswith("Audit chain: intact (") and "field changes audited, stored in" in line
        for line in lines
    )
    adtte = out / "datasets" / "adtte.csv"
    command = (
        f"metsor analyze survival --input {adtte} --param OS --time AVAL --event EVENT --group ARM"
        " --strata STRATUM"
    )
    assert f"  {command}" in lines
    assert any(
        line.startswith("Endpoints (ITT;")
        and line.endswith("HR and log-rank test stratified by the randomization strata)")
        for line in lines
    ), result.output
    # METSOR registered its outcomes at 12 months (Protocol.registered_horizon_months)
    assert (
        "  OS/TTP/PFS: full follow-up; OS12/TTP12/PFS12: censored at 12 months (registered)"
        in lines
    )
    # the report and every export lie beside the database, with the audit key of the demo
    for written in ("report/report.html", "report/report.pdf", "adam/adtte.xpt",
                    "adam/define.xml", "sdtm/dm.xpt", "results.json", "ipd/adsl.csv",
                    "metsor-audit.key", "metsor-audit.anchor"):  # fmt: skip
        assert (out / written).is_file(), written
    assert (
        "Log in to the demo database (virtual patients; each password is metsor-demo-<username>):"
        in lines
    )
    assert any(line.split()[:3] == ["TJ", "investigator", "coordinator"] for line in lines)
    # the site's investigator signed every ended casebook at the cut-off; the study is open
    assert any(
        line.startswith("Sign-off at the cut-off ")
        and ": 8 casebooks signed, each by the investigator of its subject's site; the study "
        "is not locked"
        in line
        for line in lines
    ), result.output
    adsl = _rows(out / "adam" / "adsl.csv")
    assert len(adsl) == 8
    assert {(row["INVSIGFL"], row["LOCKST"]) for row in adsl} == {("Y", "OPEN")}
    assert all(row["INVSIGDT"] == row["DCUTDT"] for row in adsl)
    signatures = _rows(out / "sdtm" / "xs.csv")
    assert sorted(row["USUBJID"] for row in signatures) == sorted(row["USUBJID"] for row in adsl)
    assert {row["XSORRES"] for row in signatures} == {"I have reviewed and approve these data"}
    assert _rows(out / "sdtm" / "suppxs.csv")
    # the command named is one a user can run next
    follow = runner.invoke(app, command.split()[1:])
    assert follow.exit_code == 0, follow.output
    assert "Sorafenib + Metformin" in follow.output


def test_demo_json_and_a_second_run_replacing_its_own_database(tmp_path: Path) -> None:
    """The JSON report of a 12-subject trial, run twice into one folder."""
    out = tmp_path / "demo"
    for _ in range(2):
        result = runner.invoke(
            app, ["demo", "--out", str(out), "--json", "--seed", "5", "--subjects", "12"]
        )
        assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["trial"]["audit"]["intact"] is True
    assert sum(payload["trial"]["consort"]["randomized"].values()) == 12
    assert payload["trial"]["seed"] == 5
    assert payload["next_command"].startswith(
        f"metsor analyze survival --input {out / 'datasets' / 'adtte.csv'} --param OS"
    )
    # the command named reproduces the demo's OS hazard ratio and log-rank p (both stratified)
    follow = runner.invoke(app, [*payload["next_command"].split()[1:], "--json"])
    assert follow.exit_code == 0, follow.output
    analysed = json.loads(follow.output)
    overall = next(item for item in payload["trial"]["endpoints"] if item["param"] == "OS")
    assert analysed["cox"]["hr"] == pytest.approx(overall["hazard_ratio"], rel=1e-9)
    assert analysed["logrank"]["p"] == pytest.approx(overall["logrank_p"], rel=1e-9)
    assert payload["screening_log"]["screened"] == 120
    assert payload["outputs"]["results"] == str(out / "results.json")
    assert payload["users"]["coordinator"] == {
        "role": "coordinator", "site": "TJ", "password": "metsor-demo-coordinator"
    }  # fmt: skip
    assert payload["users"]["monitor"]["site"] is None
    # a person logs in to the demo database with the known password printed for the role
    listed = runner.invoke(
        app,
        ["subjects", "list", "--db", payload["database"]],
        env={
            "METSOR_USER": "coordinator",
            "METSOR_PASSWORD": payload["users"]["coordinator"]["password"],
            "METSOR_AUDIT_KEY_FILE": str(out / "metsor-audit.key"),
            "METSOR_AUDIT_ANCHOR_FILE": str(out / "metsor-audit.anchor"),
        },
    )
    assert listed.exit_code == 0, listed.output
    assert "TJ-001" in listed.output


def test_demo_lock_has_the_data_manager_lock_the_study(tmp_path: Path) -> None:
    """With ``--lock`` the report, ADSL and the JSON say that the data were locked, and the
    database refuses a new entry; an ended subject's casebook is signed."""
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--json", "--subjects", "8", "--seed", "7", "--lock"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["trial"]["sign_off"] == {"casebooks_signed": 8, "study_locked": True}
    assert payload["trial"]["audit"]["intact"] is True
    consort = payload["trial"]["consort"]
    ended = sum(consort["died"].values()) + sum(consort["withdrew_consent"].values())
    assert (
        ended + sum(consort["lost_to_follow_up"].values()) + sum(consort["in_follow_up"].values())
        == 8
    )
    adsl = _rows(out / "adam" / "adsl.csv")
    cutoff = payload["trial"]["calendar"]["cutoff"]
    assert {(row["INVSIGFL"], row["LOCKST"], row["LOCKDT"]) for row in adsl} == {
        ("Y", "LOCKED", cutoff)
    }
    report = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert "locked on " in report
    assert "by data_manager: database lock for the analysis at the data cut-off" in report
    env = {
        "METSOR_USER": "coordinator",
        "METSOR_PASSWORD": payload["users"]["coordinator"]["password"],
        "METSOR_AUDIT_KEY_FILE": str(out / "metsor-audit.key"),
        "METSOR_AUDIT_ANCHOR_FILE": str(out / "metsor-audit.anchor"),
    }
    entry = runner.invoke(
        app,
        ["record", "vitals", adsl[0]["SUBJID"], "--sbp", "120", "--dbp", "80",
         "--date", adsl[0]["RANDDT"], "--db", payload["database"]],
        env=env,
    )  # fmt: skip
    assert entry.exit_code == 2
    assert "cannot be changed: the study is locked by data_manager" in entry.output


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--subjects", "3"], "--subjects", id="subjects-below-four"),
        pytest.param(["--subjects", "many"], "--subjects", id="subjects-not-a-number"),
        pytest.param(["--seed", "-1"], "--seed", id="negative-seed"),
        pytest.param(["--protocol", "NCT00000000"], "--protocol", id="unknown-protocol"),
    ],
)
def test_demo_refuses_a_bad_size_or_seed_naming_the_option(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_unrecorded_criteria_are_those_of_another_protocol_that_the_log_lacks() -> None:
    """METSOR's log records every METSOR criterion for some candidate; screened against SHARP,
    the criteria on fields the log lacks are unknown for all 120 candidates."""
    assert unrecorded_criteria(screen_virtual_log()) == ()
    sharp = screen_virtual_log(builtin("NCT00105443"))
    unrecorded = unrecorded_criteria(sharp)
    assert {"life_expectancy", "creatinine", "measurable_untreated_lesion"} <= set(unrecorded)
    assert all(set(unrecorded) <= set(row.result.unknown) for row in sharp.rows)
    assert "child_pugh_a" not in unrecorded


def test_the_login_exports_hold_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--out`` given relative (the default ``metsor-demo``), in a folder with a space: the
    key, anchor and database are named by absolute paths, quoted for the shell."""
    base = tmp_path / "my trials"
    base.mkdir()
    monkeypatch.chdir(base)
    url = f"sqlite:///{base / 'metsor-demo' / DEMO_DATABASE}"
    outputs = {name: "-" for name in ("report", "adam", "sdtm", "results", "ipd")}
    text = outputs_text(outputs, url, Path("metsor-demo"), builtin("NCT02672488"))
    # as the shell reads each line: one word after export, NAME=value
    words = [shlex.split(line) for line in text.splitlines() if line.startswith("  export ")]
    assert all(len(line) == 2 for line in words), words
    exports = dict(word.split("=", 1) for _, word in words)
    assert exports == {
        "METSOR_AUDIT_KEY_FILE": str(base / "metsor-demo" / "metsor-audit.key"),
        "METSOR_AUDIT_ANCHOR_FILE": str(base / "metsor-demo" / "metsor-audit.anchor"),
        "METSOR_DATABASE_URL": url,
    }


def test_demo_runs_sharp_through_the_same_services(tmp_path: Path) -> None:
    """``--protocol NCT00105443``: SHARP's virtual trial, sorafenib against placebo, with its
    own strata, exported and analysed like METSOR's."""
    out = tmp_path / "sharp"
    args = ["demo", "--out", str(out), "--json", "--protocol", "NCT00105443", "--subjects", "16"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    trial = payload["trial"]
    # the virtual log, drawn for METSOR, records none of SHARP's own criteria
    assert payload["screening_log"]["by_verdict"]["eligible"] == 0
    assert payload["screening_log"]["unrecorded_criteria"] == list(
        unrecorded_criteria(screen_virtual_log(builtin("NCT00105443")))
    )
    assert trial["protocol"]["nct_id"] == "NCT00105443"
    assert trial["protocol"]["arms"] == ["sorafenib", "placebo"]
    assert sum(trial["consort"]["randomized"].values()) == 16
    assert trial["audit"]["intact"] is True
    strata = {row["level"] for row in trial["balance"]["rows"] if row["group"] == "stratum"}
    assert {level.split("-")[0] for level in strata} == {"europe", "north_america", "australasia"}
    adsl = (out / "datasets" / "adsl.csv").read_text(encoding="utf-8")
    assert "NCT00105443-" in adsl
    assert "Placebo" in adsl
    rows = list(csv.DictReader(io.StringIO(adsl)))
    assert [c for c in rows[0] if c.startswith("STRAT") and c.endswith("R")] == [
        "STRAT1R", "STRAT2R", "STRAT3R"
    ]  # fmt: skip
    site_region = {"BAR": "europe", "NEW": "north_america", "AUC": "australasia"}
    assert all(
        f"{row['STRAT1R']}-{row['STRAT2R']}-{row['STRAT3R']}" == row["STRATUM"]
        and row["STRAT1R"] == site_region[row["SITEID"]]
        for row in rows
    )
    adae = (out / "datasets" / "adae.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "AREL_SORAFENIB" in adae
    assert "METFORMIN" not in adae


def test_demo_refuses_to_overwrite_a_database_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / DEMO_DATABASE).write_bytes(b"a trial's data")
    result = runner.invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "was not made by 'metsor demo'" in result.output
    assert (tmp_path / DEMO_DATABASE).read_bytes() == b"a trial's data"


def test_demo_is_listed_in_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "demo" in result.output
    assert "screen" in result.output
