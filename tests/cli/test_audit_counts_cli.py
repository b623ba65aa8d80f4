"""``metsor audit verify`` and ``export``: what they count, and an audit row that cannot be read.

A trail just initialised (``db init``), then one audit row's ``changes`` overwritten with SQL
behind the application's back: ``export`` exits 2 naming the row and leaves no file, ``verify``
exits 1 listing it. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.store.engine import make_engine

runner = CliRunner()

PASSWORD = "a long password"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``cli(*args)`` runs ``metsor ARGS --db URL --user admin`` on a trial ``db init`` made."""
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.delenv("METSOR_USER", raising=False)

    def run(*args: str) -> Any:
        if args[:2] == ("db", "init"):
            extra, stdin = ["--db", database_url, "--admin-password-stdin"], PASSWORD + "\n"
        else:
            extra, stdin = ["--db", database_url, "--user", "admin"], None
        return runner.invoke(app, [*args, *extra], input=stdin, env={"METSOR_PASSWORD": PASSWORD})

    initialised = run("db", "init")
    assert initialised.exit_code == 0, initialised.output
    return run


def _spoil_last_row(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            seq: int = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
            conn.execute(text("UPDATE audit_log SET changes = '[[' WHERE seq = :s"), {"s": seq})
    finally:
        engine.dispose()
    return seq


def test_verify_counts_field_changes_then_the_rows_and_transactions_they_are_stored_in(cli):
    verified = cli("audit", "verify")
    assert verified.exit_code == 0, verified.output
    first = verified.stdout.splitlines()[0]
    found = re.fullmatch(
        r"audit chain intact: (\d+) field changes audited, stored in (\d+) audit rows? of "
        r"(\d+) transactions?; (\d+) records? compared",
        first,
    )
    assert found, first
    report = json.loads(cli("audit", "verify", "--json").stdout)
    assert [int(n) for n in found.groups()] == [
        report["field_changes"], report["audit_rows"], report["transactions"], report["records"]
    ]  # fmt: skip
    assert report["field_changes"] > report["audit_rows"]


def test_export_says_how_many_field_changes_from_how_many_rows(cli, tmp_path):
    out = tmp_path / "trail.csv"
    written = cli("audit", "export", "--out", str(out), "--json")
    assert written.exit_code == 0, written.output
    said = json.loads(written.stdout)
    with out.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert said["rows"] == len(lines)
    assert said["audit_rows"] == len({line["seq"] for line in lines}) < len(lines)
    assert len({(line["seq"], line["field_number"]) for line in lines}) == len(lines)
    text_answer = cli("audit", "export", "--out", str(out))
    assert text_answer.stdout.strip() == (
        f"{len(lines)} field changes (from {said['audit_rows']} audit rows) written to {out}"
    )


def test_export_refuses_an_unreadable_row_naming_it_and_writes_nothing(cli, database_url, tmp_path):
    seq = _spoil_last_row(database_url)
    out = tmp_path / "trail.csv"
    refused = cli("audit", "export", "--out", str(out))
    assert refused.exit_code == 2, refused.output
    assert f"audit row {seq} cannot be read (its changes: " in refused.stderr
    assert "`metsor audit verify` reports it" in refused.stderr
    assert "Traceback" not in refused.output
    assert list(tmp_path.glob("trail.csv*")) == []


def test_verify_lists_an_unreadable_row(cli, database_url):
    seq = _spoil_last_row(database_url)
    broken = cli("audit", "verify")
    assert broken.exit_code == 1, broken.output
    assert broken.stdout.startswith("audit chain BROKEN: ")
    listed = [line for line in broken.stdout.splitlines() if f"audit row {seq}:" in line]
    assert len(listed) == 1, broken.stdout
    assert listed[0].startswith("  [chain] ")
    assert "its changes cannot be read (" in listed[0]
