"""Interim monitoring from the trial database (:mod:`metsor.services.interim`).

A small virtual trial (sixteen subjects over six months, followed eight more, as the report's
tests run) is looked at mid-way: the service's events, z and bounds equal those computed by
hand from the ADTTE exported at the same cut-off (:mod:`metsor.analysis` and
:func:`metsor.design.interim.interim_analysis` with the protocol's plan). Only a statistician
may run it; earlier looks are recorded as audited decisions and counted by later looks.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from metsor.analysis import analyse_adtte
from metsor.design.interim import interim_analysis
from metsor.errors import ConflictError, InputError, PermissionDeniedError
from metsor.export import export_datasets
from metsor.insilico import run_virtual_trial
from metsor.protocol import builtin
from metsor.services.context import Database, unit_of_work
from metsor.services.interim import (
    INTERIM_LOOK,
    data_timeliness,
    interim_monitoring,
    record_interim_look,
    recorded_looks,
)
from metsor.services.users import add_user
from metsor.store.models.core import AuditLog, Decision, User

pytestmark = pytest.mark.slow

TRIAL = {
    "n_target": 16,
    "start": date(2016, 1, 4),
    "accrual_months": 6.0,
    "follow_up_months": 8.0,
}
SEED = 11
STATISTICIAN = "stat"
#: Cut-offs of two interim looks: mid-accrual and some months after it.
FIRST_LOOK = date(2016, 7, 4)
SECOND_LOOK = date(2017, 1, 3)


@dataclass(frozen=True)
class Trial:
    """A copy of the virtual trial's database, with a statistician."""

    url: str
    folder: Path


@pytest.fixture(scope="module")
def _virtual_trial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The virtual trial's database, its audit key and anchor beside it."""
    folder = tmp_path_factory.mktemp("interim-trial")
    database = Database.open(f"sqlite:///{folder / 'trial.sqlite'}")
    try:
        run_virtual_trial(database, seed=SEED, **TRIAL)  # type: ignore[arg-type]
        with database.sessions() as session:
            admin = session.scalars(select(User.username).where(User.role == "admin")).first()
        assert admin is not None
        with unit_of_work(database, admin) as ctx:
            add_user(ctx, username=STATISTICIAN, role="statistician")
    finally:
        database.close()
    for name in ("metsor-audit.key", "metsor-audit.anchor"):
        shutil.copyfile(Path(os.environ["METSOR_HOME"]) / name, folder / name)
    return folder / "trial.sqlite"


@pytest.fixture
def trial(_virtual_trial: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Trial:
    """A fresh copy of the virtual trial with its audit key and anchor (so that it may be
    written; looks recorded by one test stay in its copy)."""
    copy = tmp_path / "trial.sqlite"
    shutil.copyfile(_virtual_trial, copy)
    shutil.copyfile(_virtual_trial.parent / "metsor-audit.anchor", tmp_path / "anchor")
    monkeypatch.setenv("METSOR_AUDIT_KEY_FILE", str(_virtual_trial.parent / "metsor-audit.key"))
    monkeypatch.setenv("METSOR_AUDIT_ANCHOR_FILE", str(tmp_path / "anchor"))
    return Trial(f"sqlite:///{copy}", tmp_path)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_look_equals_the_numbers_from_the_exported_adtte(trial: Trial) -> None:
    database = Database.open(trial.url)
    try:
        with unit_of_work(database, STATISTICIAN, readonly=True) as ctx:
            look = interim_monitoring(ctx, cutoff=SECOND_LOOK)
            files = export_datasets(ctx, trial.folder / "datasets", cutoff=SECOND_LOOK)
    finally:
        database.close()
    rows = _read_csv(files["adtte"])
    arms = look.snapshot.scheme
    by_hand = analyse_adtte(rows, "OS", reference=arms.reference, experimental=arms.experimental)
    assert by_hand.logrank is not None
    assert by_hand.logrank.stratified
    os_rows = [r for r in rows if r["PARAMCD"] == "OS"]
    events = sum(1 for r in os_rows if r["CNSR"] == "0")
    assert look.events == by_hand.events == events > 0
    assert look.z == pytest.approx(by_hand.logrank.z, rel=1e-12)
    plan = builtin().monitoring
    assert plan is not None
    expected = interim_analysis(
        plan.looks,
        planned_events=plan.planned_events,
        events=[events],
        z=[by_hand.logrank.z],
        hr_alternative=plan.hazard_ratio,
        alpha=plan.alpha,
        sides=plan.sides,
        spending=plan.spending,
    )
    got = look.analysis
    assert got.information_rates == pytest.approx(expected.information_rates, rel=1e-12)
    assert got.information_rates[0] == pytest.approx(events / 59)
    assert got.critical_z == pytest.approx(expected.critical_z, rel=1e-9)
    assert got.decision == expected.decision
    assert got.conditional_power == pytest.approx(expected.conditional_power, rel=1e-9)
    assert got.rci_lower == pytest.approx(expected.rci_lower, rel=1e-9)
    assert got.rci_upper == pytest.approx(expected.rci_upper, rel=1e-9)
    assert got.repeated_p_value == pytest.approx(expected.repeated_p_value, rel=1e-9)
    assert got.hr_observed[0] == pytest.approx(math.exp(-by_hand.logrank.z / math.sqrt(events / 4)))


def test_an_earlier_recorded_look_is_counted_by_a_later_one(trial: Trial) -> None:
    database = Database.open(trial.url)
    try:
        with unit_of_work(database, STATISTICIAN) as ctx:
            first = interim_monitoring(ctx, cutoff=FIRST_LOOK)
            recorded = record_interim_look(ctx, first, rationale="DMC meeting 1")
        with unit_of_work(database, STATISTICIAN, readonly=True) as ctx:
            second = interim_monitoring(ctx, cutoff=SECOND_LOOK)
            looks = recorded_looks(ctx, "OS")
        with database.sessions() as session:
            decision = session.scalars(select(Decision).where(Decision.kind == INTERIM_LOOK)).one()
            audited = session.scalars(
                select(AuditLog).where(AuditLog.table_name == "decisions")
            ).all()
    finally:
        database.close()
    assert looks == (recorded,)
    assert decision.value == {
        "cutoff": "2016-07-04",
        "endpoint": "OS",
        "look": 1,
        "events": first.events,
        "z": first.z,
    }
    assert decision.decided_by == STATISTICIAN
    assert audited, "the decision row is in the audit trail"
    assert second.earlier == (recorded,)
    assert second.analysis.events == (first.events, second.events)
    assert second.analysis.z == (first.z, second.z)
    assert first.events < second.events
    plan = builtin().monitoring
    assert plan is not None
    assert second.analysis.information_rates[:2] == pytest.approx(
        (first.events / 59, second.events / 59)
    )


def test_a_look_at_or_before_a_recorded_one_is_refused(trial: Trial) -> None:
    database = Database.open(trial.url)
    try:
        with unit_of_work(database, STATISTICIAN) as ctx:
            later = interim_monitoring(ctx, cutoff=SECOND_LOOK)
            record_interim_look(ctx, later, rationale="DMC meeting 1")
        with unit_of_work(database, STATISTICIAN) as ctx:
            earlier = interim_monitoring(ctx, cutoff=FIRST_LOOK)
            with pytest.raises(ConflictError, match="already recorded"):
                record_interim_look(ctx, earlier, rationale="DMC meeting 0")
            with pytest.raises(InputError, match="rationale"):
                record_interim_look(ctx, earlier, rationale="  ")
    finally:
        database.close()


@pytest.mark.parametrize(
    "role",
    [
        pytest.param("data_manager", id="data-manager"),
        pytest.param("admin", id="admin"),
        pytest.param("monitor", id="monitor"),
    ],
)
def test_only_a_statistician_may_run_an_interim_look(trial: Trial, role: str) -> None:
    database = Database.open(trial.url)
    try:
        with database.sessions() as session:
            admin = session.scalars(select(User.username).where(User.role == "admin")).first()
        assert admin is not None
        username = admin
        if role != "admin":
            username = f"other_{role}"
            with unit_of_work(database, admin) as ctx:
                add_user(ctx, username=username, role=role)
        with (
            unit_of_work(database, username, readonly=True) as ctx,
            pytest.raises(PermissionDeniedError, match="may not run interim"),
        ):
            interim_monitoring(ctx, cutoff=SECOND_LOOK)
    finally:
        database.close()


@pytest.mark.parametrize(
    ("cutoff", "endpoint", "field"),
    [
        pytest.param(date(2999, 1, 1), None, "cutoff", id="future-cutoff"),
        pytest.param(date(2016, 1, 5), None, "cutoff", id="no-event-yet"),
        pytest.param(SECOND_LOOK, "NOPE", "endpoint", id="unknown-endpoint"),
    ],
)
def test_a_look_that_cannot_be_taken_names_the_argument(
    trial: Trial, cutoff: date, endpoint: str | None, field: str
) -> None:
    database = Database.open(trial.url)
    try:
        with (
            unit_of_work(database, STATISTICIAN, readonly=True) as ctx,
            pytest.raises(InputError) as raised,
        ):
            interim_monitoring(ctx, cutoff=cutoff, endpoint=endpoint)
    finally:
        database.close()
    assert raised.value.field == field


def test_data_timeliness_counts_overdue_forms_and_open_queries(trial: Trial) -> None:
    database = Database.open(trial.url)
    try:
        with unit_of_work(database, STATISTICIAN, readonly=True) as ctx:
            look = interim_monitoring(ctx, cutoff=SECOND_LOOK)
            timeliness = data_timeliness(ctx, look.snapshot)
            later = data_timeliness(
                ctx, interim_monitoring(ctx, cutoff=SECOND_LOOK + timedelta(days=1)).snapshot
            )
    finally:
        database.close()
    alive = {c.subject_id for c in look.snapshot.courses} - {
        d.subject_id for d in look.snapshot.deaths
    }
    assert 0 < timeliness.subjects_overdue <= len(alive)
    assert sum(timeliness.overdue.values()) >= timeliness.subjects_overdue
    assert set(timeliness.overdue) <= {"tumour_assessment", "treatment", "follow_up"}
    assert timeliness.open_queries == sum(timeliness.open_queries_by_status.values())
    assert later.subjects_overdue >= timeliness.subjects_overdue
