"""The database commands end to end: init, sites, users, subjects, randomization, audit."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.eligibility.examples import eligible_record
from metsor.store.engine import make_engine

# The example record of a candidate meeting every criterion of NCT02672488, with ECOG 0:
# stratum ecog0-mvi_ehs_yes.
ELIGIBLE: dict[str, Any] = eligible_record(ecog=0)


runner = CliRunner()


#: The password of every user these tests create; each command proves its user with it.
PASSWORD = "a long password"
#: The day a subject registered by these tests (screened today) signs consent.
TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture
def cli(database_url, tmp_path, monkeypatch):
    """``cli(*args, user=..., stdin=...)`` runs ``metsor ARGS --db URL [--user USER]``.

    ``db init`` gives the administrator :data:`PASSWORD` (on standard input) unless the test
    gives another; every other command proves its user by ``METSOR_PASSWORD`` (``PASSWORD``,
    or ``env_password``).
    """
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.delenv("METSOR_USER", raising=False)

    def run(
        *args: str, user: str | None = None, stdin: str | None = None, env_password: str = PASSWORD
    ) -> Any:
        extra = ["--db", database_url] + (["--user", user] if user else [])
        if args[:2] == ("db", "init") and stdin is None:
            extra.append("--admin-password-stdin")
            stdin = PASSWORD + "\n"
        env = {"METSOR_PASSWORD": env_password}
        return runner.invoke(app, [*args, *extra], input=stdin, env=env)

    return run


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _record(tmp_path: Path, data: dict[str, Any] | str = ELIGIBLE) -> str:
    path = tmp_path / "record.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_a_subject_goes_from_registration_to_randomization(cli, tmp_path):
    init = _json(cli("db", "init", "--json"))
    assert init["sites_created"] == ["TJ"]
    assert init["seed_created"] is True
    assert (tmp_path / "metsor-allocation.key").is_file()
    added = cli("users", "add", "zhang", "--role", "investigator", "--site", "TJ",
                "--password-stdin", user="admin", stdin=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "user zhang added" in added.stdout
    registered = _json(cli("subjects", "register", _record(tmp_path), "--json", user="zhang"))
    assert registered["subject_id"] == "TJ-001"
    assert registered["verdict"] == "eligible"
    consent = cli("subjects", "consent", "TJ-001", "--date", "2026-01-02", user="zhang")
    assert consent.exit_code == 2  # before today's screening
    assert "before the screening date" in consent.stderr
    assert cli("subjects", "consent", "TJ-001", "--date", TODAY, user="zhang").exit_code == 0
    allocation = _json(cli("subjects", "randomize", "TJ-001", "--json", user="zhang"))
    assert set(allocation) >= {"subject_id", "arm", "stratum", "list_position", "randomized_at"}
    assert allocation["stratum"] == "ecog0-mvi_ehs_yes"
    assert allocation["list_position"] == 1
    again = cli("subjects", "randomize", "TJ-001", user="zhang")
    assert again.exit_code == 2
    assert "already randomized" in again.stderr
    listed = _json(cli("subjects", "list", "--json", user="zhang"))["subjects"]
    assert [(s["subject_id"], s["arm"]) for s in listed] == [("TJ-001", allocation["arm"])]
    report = _json(cli("randomization", "report", "--json", user="admin"))
    assert report["randomized"] == 1
    assert report["enrollment_cap"] == 82  # Registry record NCT02672488: 82 participants.
    verified = cli("audit", "verify", user="admin")
    assert verified.exit_code == 0
    assert verified.stdout.startswith("audit chain intact: ")


def test_audit_verify_exits_1_and_names_the_first_broken_row(cli, tmp_path, database_url):
    cli("db", "init")
    no_site = cli("subjects", "register", _record(tmp_path), user="admin")
    assert no_site.exit_code == 2
    assert "--site" in no_site.stderr
    assert (
        cli("subjects", "register", _record(tmp_path), "--site", "TJ", user="admin").exit_code == 0
    )
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE subjects SET status = 'randomized'"))
    finally:
        engine.dispose()
    result = cli("audit", "verify", user="admin")
    assert result.exit_code == 1
    assert "subjects, id TJ-001, field status" in result.stdout


@pytest.mark.parametrize(
    ("args", "user", "message"),
    [
        pytest.param(("subjects", "list"), None, "--user or METSOR_USER, or log in first",
                     id="no-user"),
        pytest.param(("subjects", "list"), "nobody", "unknown user or wrong password",
                     id="unknown-user"),
        pytest.param(("subjects", "list"), "No Body", "'No Body' is not a username",
                     id="not-a-username"),
        pytest.param(("subjects", "consent", "TJ-404", "--date", "2026-01-02"), "admin",
                     "no subject 'TJ-404'",
                     id="unknown-subject"),
        pytest.param(("users", "add", "x1", "--role", "chief"), "admin", "role 'chief'",
                     id="unknown-role"),
        pytest.param(("subjects", "consent", "TJ-001", "--date", "05/01/2026"), "admin",
                     "YYYY-MM-DD", id="bad-date"),
    ],
)  # fmt: skip
def test_user_errors_exit_2_with_a_message(cli, args, user, message):
    cli("db", "init")
    result = cli(*args, user=user)
    assert result.exit_code == 2
    assert message in result.stderr


def test_malformed_record_file_is_named_with_its_line(cli, tmp_path):
    cli("db", "init")
    result = cli("subjects", "register", _record(tmp_path, '{\n "ecog": 1,\n}'), "--site", "TJ",
                 user="admin")  # fmt: skip
    assert result.exit_code == 2
    assert "is not valid JSON" in result.stderr
    assert "(line 3, column 1)" in result.stderr


def test_an_unusable_record_file_exits_2_naming_the_field(cli, tmp_path):
    cli("db", "init")
    missing = cli("subjects", "register", str(tmp_path / "none.json"), "--site", "TJ",
                  user="admin")  # fmt: skip
    assert missing.exit_code == 2
    assert "field 'RECORD': no such file" in missing.stderr
    record = eligible_record()
    record["labs"]["hemoglobin"]["unit"] = "mg"
    wrong_unit = cli("subjects", "register", _record(tmp_path, record), "--site", "TJ",
                     user="admin")  # fmt: skip
    assert wrong_unit.exit_code == 2
    assert wrong_unit.stderr == (
        "error: field 'labs.hemoglobin.unit': unknown unit 'mg' (accepted: g/dL, g/L, mmol/L)\n"
    )
    assert _json(cli("subjects", "list", "--json", user="admin"))["subjects"] == []


def test_unsupported_database_url_exits_2(monkeypatch):
    monkeypatch.setenv("METSOR_PASSWORD", PASSWORD)
    result = runner.invoke(app, ["subjects", "list", "--db", "mysql://x@y/z", "--user", "admin"])
    assert result.exit_code == 2
    assert "not supported" in result.stderr


def test_the_command_module_imports_no_database_library_at_load():
    code = "import sys, metsor.cli.database; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-folder/metsor.sqlite",
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2",
    ],
)
def test_a_database_that_cannot_be_opened_exits_2_naming_it(url, monkeypatch):
    monkeypatch.setenv("METSOR_PASSWORD", PASSWORD)
    for args in (["db", "init"], ["subjects", "list", "--user", "admin"]):
        result = runner.invoke(app, [*args, "--db", url])
        assert result.exit_code == 2, result.output
        cannot_open = "cannot" in result.stderr and "the database" in result.stderr
        assert cannot_open or "database not initialised" in result.stderr, result.stderr


def test_minimization_and_a_raised_cap_from_the_command_line(cli, tmp_path):
    init = _json(cli("db", "init", "--method", "minimization", "--json"))
    assert init["method"] == "minimization"
    registered = _json(cli("subjects", "register", _record(tmp_path), "--site", "TJ", "--json",
                           user="admin"))  # fmt: skip
    consent = ("subjects", "consent", registered["subject_id"], "--date", TODAY)
    assert cli(*consent, user="admin").exit_code == 0
    allocation = _json(cli("subjects", "randomize", registered["subject_id"], "--json",
                           user="admin"))  # fmt: skip
    assert (allocation["method"], allocation["list_position"]) == ("minimization", None)
    raised = cli("randomization", "raise-cap", "100", "--rationale", "DMC advice", user="admin")
    assert raised.exit_code == 0, raised.output
    assert _json(cli("randomization", "report", "--json", user="admin"))["enrollment_cap"] == 100
    lowered = cli("randomization", "raise-cap", "90", "--rationale", "x", user="admin")
    assert lowered.exit_code == 2
    assert "above the current 100" in lowered.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(("--method", "minimization"), "option --method: the trial is already "
                     "initialised with method permuted_blocks, not minimization", id="method"),
        pytest.param(("--list-length", "10"), "with --list-length 82, not 10", id="list-length"),
        pytest.param(("--admin", "chief"), "option --admin: the trial is already initialised "
                     "and has no administrator 'chief'", id="admin"),
        pytest.param(("--admin-password-stdin",), "option --admin-password-stdin: the trial is "
                     "already initialised: db init does not change a password", id="password"),
    ],
)  # fmt: skip
def test_init_again_refuses_an_option_that_differs(cli, options, message):
    first = _json(cli("db", "init", "--json"))
    again = cli("db", "init", *options, stdin="another long password\n")
    assert again.exit_code == 2, again.output
    assert message in again.stderr
    assert "nothing changed" in again.stderr
    options = ("--method", "permuted_blocks", "--list-length", "82", "--json")
    same = _json(cli("db", "init", *options, stdin=""))
    assert (same["scheme_created"], same["seed_fingerprint"]) == (False, first["seed_fingerprint"])


def test_init_without_a_password_prints_a_generated_one_once(cli):
    result = cli("db", "init", stdin="")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if "generated and shown this once" in x)
    generated = line.rsplit(": ", 1)[1]
    assert result.stdout.count(generated) == 1
    assert len(generated) == 20
    listed = cli("users", "list", user="admin", env_password=generated)
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.startswith("admin\tadmin\t-\tactive")
    again = cli("db", "init", stdin="")
    assert again.exit_code == 0
    assert "generated" not in again.stdout
