"""One set of eligibility settings everywhere: ``metsor screen``, registration, re-screening and
the baseline scores of ADSL, on SQLite and PostgreSQL; the settings read from the environment
once, when the database is opened (a service never reads them itself).

Child-Pugh (Pugh RNH et al., Br J Surg 1973;60:646–649): albumin 2.8–3.5 g/dL scores 2 points
and below 2.8 g/dL 3 points; some texts put the lower cut-off at 3.0 g/dL, which
``METSOR_CHILD_PUGH_ALBUMIN_CUTOFF=3.0`` selects. With albumin 2.9 g/dL and every other
component at 1 point, the score is 6 (class A) at the 2.8 cut-off and 7 (class B, ineligible:
the registry requires Child-Pugh class A) at the 3.0 cut-off. BCLC stages follow the 2022
update (Reig M et al., J Hepatol 2022;76:681–693).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from metsor.cli.main import app
from metsor.config import ALBUMIN_CUTOFF_ENV, eligibility_settings, settings
from metsor.eligibility import EligibilitySettings, rules_version
from metsor.eligibility import screen as screen_record
from metsor.errors import InputError
from metsor.export.datasets import export_datasets
from metsor.services.casebook import subject_courses
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import register_subject, rescreen_subject
from metsor.store.models.core import Screening, Subject

from .conftest import enroll, record_for

SCREENED_ON = date(2026, 1, 5)


@contextmanager
def reopened(database: Database) -> Iterator[Database]:
    """The trial's database opened again, with the settings in force now."""
    again = Database.open(database.url, clock=database.clock)
    try:
        yield again
    finally:
        again.close()


def low_albumin_record() -> dict[str, Any]:
    """The eligible example record with albumin 2.9 g/dL (Child-Pugh 6 or 7, see above)."""
    record = record_for()
    record["labs"]["albumin"] = {"value": 2.9, "unit": "g/dL"}
    return record


def stored_screening(database: Database, subject_id: str) -> Screening:
    with database.sessions() as session:
        return session.scalars(
            select(Screening).where(Screening.subject_id == subject_id).order_by(Screening.id)
        ).all()[-1]


def test_registration_uses_the_albumin_cutoff_of_metsor_screen(
    trial: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ALBUMIN_CUTOFF_ENV, "3.0")
    path = tmp_path / "record.json"
    path.write_text(json.dumps(low_albumin_record()))
    screened = CliRunner().invoke(app, ["screen", str(path), "--json"])
    assert screened.exit_code == 0, screened.output
    assert json.loads(screened.output)["verdict"] == "ineligible"
    with reopened(trial) as opened, unit_of_work(opened, "inv_tj") as ctx:
        registered = register_subject(ctx, record=low_albumin_record(), screened_on=SCREENED_ON)
    assert (registered.verdict, registered.status) == ("ineligible", "screen_failed")
    assert registered.failed == ("child_pugh_a",)
    stored = stored_screening(trial, registered.subject_id)
    assert stored.rules_version == "1.1+albumin_cutoff=3"
    assert stored.rules_version == rules_version(EligibilitySettings(albumin_cutoff_g_dl=3.0))
    assert stored.result["derived"]["child_pugh"] == {"points": 7, "class": "B"}


def test_default_cutoff_and_rescreening_follow_the_settings(
    trial: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ALBUMIN_CUTOFF_ENV, raising=False)
    with unit_of_work(trial, "inv_tj") as ctx:
        registered = register_subject(ctx, record=low_albumin_record(), screened_on=SCREENED_ON)
    assert (registered.verdict, registered.status) == ("eligible", "eligible")
    assert stored_screening(trial, registered.subject_id).rules_version == "1.1"
    monkeypatch.setenv(ALBUMIN_CUTOFF_ENV, "3.0")
    with unit_of_work(trial, "inv_tj") as ctx:  # opened before: the settings it opened with
        unchanged = rescreen_subject(
            ctx, registered.subject_id, record=low_albumin_record(), screened_on=SCREENED_ON
        )
    assert (unchanged.verdict, unchanged.status) == ("eligible", "eligible")
    with reopened(trial) as opened, unit_of_work(opened, "inv_tj") as ctx:
        again = rescreen_subject(
            ctx, registered.subject_id, record=low_albumin_record(), screened_on=SCREENED_ON
        )
    assert (again.verdict, again.status) == ("ineligible", "screen_failed")
    assert stored_screening(trial, registered.subject_id).rules_version == "1.1+albumin_cutoff=3"


def test_a_malformed_cutoff_refuses_registering_and_writes_nothing(
    trial: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ALBUMIN_CUTOFF_ENV, "abc")
    with (
        pytest.raises(InputError) as caught,
        reopened(trial) as opened,
        unit_of_work(opened, "inv_tj") as ctx,
    ):
        register_subject(ctx, record=low_albumin_record(), screened_on=SCREENED_ON)
    assert caught.value.field == ALBUMIN_CUTOFF_ENV
    with trial.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Subject)) == 0


@pytest.mark.parametrize("text", ["abc", "3,0", "nan", "inf", "1.9", "4.1", "-3"])
def test_a_cutoff_that_is_not_a_plausible_albumin_is_refused(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv(ALBUMIN_CUTOFF_ENV, text)
    read = settings()  # refused where it is used, not when read
    with pytest.raises(InputError, match=ALBUMIN_CUTOFF_ENV) as caught:
        screen_record(record_for(), settings=read.eligibility)
    assert caught.value.field == ALBUMIN_CUTOFF_ENV
    assert repr(text) in str(caught.value)
    with pytest.raises(InputError):
        eligibility_settings()


@pytest.mark.parametrize(("text", "expected"), [("3.0", 3.0), (" 2.0 ", 2.0), ("4", 4.0)])
def test_a_plausible_cutoff_is_read(
    monkeypatch: pytest.MonkeyPatch, text: str, expected: float
) -> None:
    monkeypatch.setenv(ALBUMIN_CUTOFF_ENV, text)
    assert settings().child_pugh_albumin_cutoff_g_dl == expected
    assert eligibility_settings().albumin_cutoff_g_dl == expected


def test_unset_cutoff_is_the_default_and_flags_pass_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ALBUMIN_CUTOFF_ENV, raising=False)
    assert eligibility_settings() == EligibilitySettings()
    chosen = eligibility_settings(age_rule="structured", require_bclc_c=True)
    assert (chosen.age_rule, chosen.require_bclc_c) == ("structured", True)
    with pytest.raises(InputError) as caught:
        eligibility_settings(age_rule="lenient")
    assert caught.value.field == "age_rule"


def adsl_rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as handle:
        return {row["SUBJID"]: row for row in csv.DictReader(handle)}


def test_adsl_derives_child_pugh_and_bclc_as_screening_does(
    trial: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ALBUMIN_CUTOFF_ENV, raising=False)
    monkeypatch.setenv("METSOR_REQUIRE_BCLC_C", "false")  # BCLC B and unstaged subjects enrol
    with reopened(trial) as opened:  # opened with the settings above
        no_nodule_count = record_for()
        del no_nodule_count["tumour"]["nodules"]
        records = {
            # MVI: BCLC C (2022); Child-Pugh 6 at the 2.8 cut-off, 7 at 3.0
            "C": low_albumin_record(),
            # ECOG 0, two nodules up to 6.5 cm, no MVI or spread: BCLC B
            "B": record_for(ecog=0, mvi=False, ehs=False),
            # the number of nodules unknown: no stage
            "": no_nodule_count,
        }
        subjects = {}
        for stage, record in records.items():
            subject_id, _ = enroll(opened, record=record, randomize=True)
            subjects[stage] = subject_id
        with unit_of_work(opened, "stat", readonly=True) as ctx:
            baselines = {c.subject_id: c.baseline for c in subject_courses(ctx)}
            adsl = adsl_rows(export_datasets(ctx, tmp_path / "default")["adsl"])
        assert {stage: baselines[s]["bclc_stage"] for stage, s in subjects.items()} == {
            "C": "C",
            "B": "B",
            "": None,
        }
        assert {stage: adsl[s]["BCLC"] for stage, s in subjects.items()} == {
            "C": "C",
            "B": "B",
            "": "",
        }
        assert {stage: adsl[s]["CHILDPGH"] for stage, s in subjects.items()} == {
            "C": "6",
            "B": "5",
            "": "5",
        }
    monkeypatch.setenv(ALBUMIN_CUTOFF_ENV, "3.0")
    with reopened(trial) as opened, unit_of_work(opened, "stat", readonly=True) as ctx:
        adsl = adsl_rows(export_datasets(ctx, tmp_path / "cutoff3")["adsl"])
    assert adsl[subjects["C"]]["CHILDPGH"] == "7"
    assert adsl[subjects["B"]]["CHILDPGH"] == "5"
