"""The exports read a trial recorded through the services the same way on SQLite and on
PostgreSQL: two randomized subjects, one screen failure, doses, a laboratory value and an
adverse event of a related grade 3 with a dose reduction."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from metsor.eligibility.examples import eligible_record
from metsor.export.cdisc import export_adam, export_sdtm
from metsor.export.ctgov import export_results
from metsor.export.ipd import export_ipd
from metsor.services.allocation_seed import SeedSource
from metsor.services.casebook import record_adverse_event, record_dose, record_lab
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject
from metsor.services.setup import initialize
from metsor.services.users import add_user

SEED = bytes(range(1, 33))
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class _Clock:
    """The trial's today, moved by the fixture."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def recorded(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A trial with two randomized subjects (treated, one adverse event) and a screen failure."""
    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    clock = _Clock(START)
    database = Database.open(database_url, clock=clock)
    try:
        initialize(database, seed=SeedSource(SEED, "tests"), method="permuted_blocks")
        with unit_of_work(database, "admin") as ctx:
            add_user(ctx, username="inv", role="investigator", site="TJ")
            add_user(ctx, username="stat", role="statistician")
        day0 = START.date()
        arms = []
        for record in (eligible_record(), eligible_record(), eligible_record(ecog=3)):
            with unit_of_work(database, "inv") as ctx:
                subject = register_subject(ctx, record=record, screened_on=day0 - timedelta(10))
            if subject.verdict != "eligible":
                continue
            with unit_of_work(database, "inv") as ctx:
                record_consent(ctx, subject.subject_id, consent_date=day0 - timedelta(9))
            with unit_of_work(database, "inv") as ctx:
                arms.append((subject.subject_id, randomize_subject(ctx, subject.subject_id).arm))
        clock.now = START + timedelta(days=30)
        for subject_id, arm in arms:
            drugs = arm.split("_")
            with unit_of_work(database, "inv") as ctx:
                for drug in drugs:
                    record_dose(ctx, subject_id=subject_id, drug=drug, event="start",
                                event_date=day0)  # fmt: skip
                record_lab(ctx, subject_id=subject_id, analyte="ast", value=130.0, unit="U/L",
                           uln=40.0, collected_on=day0 + timedelta(14))  # fmt: skip
                record_adverse_event(
                    ctx, subject_id=subject_id, term="hand-foot skin reaction", grade=3,
                    onset_date=day0 + timedelta(20),
                    relatedness={drug: "probable" for drug in drugs},
                    action_taken={drug: "dose_not_changed" for drug in drugs},
                )  # fmt: skip
        yield database
    finally:
        database.close()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_exports_read_the_recorded_trial(recorded: Database, tmp_path: Path) -> None:
    cutoff = START.date() + timedelta(days=30)
    with unit_of_work(recorded, "stat", readonly=True) as ctx:
        export_sdtm(ctx, tmp_path / "sdtm", cutoff=cutoff)
        export_adam(ctx, tmp_path / "adam", cutoff=cutoff)
        export_results(ctx, tmp_path / "results.json", cutoff=cutoff)
        export_ipd(ctx, tmp_path / "ipd", key=bytes(32), cutoff=cutoff)
    dm = _rows(tmp_path / "sdtm" / "dm.csv")
    assert [row["ARMNRS"] for row in dm] == ["", "", "SCREEN FAILURE"]
    (ae, *others) = _rows(tmp_path / "sdtm" / "ae.csv")
    assert len(others) == 1
    assert (ae["AEDECOD"], ae["AETOXGR"], ae["AEREL"], ae["AESTDY"]) == (
        "Palmar-plantar erythrodysesthesia syndrome", "3", "Y", "21"
    )  # fmt: skip
    lb = _rows(tmp_path / "sdtm" / "lb.csv")
    assert [(row["LBTESTCD"], row["LBNRIND"], row["LBDTC"]) for row in lb] == [
        ("AST", "HIGH", (START.date() + timedelta(14)).isoformat())
    ] * 2
    adsl = _rows(tmp_path / "adam" / "adsl.csv")
    assert [(row["SAFFL"], row["ITTFL"], row["TRTSDT"]) for row in adsl] == [
        ("Y", "Y", START.date().isoformat())
    ] * 2
    adae = _rows(tmp_path / "adam" / "adae.csv")
    assert [row["TRTEMFL"] for row in adae] == ["Y", "Y"]
    results = json.loads((tmp_path / "results.json").read_text())["resultsSection"]
    serious = results["adverseEventsModule"]["otherEvents"]
    assert [event["term"] for event in serious] == ["Palmar-plantar erythrodysesthesia syndrome"]
    assert sum(s["numAffected"] for s in serious[0]["stats"]) == 2
    ipd = _rows(tmp_path / "ipd" / "adae.csv")
    assert [row["ASTDY"] for row in ipd] == ["21", "21"]
    assert date.fromisoformat(adae[0]["ASTDT"]) == START.date() + timedelta(20)


def test_a_trial_without_subjects_exports_empty_datasets(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before the first registration the datasets are empty files and there are no results."""
    from metsor.errors import InputError

    monkeypatch.setenv("METSOR_ALLOCATION_SEED", SEED.hex())
    database = Database.open(database_url, clock=_Clock(START))
    try:
        initialize(database, seed=SeedSource(SEED, "tests"), method="permuted_blocks")
        with unit_of_work(database, "admin", readonly=True) as ctx:
            sdtm = export_sdtm(ctx, tmp_path / "sdtm")
            adam = export_adam(ctx, tmp_path / "adam")
            with pytest.raises(InputError, match="no participant is randomized"):
                export_results(ctx, tmp_path / "results.json")
    finally:
        database.close()
    assert sdtm.rows["DM"] == 0
    assert sdtm.rows["TS"] > 0
    assert set(adam.rows.values()) == {0}
    assert _rows(tmp_path / "adam" / "adsl.csv") == []
    assert not (tmp_path / "results.json").exists()
