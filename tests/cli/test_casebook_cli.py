"""User errors of the casebook commands: a message on stderr naming the field, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from metsor.cli.main import app

runner = CliRunner()


#: The administrator's password; each command proves the user by ``METSOR_PASSWORD``.
PASSWORD = "a long password"


@pytest.fixture
def initialised(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The URL of a database after ``metsor db init`` (administrator ``admin``, PASSWORD)."""
    monkeypatch.setenv("METSOR_HOME", str(tmp_path))
    monkeypatch.delenv("METSOR_ALLOCATION_SEED", raising=False)
    monkeypatch.delenv("METSOR_USER", raising=False)
    monkeypatch.setenv("METSOR_PASSWORD", PASSWORD)
    result = runner.invoke(
        app, ["db", "init", "--db", database_url, "--admin-password-stdin"], input=PASSWORD
    )
    assert result.exit_code == 0, result.output
    return database_url


_AE = ["record", "ae", "TJ-001", "--term", "Diarrhea", "--grade", "2", "--onset", "2026-02-01"]
_DOSE = ["record", "dose", "TJ-404", "--drug", "sorafenib", "--event", "start"]
_MISSED = ["record", "missed-visit", "TJ-001", "--type", "tumour_assessment", "--number", "1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([*_AE, "--file", "{tmp}/none.json"], "field '--file': no such file",
                     id="file-missing"),
        pytest.param([*_AE, "--file", "{tmp}/bad.json"], "is not valid JSON", id="file-not-json"),
        pytest.param([*_AE, "--file", "{tmp}/bad.json"], "(line 2, column 1)",
                     id="file-not-json-where"),
        pytest.param([*_AE, "--file", "{tmp}/list.json"], "must hold one JSON object",
                     id="file-a-list"),
        pytest.param([*_AE, "--related", "sorafenib"],
                     "--related takes DRUG=VALUE, got 'sorafenib'", id="related-without-value"),
        pytest.param(["record", "tumour", "TJ-001"],
                     "--date is required (or assessed_on in --file)", id="tumour-no-date"),
        pytest.param([*_DOSE, "--date", "2026-02-01"], "no subject 'TJ-404'",
                     id="unknown-subject"),
        pytest.param(["datasets", "export", "--out", "{tmp}/out", "--cutoff", "1/2/2026"],
                     "--cutoff must be a date YYYY-MM-DD, got '1/2/2026'", id="cutoff-not-a-date"),
        pytest.param([*_MISSED, "--reason", "  "],
                     "option --reason: must be a non-empty text", id="missed-visit-no-reason"),
        pytest.param([*_MISSED, "--reason", "ill", "--date", "1/2/2026"],
                     "option --date: must be a date (YYYY-MM-DD), got '1/2/2026'",
                     id="missed-visit-date-not-a-date"),
        pytest.param(["record", "missed-visit", "TJ-001", "--type", "baseline", "--number", "1",
                      "--reason", "ill"], "option --type: must be one of treatment, "
                      "tumour_assessment, follow_up; got 'baseline'", id="missed-visit-baseline"),
        pytest.param(["queries", "answer", "999", "--answer", "x"],
                     "argument QUERY_ID: no query 999", id="unknown-query"),
    ],
)  # fmt: skip
def test_casebook_user_errors_exit_2_naming_the_option(
    initialised: str, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "bad.json").write_text('{"term": "Diarrhea",\n}', encoding="utf-8")
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    filled = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = runner.invoke(app, [*filled, "--db", initialised, "--user", "admin"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_a_casebook_command_on_an_unsupported_database_exits_2() -> None:
    result = runner.invoke(
        app, ["queries", "list", "--db", "mysql://x@y/z", "--user", "admin"], env={}
    )
    assert result.exit_code == 2
    assert "option --db: database 'mysql' is not supported" in result.stderr


def test_therapy_and_survival_contact_are_recorded(initialised: str, tmp_path: Path) -> None:
    """``record therapy`` and ``record survival`` on a subject randomized today."""
    import json
    from datetime import UTC, datetime

    from metsor.eligibility.examples import eligible_record

    today = datetime.now(UTC).date().isoformat()
    (tmp_path / "record.json").write_text(json.dumps(eligible_record()), encoding="utf-8")
    steps = [
        ["subjects", "register", str(tmp_path / "record.json"), "--site", "TJ"],
        ["subjects", "consent", "TJ-001", "--date", today],
        ["subjects", "randomize", "TJ-001"],
    ]
    for args in steps:
        result = runner.invoke(app, [*args, "--db", initialised, "--user", "admin"])
        assert result.exit_code == 0, (args, result.output)
    therapy = ["record", "therapy", "TJ-001", "--start", today, "--name", "TACE"]
    where = ["--db", initialised, "--user", "admin"]
    result = runner.invoke(app, [*therapy, "--category", "locoregional", "--json", *where])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["category"] == "locoregional"
    result = runner.invoke(
        app, [*therapy, "--category", "herbal", "--db", initialised, "--user", "admin"]
    )
    assert result.exit_code == 2
    assert "category" in result.stderr
    survival = ["record", "survival", "TJ-001", "--date", today, "--method", "phone"]
    result = runner.invoke(
        app, [*survival, "--status", "alive", "--db", initialised, "--user", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert f"TJ-001 alive on {today} (phone)" in result.stdout
    result = runner.invoke(
        app, [*survival, "--status", "dead", "--db", initialised, "--user", "admin"]
    )
    assert result.exit_code == 2
    assert "status" in result.stderr or "death" in result.stderr


def test_a_visit_not_done_is_recorded_and_a_second_mark_refused(
    initialised: str, tmp_path: Path
) -> None:
    """``record missed-visit`` on a subject randomized today: the line names the visit, the
    day and the reason; marking it again exits 2 naming --number."""
    import json
    from datetime import UTC, datetime

    from metsor.eligibility.examples import eligible_record

    today = datetime.now(UTC).date().isoformat()
    (tmp_path / "record.json").write_text(json.dumps(eligible_record()), encoding="utf-8")
    where = ["--db", initialised, "--user", "admin"]
    for args in (
        ["subjects", "register", str(tmp_path / "record.json"), "--site", "TJ"],
        ["subjects", "consent", "TJ-001", "--date", today],
        ["subjects", "randomize", "TJ-001"],
    ):
        result = runner.invoke(app, [*args, *where])
        assert result.exit_code == 0, (args, result.output)
    args = [*_MISSED, "--reason", "scanner down", "--date", today, *where]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"TJ-001 tumour_assessment 1 not done on {today}" in result.stdout
    assert result.stdout.rstrip().endswith(": scanner down")
    again = runner.invoke(app, [*args, "--json"])
    assert again.exit_code == 2
    assert "option --number: subject TJ-001's tumour_assessment visit 1 is already" in again.stderr
