"""Settings on the command line: a malformed eligibility setting stops what screens, and only
that; ``metsor demo`` gives its database its own audit key and anchor without touching the
environment."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.config import ALBUMIN_CUTOFF_ENV, REQUIRE_BCLC_C_ENV
from metsor.eligibility.examples import eligible_record

runner = CliRunner()

PASSWORD = "a long password"

#: Each eligibility setting, malformed.
MALFORMED = [
    pytest.param(REQUIRE_BCLC_C_ENV, "maybe", id="require-bclc-c"),
    pytest.param(ALBUMIN_CUTOFF_ENV, "low", id="albumin-cutoff"),
]


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``cli(*args, env=...)`` runs ``metsor ARGS --db URL`` as the administrator."""
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.delenv("METSOR_USER", raising=False)
    for name in (REQUIRE_BCLC_C_ENV, ALBUMIN_CUTOFF_ENV):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, env: dict[str, str] | None = None) -> Any:
        if args[:2] == ("db", "init"):
            extra, stdin = ["--db", database_url, "--admin-password-stdin"], PASSWORD + "\n"
        else:
            extra, stdin = ["--db", database_url, "--user", "admin"], None
        given = {"METSOR_PASSWORD": PASSWORD, **(env or {})}
        return runner.invoke(app, [*args, *extra], input=stdin, env=given)

    assert run("db", "init").exit_code == 0
    return run


def _record(tmp_path: Path) -> str:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(eligible_record()))
    return str(path)


@pytest.mark.parametrize(("variable", "text"), MALFORMED)
def test_a_malformed_eligibility_setting_stops_registering_naming_it(
    cli: Any, tmp_path: Path, variable: str, text: str
) -> None:
    refused = cli("subjects", "register", _record(tmp_path), "--site", "TJ", env={variable: text})
    assert refused.exit_code == 2, refused.output
    assert variable in refused.output
    assert repr(text) in refused.output
    assert "Traceback" not in refused.output
    listed = cli("subjects", "list", "--json")
    assert json.loads(listed.stdout)["subjects"] == []  # nothing written


@pytest.mark.parametrize(("variable", "text"), MALFORMED)
def test_a_malformed_eligibility_setting_stops_metsor_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, text: str
) -> None:
    monkeypatch.setenv(variable, text)
    refused = runner.invoke(app, ["screen", _record(tmp_path)])
    assert refused.exit_code == 2, refused.output
    assert variable in refused.output
    assert repr(text) in refused.output


@pytest.mark.parametrize(("variable", "text"), MALFORMED)
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("audit", "verify"), id="audit-verify"),
        pytest.param(("sites", "list"), id="sites-list"),
        pytest.param(("randomization", "report"), id="randomization-report"),
    ],
)
def test_commands_that_screen_no_one_run_whatever_it_says(
    cli: Any, variable: str, text: str, command: tuple[str, ...]
) -> None:
    done = cli(*command, env={variable: text})
    assert done.exit_code == 0, done.output
    assert variable not in done.output


class WatchedEnviron(MutableMapping[str, str]):
    """The process environment, noting every change made to it (libraries make some)."""

    def __init__(self, real: MutableMapping[str, str]) -> None:
        self._real = real
        self.changes: list[str] = []

    def __getitem__(self, key: str) -> str:
        return self._real[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.changes.append(f"set {key}")
        self._real[key] = value

    def __delitem__(self, key: str) -> None:
        self.changes.append(f"unset {key}")
        del self._real[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._real)

    def __len__(self) -> int:
        return len(self._real)

    def copy(self) -> dict[str, str]:
        return dict(self._real)


def _metsor_variables(environ: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in environ.items() if name.startswith("METSOR_")}


def test_the_demo_gives_its_database_its_key_and_anchor_and_leaves_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "demo"
    before = dict(os.environ)
    watched = WatchedEnviron(os.environ)
    monkeypatch.setattr(os, "environ", watched)
    result = runner.invoke(app, ["demo", "--out", str(out), "--json", "--subjects", "8"])
    assert result.exit_code == 0, result.output
    assert [change for change in watched.changes if "METSOR_" in change] == []
    assert _metsor_variables(watched) == _metsor_variables(before)
    payload = json.loads(result.output)
    assert payload["trial"]["audit"]["intact"] is True
    home = Path(before["METSOR_HOME"])
    assert (out / "metsor-audit.key").is_file()
    assert (out / "metsor-audit.anchor").is_file()
    assert not (home / "metsor-audit.key").exists()
    assert not (home / "metsor-audit.anchor").exists()
