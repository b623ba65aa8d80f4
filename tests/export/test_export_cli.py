"""``metsor export``: each command writes its files; bad input ends with exit 2 and a message."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.insilico.trial import SITE_USERS
from metsor.services.context import Database, unit_of_work

from .conftest import ExportTrial

PASSWORD = "a long password for exports"
runner = CliRunner()


@pytest.fixture
def cli_user(export_trial: ExportTrial, monkeypatch: pytest.MonkeyPatch) -> str:
    """The trial's data manager, proving themselves by ``METSOR_PASSWORD``."""
    from metsor.services.users import reset_password

    monkeypatch.setenv("METSOR_HOME", export_trial.home)
    user = SITE_USERS["data_manager"]
    database = Database.open(export_trial.url)
    try:
        with unit_of_work(database, "admin") as ctx:
            reset_password(ctx, user, password=PASSWORD)
    finally:
        database.close()
    monkeypatch.setenv("METSOR_PASSWORD", PASSWORD)
    return user


def _metsor(trial: ExportTrial, user: str, *args: str) -> Any:
    return runner.invoke(app, ["export", *args, "--db", trial.url, "--user", user])


def test_sdtm_and_adam_write_every_dataset(
    export_trial: ExportTrial, cli_user: str, tmp_path: Path
) -> None:
    cutoff = export_trial.result.cutoff.isoformat()
    sdtm = _metsor(export_trial, cli_user, "sdtm", "--out", str(tmp_path / "sdtm"),
                   "--cutoff", cutoff, "--json")  # fmt: skip
    assert sdtm.exit_code == 0, sdtm.output
    written = json.loads(sdtm.output)
    assert sorted(written["datasets"]) == sorted(
        [
            "DM",
            "DS",
            "EX",
            "AE",
            "SUPPAE",
            "LB",
            "VS",
            "TU",
            "TR",
            "RS",
            "SV",
            "TS",
            "TA",
            "TE",
            "XS",
            "SUPPXS",
        ]
    )
    assert Path(written["define"]).is_file()
    adam = _metsor(export_trial, cli_user, "adam", "--out", str(tmp_path / "adam"))
    assert adam.exit_code == 0, adam.output
    assert adam.output.splitlines()[0].startswith("ADSL: 12 rows (adsl.csv, adsl.xpt)")


def test_ctgov_and_ipd_write_their_files(
    export_trial: ExportTrial, cli_user: str, tmp_path: Path
) -> None:
    out = tmp_path / "results.json"
    ctgov = _metsor(export_trial, cli_user, "ctgov", "--out", str(out))
    assert ctgov.exit_code == 0, ctgov.output
    assert "participantFlowModule" in json.loads(out.read_text())["resultsSection"]
    key = tmp_path / "keys" / "metsor-ipd.key"
    ipd = _metsor(export_trial, cli_user, "ipd", "--out", str(tmp_path / "ipd"),
                  "--key-file", str(key), "--json")  # fmt: skip
    assert ipd.exit_code == 0, ipd.output
    assert "README.md" in json.loads(ipd.output)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("sdtm", "--out", "{tmp}/x", "--cutoff", "2016-13-01"), "--cutoff",
                     id="bad-cutoff"),
        pytest.param(("adam", "--out", "{tmp}/x", "--cutoff", "0001-01-01"),
                     "--cutoff 0001-01-01 is before the start", id="cutoff-before-the-trial"),
        pytest.param(("ctgov", "--out", "{tmp}/r.json", "--cutoff", "2999-01-01"),
                     "cutoff 2999-01-01 lies after today", id="cutoff-after-today"),
        pytest.param(("adam", "--out", "{tmp}/a-file"), "exists and is not a folder",
                     id="out-is-a-file"),
        pytest.param(("ctgov", "--out", "{tmp}"), "is a folder", id="ctgov-out-is-a-folder"),
        pytest.param(("ipd", "--out", "{tmp}/ipd", "--key-file", "{tmp}/a-file"),
                     "must hold 32 bytes", id="ipd-bad-key"),
        pytest.param(("ipd", "--out", "{tmp}/ipd", "--min-site-size", "0"), "--min-site-size",
                     id="ipd-bad-site-size"),
        pytest.param(("ipd", "--out", "{tmp}/ipd", "--min-term-subjects", "0"),
                     "--min-term-subjects", id="ipd-bad-term-subjects"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_it(
    export_trial: ExportTrial, cli_user: str, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "a-file").write_text("kept\n")
    result = _metsor(export_trial, cli_user, *(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert [path.name for path in tmp_path.iterdir()] == ["a-file"]  # nothing written
