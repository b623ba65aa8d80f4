"""The casebook commands end to end, and the exported ADTTE read by ``metsor analyze``."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.services.context import Database, unit_of_work

from .builders import BASELINE_LESIONS, lesions
from .conftest import enroll

runner = CliRunner()

#: The password the command-line users of these tests prove themselves with.
PASSWORD = "a long password"


@pytest.fixture(autouse=True)
def passwords(trial: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the users these tests act as :data:`PASSWORD`, given by ``METSOR_PASSWORD``."""
    from metsor.services.users import reset_password

    with unit_of_work(trial, "admin") as ctx:
        for username in ("inv_tj", "monitor", "stat"):
            reset_password(ctx, username, password=PASSWORD)
    monkeypatch.setenv("METSOR_PASSWORD", PASSWORD)


def metsor(url: str, user: str, *args: str) -> Any:
    """Run ``metsor ARGS --db URL --user USER``; return the result."""
    return runner.invoke(app, [*args, "--db", url, "--user", user])


def ok_json(url: str, user: str, *args: str) -> Any:
    result = metsor(url, user, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.slow
def test_a_casebook_recorded_from_the_command_line_is_analysed(
    trial: Database, tmp_path: Path
) -> None:
    url = trial.url
    subjects = []
    for _ in range(6):
        subject_id, result = enroll(trial, randomize=True)
        assert result is not None
        subjects.append((subject_id, result.arm, result.randomized_at.date()))
    for index, (subject_id, arm, day0) in enumerate(subjects):
        for drug in arm.split("_"):
            ok_json(url, "inv_tj", "record", "dose", subject_id, "--drug", drug,
                    "--event", "start", "--date", day0.isoformat())  # fmt: skip
        baseline = tmp_path / f"{subject_id}-baseline.json"
        baseline.write_text(json.dumps({"assessed_on": str(day0 - timedelta(3)),
                                        "lesions": BASELINE_LESIONS}))  # fmt: skip
        ok_json(url, "inv_tj", "record", "tumour", subject_id, "--file", str(baseline))
        follow = tmp_path / f"{subject_id}-week7.json"
        follow.write_text(json.dumps({"lesions": lesions((38, 20), (30, 15))}))
        scan = ok_json(url, "inv_tj", "record", "tumour", subject_id, "--file", str(follow),
                       "--date", str(day0 + timedelta(49)))  # fmt: skip
        assert (scan["recist_response"], scan["mrecist_response"]) == ("SD", "PR")
        if index % 2 == 0:
            ok_json(url, "inv_tj", "record", "death", subject_id,
                    "--date", str(day0 + timedelta(60 + 30 * index)),
                    "--cause", "disease_progression")  # fmt: skip
    subject_id, arm, day0 = subjects[1]
    lab = ok_json(url, "inv_tj", "record", "lab", subject_id, "--analyte", "anc",
                  "--value", "900", "--unit", "/mm3", "--date", str(day0 + timedelta(14)),
                  "--lln", "1800")  # fmt: skip
    # CTCAE v5.0 neutrophil count decreased: < 1000–500 /mm³ is grade 3
    assert (lab["ctcae_term"], lab["ctcae_grade"]) == ("Neutrophil count decreased", 3)
    related = [f"--related={drug}=possible" for drug in arm.split("_")]
    action = [f"--action={drug}=drug_interrupted" for drug in arm.split("_")]
    event = ok_json(url, "inv_tj", "record", "ae", subject_id, "--term", "Diarrhea",
                    "--grade", "3", "--onset", str(day0 + timedelta(10)), "--serious",
                    *related, *action)  # fmt: skip
    assert event["serious"] is True
    vitals = ok_json(url, "inv_tj", "record", "vitals", subject_id,
                     "--date", str(day0 + timedelta(14)),
                     "--sbp", "165", "--dbp", "95")  # fmt: skip
    assert vitals["hypertension_grade"] == 3  # CTCAE v5.0: systolic ≥ 160 mm Hg
    query = ok_json(url, "monitor", "queries", "raise", "lab_results", str(lab["id"]), "value",
                    "--question", "ANC 900: repeat sample?")  # fmt: skip
    ok_json(url, "inv_tj", "queries", "answer", str(query["id"]), "--answer", "Typo: 1900.")
    fixed = ok_json(url, "inv_tj", "correct", "lab_results", str(lab["id"]), "value", "1900",
                    "--reason", "typo in transcription", "--query", str(query["id"]))  # fmt: skip
    assert fixed["query_id"] == query["id"]
    ok_json(url, "monitor", "queries", "close", str(query["id"]), "--resolution", "Corrected.")
    listed = ok_json(url, "monitor", "queries", "list", "--status", "closed")
    assert [q["id"] for q in listed] == [query["id"]]

    out = tmp_path / "datasets"
    result = metsor(url, "stat", "datasets", "export", "--out", str(out))
    assert result.exit_code == 0, result.output
    with (out / "adae.csv").open() as handle:
        adae = list(csv.DictReader(handle))
    assert [(r["AETERM"], r["AETOXGR"], r["AESER"], r["AREL"]) for r in adae] == [
        ("Diarrhea", "3", "Y", "Y")
    ]
    with (out / "adtte.csv").open() as handle:
        os_rows = [r for r in csv.DictReader(handle) if r["PARAMCD"] == "OS"]
    assert sorted(r["EVENT"] for r in os_rows) == ["0", "0", "0", "1", "1", "1"]
    analysed = runner.invoke(
        app,
        ["analyze", "survival", "--input", str(out / "adtte.csv"), "--param", "OS",
         "--time", "AVAL", "--event", "EVENT", "--group", "ARM", "--json"],
    )  # fmt: skip
    assert analysed.exit_code == 0, analysed.output
    assert "Sorafenib" in analysed.output


def test_errors_exit_2_naming_the_option(trial: Database) -> None:
    subject_id, result = enroll(trial, randomize=True)
    assert result is not None
    day0 = result.randomized_at.date()
    bad_date = metsor(trial.url, "inv_tj", "record", "dose", subject_id, "--drug", "sorafenib",
                      "--event", "start", "--date", str(day0 - timedelta(1)))  # fmt: skip
    assert bad_date.exit_code == 2
    assert bad_date.output.startswith(f"error: --date {day0 - timedelta(1)} is before subject")
    assert "event_date" not in bad_date.output
    no_user = runner.invoke(app, ["queries", "list", "--db", trial.url], env={"METSOR_USER": ""})
    assert no_user.exit_code == 2
    assert "--user" in no_user.output
    no_reason = metsor(trial.url, "inv_tj", "correct", "deaths", "1", "cause", "other",
                       "--reason", " ")  # fmt: skip
    assert no_reason.exit_code == 2
    assert "reason" in no_reason.output
