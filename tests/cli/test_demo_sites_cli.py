"""``metsor demo`` of a trial of several sites (SHARP: Barcelona, New York, Auckland) lists
every site's investigator and coordinator, and each can log in with the password it names;
the sign-off line says that each site's investigator signed its subjects' casebooks."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from metsor.cli.main import app

runner = CliRunner()

#: SHARP's sites as the table's lines begin.
SITES = ("  BAR ", "  NEW ", "  AUC ")


def test_demo_lists_every_sites_users_who_can_log_in(tmp_path: Path) -> None:
    out = tmp_path / "sharp"
    args = ["demo", "--out", str(out), "--protocol", "NCT00105443", "--subjects", "12"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    heading = lines.index(
        "Log in to the demo database (virtual patients; each password is metsor-demo-<username>):"
    )
    table = lines[heading:]
    rows = [line.split()[:3] for line in table if line.startswith(("  site ", *SITES))]
    assert rows == [
        ["site", "investigator", "coordinator"],
        ["BAR", "investigator", "coordinator"],
        ["NEW", "investigator-new", "coordinator-new"],
        ["AUC", "investigator-auc", "coordinator-auc"],
    ]
    assert "  whole trial: admin, data_manager, monitor, statistician" in table
    # the scenario calibrates the sorafenib arm; the hazard ratios are placebo's against it
    assert any(
        line.startswith("Truth: Sorafenib arm as Llovet JM")
        and "Placebo arm's hazard ratio against it 1.45 (death)" in line
        for line in lines
    ), result.output
    assert any(
        line.startswith("Sign-off at the cut-off ")
        and "casebooks signed, each by the investigator of its subject's site;" in line
        for line in lines
    ), result.output
    # New York's coordinator logs in with the password the line names and sees New York's
    # subjects only
    listed = runner.invoke(
        app,
        ["subjects", "list", "--db", f"sqlite:///{out / 'metsor-demo.sqlite'}"],
        env={
            "METSOR_USER": "coordinator-new",
            "METSOR_PASSWORD": "metsor-demo-coordinator-new",
            "METSOR_AUDIT_KEY_FILE": str(out / "metsor-audit.key"),
            "METSOR_AUDIT_ANCHOR_FILE": str(out / "metsor-audit.anchor"),
        },
    )
    assert listed.exit_code == 0, listed.output
    assert "NEW-" in listed.output
    assert "BAR-" not in listed.output
    assert "AUC-" not in listed.output
