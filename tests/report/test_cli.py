"""``metsor report``: writes both files from a trial database; a bad --cutoff or --out ends
with exit code 2 and a message naming the option."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.services.context import Database, unit_of_work
from metsor.services.users import add_user
from metsor.store.models.core import User

from .conftest import VirtualTrial

PASSWORD = "a long password for the report"
REPORTER = "reporter"


@pytest.fixture(scope="module")
def database_url(virtual_trial: VirtualTrial, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the virtual trial's database with a data manager who has a password."""
    copy = tmp_path_factory.mktemp("cli") / "trial.sqlite"
    shutil.copyfile(virtual_trial.folder / "trial.sqlite", copy)
    url = f"sqlite:///{copy}"
    database = Database.open(url)
    try:
        with database.sessions() as session:
            admin = session.scalars(select(User.username).where(User.role == "admin")).first()
        assert admin is not None
        with unit_of_work(database, admin) as ctx:
            add_user(ctx, username=REPORTER, role="data_manager", password=PASSWORD)
    finally:
        database.close()
    return url


def _run(url: str, *args: str) -> Result:
    return CliRunner().invoke(
        app,
        ["report", "--db", url, "--user", REPORTER, *args],
        env={"METSOR_PASSWORD": PASSWORD},
    )


def test_the_command_writes_the_html_and_the_pdf(
    database_url: str, virtual_trial: VirtualTrial, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    result = _run(database_url, "--out", str(out), "--cutoff", str(virtual_trial.result.cutoff))
    assert result.exit_code == 0, result.output
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert f"html: {out / 'report.html'}" in result.output


@pytest.mark.parametrize(
    ("cutoff", "message"),
    [
        pytest.param("2017-13-01", "--cutoff must be a date YYYY-MM-DD", id="not-a-date"),
        pytest.param("yesterday", "--cutoff must be a date YYYY-MM-DD", id="words"),
        pytest.param("2999-01-01", "--cutoff 2999-01-01 lies after today", id="future"),
    ],
)
def test_a_bad_cutoff_exits_2_naming_it(
    database_url: str, tmp_path: Path, cutoff: str, message: str
) -> None:
    result = _run(database_url, "--out", str(tmp_path / "out"), "--cutoff", cutoff)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_an_out_that_is_a_file_exits_2_naming_it(database_url: str, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    result = _run(database_url, "--out", str(taken))
    assert result.exit_code == 2
    assert f"--out {taken} exists and is not a folder" in result.output


def test_an_out_that_cannot_be_created_exits_2_naming_it(database_url: str, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = _run(database_url, "--out", str(blocked / "inside"))
    assert result.exit_code == 2
    assert f"--out {blocked / 'inside'}: {blocked} is not a folder" in result.output
