"""``metsor interim``: the look of a virtual trial database as JSON and text, the DMC's two
reports, a look recorded and counted by the next; others than a statistician, a bad cut-off
and an unknown endpoint end with exit code 2 and a message, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.insilico import run_virtual_trial
from metsor.services.context import Database, unit_of_work
from metsor.services.interim import interim_monitoring
from metsor.services.users import add_user
from metsor.store.models.core import User

pytestmark = pytest.mark.slow

TRIAL: dict[str, Any] = {
    "n_target": 16,
    "start": date(2016, 1, 4),
    "accrual_months": 6.0,
    "follow_up_months": 8.0,
}
SEED = 11
PASSWORD = "a long password for the interim look"
STATISTICIAN = "trial_statistician"
DATA_MANAGER = "dm_with_password"
FIRST_LOOK, SECOND_LOOK = "2016-07-04", "2017-01-03"


@pytest.fixture(scope="module")
def _trial_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("interim-cli") / "trial.sqlite"
    database = Database.open(f"sqlite:///{path}")
    try:
        run_virtual_trial(database, seed=SEED, **TRIAL)
        with database.sessions() as session:
            admin = session.scalars(select(User.username).where(User.role == "admin")).first()
        assert admin is not None
        with unit_of_work(database, admin) as ctx:
            add_user(ctx, username=STATISTICIAN, role="statistician", password=PASSWORD)
            add_user(ctx, username=DATA_MANAGER, role="data_manager", password=PASSWORD)
    finally:
        database.close()
    for name in ("metsor-audit.key", "metsor-audit.anchor"):
        shutil.copyfile(Path(os.environ["METSOR_HOME"]) / name, path.parent / name)
    return path


@pytest.fixture
def url(_trial_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh copy of the virtual trial's database with its audit key and anchor."""
    copy = tmp_path / "trial.sqlite"
    shutil.copyfile(_trial_file, copy)
    shutil.copyfile(_trial_file.parent / "metsor-audit.anchor", tmp_path / "anchor")
    monkeypatch.setenv("METSOR_AUDIT_KEY_FILE", str(_trial_file.parent / "metsor-audit.key"))
    monkeypatch.setenv("METSOR_AUDIT_ANCHOR_FILE", str(tmp_path / "anchor"))
    return f"sqlite:///{copy}"


def _run(url: str, *args: str, user: str = STATISTICIAN) -> Result:
    return CliRunner().invoke(
        app,
        ["interim", "--db", url, "--user", user, *args],
        env={"METSOR_PASSWORD": PASSWORD},
    )


def test_json_gives_the_look_of_the_service(url: str) -> None:
    result = _run(url, "--cutoff", SECOND_LOOK, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    database = Database.open(url)
    try:
        with unit_of_work(database, STATISTICIAN, readonly=True) as ctx:
            look = interim_monitoring(ctx, cutoff=date.fromisoformat(SECOND_LOOK))
    finally:
        database.close()
    r = look.analysis
    assert payload["cutoff"] == SECOND_LOOK
    assert payload["endpoint"] == "OS"
    assert payload["events"] == look.events
    assert payload["z"] == pytest.approx(look.z, rel=1e-12)
    assert payload["information_rates"] == pytest.approx(list(r.information_rates))
    assert payload["critical_z"] == pytest.approx(list(r.critical_z))
    assert payload["decision"] == list(r.decision)
    assert payload["rci_lower"] == pytest.approx(list(r.rci_lower))
    assert payload["repeated_p_value"] == pytest.approx(list(r.repeated_p_value))
    assert payload["plan"]["planned_events"] == 59
    assert payload["earlier_looks"] == []
    assert payload["recorded"] is False


def test_text_output_names_the_events_z_and_decision(url: str) -> None:
    result = _run(url, "--cutoff", SECOND_LOOK)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"OS at {SECOND_LOOK}: ")
    assert "stratified log-rank z" in first
    assert first.endswith(("continue", "reject"))


def test_a_recorded_look_is_counted_by_the_next(url: str) -> None:
    recorded = _run(url, "--cutoff", FIRST_LOOK, "--record", "--rationale", "DMC 1", "--json")
    assert recorded.exit_code == 0, recorded.output
    first = json.loads(recorded.output)
    assert first["recorded"] is True
    second = json.loads(_run(url, "--cutoff", SECOND_LOOK, "--json").output)
    assert second["earlier_looks"] == [
        {"cutoff": FIRST_LOOK, "events": first["events"], "z": first["z"]}
    ]
    assert len(second["decision"]) == 2
    assert second["information_rates"][0] == pytest.approx(first["events"] / 59)


def test_report_writes_the_open_and_the_closed_report(url: str, tmp_path: Path) -> None:
    out = tmp_path / "dmc"
    result = _run(url, "--cutoff", SECOND_LOOK, "--report", str(out))
    assert result.exit_code == 0, result.output
    closed = (out / "dmc_closed.html").read_text(encoding="utf-8")
    opened = (out / "dmc_open.html").read_text(encoding="utf-8")
    assert "CLOSED — for the DMC only" in closed
    assert "CLOSED" not in opened
    assert f"closed report: {out / 'dmc_closed.html'}" in result.output


@pytest.mark.parametrize(
    ("args", "user", "message"),
    [
        pytest.param(
            ("--cutoff", SECOND_LOOK),
            DATA_MANAGER,
            "may not run interim; allowed roles: statistician",
            id="data-manager",
        ),
        pytest.param(("--cutoff", "2017-02-30"), STATISTICIAN, "--cutoff must be", id="bad-date"),
        pytest.param(
            ("--cutoff", "2999-01-01"), STATISTICIAN, "--cutoff 2999-01-01 lies after", id="future"
        ),
        pytest.param(
            ("--cutoff", SECOND_LOOK, "--endpoint", "XYZ"),
            STATISTICIAN,
            "--endpoint 'XYZ': no such ADTTE parameter",
            id="unknown-endpoint",
        ),
        pytest.param(
            ("--cutoff", SECOND_LOOK, "--record"),
            STATISTICIAN,
            "--record needs --rationale",
            id="record-without-rationale",
        ),
    ],
)
def test_refusals_exit_2_with_a_message(
    url: str, args: tuple[str, ...], user: str, message: str
) -> None:
    result = _run(url, *args, user=user)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
