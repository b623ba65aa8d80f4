"""``metsor checks run`` says each count with its noun in the right number."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from metsor.cli.checks import run_summary
from metsor.cli.main import app
from metsor.services.monitoring.edit_checks import CheckRun

PASSWORD = "a long password"


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param((1, 1, 1, 1), "1 subject checked: 1 finding, 1 query raised, 1 closed",
                     id="one-each"),
        pytest.param((2, 3, 2, 0), "2 subjects checked: 3 findings, 2 queries raised, 0 closed",
                     id="several"),
        pytest.param((0, 0, 0, 0), "0 subjects checked: 0 findings, 0 queries raised, 0 closed",
                     id="none"),
    ],
)  # fmt: skip
def test_the_summary_of_a_run_says_each_count_in_its_number(
    counts: tuple[int, int, int, int], expected: str
) -> None:
    subjects, findings, raised, closed = counts
    run = CheckRun(subjects, findings, raised, closed, skipped_locked=())
    assert run_summary(run) == expected


def test_the_summary_names_the_locked_subjects_not_checked() -> None:
    run = CheckRun(1, 0, 0, 0, skipped_locked=("TJ-002", "TJ-003"))
    assert run_summary(run) == (
        "1 subject checked: 0 findings, 0 queries raised, 0 closed; "
        "locked, not checked: TJ-002, TJ-003"
    )


def test_checks_run_prints_the_summary(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    monkeypatch.delenv("METSOR_USER", raising=False)
    runner = CliRunner()
    made = runner.invoke(
        app, ["db", "init", "--db", database_url, "--admin-password-stdin"], input=PASSWORD + "\n"
    )
    assert made.exit_code == 0, made.output
    ran = runner.invoke(
        app, ["checks", "run", "--db", database_url, "--user", "admin"],
        env={"METSOR_PASSWORD": PASSWORD},
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert ran.stdout.strip() == "0 subjects checked: 0 findings, 0 queries raised, 0 closed"
