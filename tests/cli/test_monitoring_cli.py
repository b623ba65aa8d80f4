"""Monitoring and sign-off on the command line, on SQLite and PostgreSQL: ``sdv``, ``sign``,
``subjects show``, ``freeze``/``lock``/``unlock``, ``checks run`` and ``audit export``."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.eligibility.examples import eligible_record
from metsor.store.engine import make_engine

runner = CliRunner()

#: Every user's password; each command proves its user by ``METSOR_PASSWORD``.
PASSWORD = "a long password"

#: The id of the subject's one laboratory result (identifiers are renumbered per database:
#: the fixture resets the sequence on PostgreSQL, as a new SQLite file does).
LAB = "1"


@pytest.fixture
def metsor(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``metsor(user, *args, input=None)``: a command on an initialised trial with one
    randomized subject TJ-001, a baseline lab, and users inv, coord, mon, dm."""
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.delenv("METSOR_USER", raising=False)
    monkeypatch.setenv("METSOR_PASSWORD", PASSWORD)

    def run(user: str | None, *args: str, input: str | None = None) -> Any:
        who = ["--user", user] if user else []
        return runner.invoke(app, [*args, "--db", database_url, *who], input=input)

    if database_url.startswith("postgresql"):
        engine = make_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("ALTER SEQUENCE lab_results_id_seq RESTART WITH 1"))
        engine.dispose()
    result = run(None, "db", "init", "--admin-password-stdin", input=PASSWORD)
    assert result.exit_code == 0, result.output
    for name, role in (("inv", "investigator"), ("coord", "coordinator")):
        args = ("users", "add", name, "--role", role, "--site", "TJ", "--password-stdin")
        assert run("admin", *args, input=PASSWORD).exit_code == 0
    for name, role in (("mon", "monitor"), ("dm", "data_manager")):
        args = ("users", "add", name, "--role", role, "--password-stdin")
        assert run("admin", *args, input=PASSWORD).exit_code == 0
    today = datetime.now(UTC).date()
    (tmp_path / "record.json").write_text(json.dumps(eligible_record()), encoding="utf-8")
    steps = [
        ("subjects", "register", str(tmp_path / "record.json"), "--site", "TJ"),
        ("subjects", "consent", "TJ-001", "--date", today.isoformat()),
        ("record", "lab", "TJ-001", "--analyte", "albumin", "--value", "38", "--unit", "g/L",
         "--date", today.isoformat()),
        ("subjects", "randomize", "TJ-001"),
    ]  # fmt: skip
    for step in steps:
        result = run("inv", *step)
        assert result.exit_code == 0, (step, result.output)
    return run


def test_sdv_cleared_by_a_correction_and_a_signature_voided_then_signed_again(
    metsor: Any,
) -> None:
    assert metsor("mon", "sdv", "verify", "lab_results", LAB).exit_code == 0
    status = json.loads(metsor("mon", "sdv", "status", "--site", "TJ", "--json").stdout)
    assert f"lab_results {LAB}" not in status["subjects"][0]["worklist"]
    signed = metsor("inv", "sign", "TJ-001", "--meaning", "approve", "--name", "Dr Ma Lin",
                    input=f"inv\n{PASSWORD}\n")  # fmt: skip
    assert signed.exit_code == 0, signed.output
    assert "signed by Dr Ma Lin (inv)" in signed.stdout
    corrected = metsor("coord", "correct", "lab_results", LAB, "value", "36",
                       "--reason", "source says 36")  # fmt: skip
    assert corrected.exit_code == 0, corrected.output
    status = json.loads(metsor("mon", "sdv", "status", "--json").stdout)
    assert f"lab_results {LAB}" in status["subjects"][0]["worklist"]
    assert f"correction of lab {LAB}" in status["subjects"][0]["cleared"][0]
    shown = metsor("inv", "subjects", "show", "TJ-001")
    assert f"VOID, voided by the correction of lab {LAB} (value)" in shown.stdout
    assert "source says 36" in shown.stdout
    again = metsor("inv", "sign", "TJ-001", input=f"inv\n{PASSWORD}\n")
    assert again.exit_code == 0, again.output
    shown = json.loads(metsor("inv", "subjects", "show", "TJ-001", "--json").stdout)
    assert [s["status"] for s in shown["signatures"]] == ["voided", "valid"]


def test_wrong_password_and_coordinator_do_not_sign(metsor: Any, database_url: str) -> None:
    wrong = metsor("inv", "sign", "TJ-001", "--name", "Dr Ma Lin", input="inv\nnot it\n")
    assert wrong.exit_code == 2
    assert "wrong password" in wrong.stderr
    # the signature's password is at fault, not the acting user (proved by METSOR_PASSWORD)
    assert "field 'password'" in wrong.stderr
    assert "--user" not in wrong.stderr
    piped = metsor("inv", "sign", "TJ-001", "--name", "Dr Ma Lin", "--user-id", "inv",
                   "--password-stdin", input="not it\n")  # fmt: skip
    assert piped.exit_code == 2
    assert piped.stderr.startswith("error: option --password-stdin: ")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        failed = connection.scalar(text("SELECT failed_logins FROM users WHERE username = 'inv'"))
    engine.dispose()
    assert failed == 1
    coordinator = metsor("coord", "sign", "TJ-001", "--name", "X", input=f"coord\n{PASSWORD}\n")
    assert coordinator.exit_code == 2
    assert "option --user: " in coordinator.stderr
    assert "may not sign casebook" in coordinator.stderr
    other = metsor("inv", "sign", "TJ-001", "--name", "X", input=f"coord\n{PASSWORD}\n")
    assert other.exit_code == 2
    assert "option --user-id: " in other.stderr
    assert "is not the acting user" in other.stderr


def test_freeze_lock_and_unlock(metsor: Any, database_url: str) -> None:
    assert metsor("dm", "freeze", "--subject", "TJ-001", "--reason", "cleaning").exit_code == 0
    refused = metsor("coord", "correct", "lab_results", LAB, "value", "36", "--reason", "x")
    assert refused.exit_code == 2
    assert "subject TJ-001 is frozen" in refused.stderr
    query = metsor("mon", "queries", "raise", "lab_results", LAB, "value",
                   "--question", "source?")  # fmt: skip
    assert query.exit_code == 0, query.output
    assert metsor("dm", "lock", "--study", "--reason", "final analysis").exit_code == 0
    locked = metsor("mon", "queries", "raise", "lab_results", LAB, "value", "--question", "?")
    assert locked.exit_code == 2
    assert "the study is locked" in locked.stderr
    assert metsor("coord", "lock", "--study", "--reason", "x").exit_code == 2
    listed = json.loads(metsor("dm", "locks", "--json").stdout)["locks"]
    assert {(r["scope"], r["state"]) for r in listed} == {
        ("study", "locked"),
        ("subject", "frozen"),
    }
    unlocked = metsor("dm", "unlock", "--study", "--reason", "late data")
    assert unlocked.exit_code == 0, unlocked.output
    assert "study: frozen" in unlocked.stdout
    assert metsor("dm", "unlock", "--study", "--reason", "again").exit_code == 2
    both = metsor("dm", "freeze", "--study", "--site", "TJ", "--reason", "x")
    assert both.exit_code == 2
    assert "exactly one of" in both.stderr


def test_checks_run_raises_and_closes_as_system(metsor: Any, database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:  # a value stored before plausibility was enforced
        connection.execute(text("UPDATE lab_results SET value = 900"))
    engine.dispose()
    run = json.loads(metsor("dm", "checks", "run", "--json").stdout)
    assert (run["findings"], run["raised"]) == (1, 1)
    queries = json.loads(metsor("dm", "queries", "list", "--json").stdout)
    (query,) = [q for q in queries if q["raised_by"] == "system"]
    assert "[lab_plausible] albumin 900 g/L" in query["question"]
    fixed = metsor("coord", "correct", "lab_results", LAB, "value", "38", "--reason", "typo")
    assert fixed.exit_code == 0, fixed.output
    queries = json.loads(metsor("dm", "queries", "list", "--json").stdout)
    (query,) = [q for q in queries if q["raised_by"] == "system"]
    assert (query["status"], query["closed_by"]) == ("closed", "system")
    assert metsor("coord", "checks", "run").exit_code == 2


def test_audit_export_writes_every_row(metsor: Any, tmp_path: Path) -> None:
    out = tmp_path / "trail.csv"
    result = metsor("dm", "audit", "export", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == json.loads(result.stdout)["rows"]
    assert {"lab_results", "subjects", "users"} <= {r["table"] for r in rows}
    site = tmp_path / "tj.csv"
    assert metsor("dm", "audit", "export", "--out", str(site), "--site", "TJ").exit_code == 0
    with site.open(encoding="utf-8", newline="") as handle:
        assert {r["subject_id"] for r in csv.DictReader(handle)} == {"TJ-001"}
    later = metsor("dm", "audit", "export", "--out", str(site), "--since", "2999-01-01")
    assert "0 field changes (from 0 audit rows) written" in later.stdout
    bad = metsor("dm", "audit", "export", "--out", str(site), "--since", "yesterday")
    assert bad.exit_code == 2
    assert "--since must be a date" in bad.stderr
    assert metsor("coord", "audit", "export", "--out", str(site)).exit_code == 2


def test_audit_verify_reports_a_visit_signature_edited_behind_the_application(
    metsor: Any, database_url: str
) -> None:
    today = datetime.now(UTC).date().isoformat()
    visit = metsor("inv", "record", "visit", "TJ-001", "--type", "baseline", "--date", today,
                   "--json")  # fmt: skip
    assert visit.exit_code == 0, visit.output
    visit_id = str(json.loads(visit.stdout)["id"])
    signed = metsor("inv", "sign", "TJ-001", "--visit", visit_id, "--name", "Dr Ma Lin",
                    "--user-id", "inv", "--password-stdin", "--json", input=PASSWORD)  # fmt: skip
    assert signed.exit_code == 0, signed.output
    signature = json.loads(signed.stdout)
    assert signature["rows"] == 2  # the visit and the laboratory result of its day
    intact = metsor("admin", "audit", "verify")
    assert intact.exit_code == 0, intact.output
    engine = make_engine(database_url)
    with engine.begin() as connection:  # behind the application's back
        connection.execute(text("UPDATE lab_results SET value = 39"))
    engine.dispose()
    broken = metsor("admin", "audit", "verify")
    assert broken.exit_code == 1
    assert f"signature {signature['id']} of TJ-001 by inv" in broken.output
    assert "no longer match its digest" in broken.output
