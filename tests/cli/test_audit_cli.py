"""``metsor audit verify`` and ``metsor audit anchor`` end to end, with the key db init writes."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.store.engine import make_engine

runner = CliRunner()

PASSWORD = "a long password"


@pytest.fixture
def cli(database_url, tmp_path, monkeypatch):
    """``cli(*args)`` runs ``metsor ARGS --db URL --user admin`` in a ``METSOR_HOME`` of its own."""
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.delenv("METSOR_USER", raising=False)

    def run(*args: str) -> Any:
        if args[:2] == ("db", "init"):
            extra, stdin = ["--db", database_url, "--admin-password-stdin"], PASSWORD + "\n"
        else:
            extra, stdin = ["--db", database_url, "--user", "admin"], None
        return runner.invoke(app, [*args, *extra], input=stdin, env={"METSOR_PASSWORD": PASSWORD})

    return run


def test_db_init_keys_and_anchors_the_trail_and_anchor_prints_its_head(cli, tmp_path):
    initialised = cli("db", "init", "--json")
    assert initialised.exit_code == 0, initialised.output
    created = json.loads(initialised.stdout)
    assert created["audit_key_created"] is True
    key_file, anchor_file = tmp_path / "metsor-audit.key", tmp_path / "metsor-audit.anchor"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(anchor_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() not in anchor_file.read_text()
    head = cli("audit", "anchor", "--json")
    assert head.exit_code == 0, head.output
    published = json.loads(head.stdout)
    last = json.loads(anchor_file.read_text().splitlines()[-1])
    assert {k: published[k] for k in ("chain", "transactions", "rows", "mac")} == {
        k: last[k] for k in ("chain", "transactions", "rows", "mac")
    }
    assert published["key_fingerprint"] == created["audit_key_fingerprint"]
    text_head = cli("audit", "anchor")
    assert f"head MAC         {published['mac']}" in text_head.stdout


def test_verify_says_what_each_check_rests_on_and_exits_1_listing_each_problem(cli, database_url):
    assert cli("db", "init").exit_code == 0
    verified = cli("audit", "verify", "--json")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    assert report["intact"] is True
    assert {c["name"]: c["rests_on"] for c in report["checks"]}["chain"] == "the audit key"
    assert "chain: intact" in cli("audit", "verify").stdout
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            last = conn.execute(text("SELECT max(seq) FROM audit_transactions")).scalar_one()
            conn.execute(text("DELETE FROM audit_transactions WHERE seq = :s"), {"s": last})
    finally:
        engine.dispose()
    broken = cli("audit", "verify")
    assert broken.exit_code == 1
    assert "audit chain BROKEN" in broken.stdout
    assert "audit rows 1–" in broken.stdout
    assert "belong to no transaction" in broken.stdout
    assert "[anchor] audit_transactions: the trail is empty but the anchor file" in broken.stdout
    as_json = cli("audit", "verify", "--json")
    assert as_json.exit_code == 1
    assert {p["kind"] for p in json.loads(as_json.stdout)["problems"]} == {"chain", "anchor"}
