"""``metsor record visit --file``: the visit with what was collected at it (laboratory values,
vital signs) saved as one page; a bad value named by its place in the page, nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.eligibility.examples import eligible_record

runner = CliRunner()

#: The administrator's password; each command proves the user by ``METSOR_PASSWORD``.
PASSWORD = "a long password"

PAGE = {
    "labs": [{"analyte": "ast", "value": 130, "unit": "U/L", "uln": 40}],
    "vital_signs": {"systolic_mmhg": 164, "diastolic_mmhg": 94, "ecog": 1},
}


@pytest.fixture
def randomized(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``--db`` and ``--user`` of a database whose subject TJ-001 is randomized today."""
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.delenv("METSOR_USER", raising=False)
    monkeypatch.setenv("METSOR_PASSWORD", PASSWORD)
    result = runner.invoke(
        app, ["db", "init", "--db", database_url, "--admin-password-stdin"], input=PASSWORD
    )
    assert result.exit_code == 0, result.output
    where = ["--db", database_url, "--user", "admin"]
    (tmp_path / "record.json").write_text(json.dumps(eligible_record()), encoding="utf-8")
    for args in (
        ["subjects", "register", str(tmp_path / "record.json"), "--site", "TJ"],
        ["subjects", "consent", "TJ-001", "--date", _today()],
        ["subjects", "randomize", "TJ-001"],
    ):
        result = runner.invoke(app, [*args, *where])
        assert result.exit_code == 0, (args, result.output)
    return where


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _visit(tmp_path: Path, page: dict[str, object], *options: str) -> list[str]:
    (tmp_path / "page.json").write_text(json.dumps(page), encoding="utf-8")
    visit = ["record", "visit", "TJ-001", "--type", "unscheduled", "--date", _today()]
    return [*visit, "--file", str(tmp_path / "page.json"), *options]


def test_a_visit_is_saved_with_its_labs_and_vital_signs(
    randomized: list[str], tmp_path: Path
) -> None:
    result = runner.invoke(app, [*_visit(tmp_path, PAGE), *randomized])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("visit ")
    assert "TJ-001 unscheduled 1 on" in result.stdout
    assert "with 1 laboratory value(s), vital signs (hypertension grade 3)" in result.stdout
    page = {"labs": [{"analyte": "alt", "value": 30, "unit": "U/L", "uln": 40}]}
    result = runner.invoke(app, [*_visit(tmp_path, page, "--json"), *randomized])
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    assert (stored["visit"]["number"], stored["vital_signs"]) == (2, None)
    assert stored["labs"][0]["collected_on"] == stored["visit"]["actual_date"] == _today()


@pytest.mark.parametrize(
    ("page", "message"),
    [
        pytest.param(
            {**PAGE, "vital_signs": {"systolic_mmhg": 400, "diastolic_mmhg": 80}},
            "field 'vital_signs.systolic_mmhg': systolic_mmhg 400 mm Hg is outside",
            id="vital-sign",
        ),
        pytest.param(
            {**PAGE, "labs": [{"analyte": "ast", "value": 130, "unit": "furlongs"}]},
            "field 'labs.0.unit'",
            id="lab-unit",
        ),
        pytest.param({**PAGE, "dosing": []}, "unknown key(s) 'dosing'", id="unknown-part"),
    ],
)
def test_a_refused_page_names_the_place_and_writes_nothing(
    randomized: list[str], tmp_path: Path, page: dict[str, object], message: str
) -> None:
    result = runner.invoke(app, [*_visit(tmp_path, page), *randomized])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""
    result = runner.invoke(app, [*_visit(tmp_path, PAGE), *randomized])
    assert result.exit_code == 0, result.output
    assert "TJ-001 unscheduled 1 on" in result.stdout  # the refused page wrote no visit
