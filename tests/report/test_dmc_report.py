"""The data monitoring committee's reports of an interim look at the small virtual trial.

Both files are written; the closed one is marked on the screen and on every printed page; the
open one holds nothing by arm; the pooled counts of the open report are the sums of the
closed report's counts by arm.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from metsor.report.dmc_closed import CLOSED_MARKING, closed_report, look_table
from metsor.report.dmc_files import OPEN_MARKING, write_dmc_reports
from metsor.report.dmc_open import accrual_against_plan, open_report
from metsor.report.document import StudyReport, Table
from metsor.services.context import Database, unit_of_work
from metsor.services.interim import DataTimeliness, InterimMonitoring, data_timeliness
from metsor.services.interim import interim_monitoring as monitor
from metsor.services.users import add_user
from metsor.store.models.core import User

from .conftest import ARTIFACTS, VirtualTrial

STATISTICIAN = "dmc_statistician"
#: An interim cut-off of the small virtual trial: accrual over, follow-up under way.
CUTOFF = date(2017, 1, 3)


@pytest.fixture(scope="module")
def look(
    virtual_trial: VirtualTrial, tmp_path_factory: pytest.TempPathFactory
) -> tuple[InterimMonitoring, DataTimeliness]:
    """The interim look at :data:`CUTOFF` read by a statistician, with the data timeliness."""
    copy = tmp_path_factory.mktemp("dmc") / "trial.sqlite"
    shutil.copyfile(virtual_trial.folder / "trial.sqlite", copy)
    database = Database.open(f"sqlite:///{copy}")
    try:
        with database.sessions() as session:
            admin = session.scalars(select(User.username).where(User.role == "admin")).first()
        assert admin is not None
        with unit_of_work(database, admin) as ctx:
            add_user(ctx, username=STATISTICIAN, role="statistician")
        with unit_of_work(database, STATISTICIAN, readonly=True) as ctx:
            monitoring = monitor(ctx, cutoff=CUTOFF)
            return monitoring, data_timeliness(ctx, monitoring.snapshot)
    finally:
        database.close()


@pytest.fixture(scope="module")
def written(
    look: tuple[InterimMonitoring, DataTimeliness], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Both reports written to a folder (and kept beside the tests for a person to look at)."""
    files = write_dmc_reports(*look, tmp_path_factory.mktemp("dmc-reports"))
    ARTIFACTS.mkdir(exist_ok=True)
    for path in files.values():
        shutil.copyfile(path, ARTIFACTS / path.name)
    return files


def _table(report: StudyReport, caption: str) -> Table:
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Table) and block.caption.startswith(caption):
                return block
    raise AssertionError(f"no table {caption!r}")


def _count(cell: str) -> int:
    return int(cell.split()[0])


def test_both_files_are_written_and_the_closed_one_is_marked(written: dict[str, Path]) -> None:
    assert set(written) == {"open", "closed"}
    closed = written["closed"].read_text(encoding="utf-8")
    opened = written["open"].read_text(encoding="utf-8")
    assert closed.startswith("<!DOCTYPE html>")
    assert opened.startswith("<!DOCTYPE html>")
    assert f'<div class="dmc-marking closed">{CLOSED_MARKING}</div>' in closed
    assert re.search(r"@page \{[^}]*@top-center \{ content: \"CLOSED — for the DMC only\"", closed)
    assert "position: fixed" in closed
    assert f'<div class="dmc-marking">{OPEN_MARKING}</div>' in opened
    assert "CLOSED" not in opened


def test_the_open_report_holds_nothing_by_arm(
    look: tuple[InterimMonitoring, DataTimeliness],
) -> None:
    monitoring, timeliness = look
    report = open_report(monitoring, timeliness)
    scheme = monitoring.snapshot.scheme
    names = {*scheme.arms, *(scheme.label(a) for a in scheme.arms)}
    tables = [b for s in report.sections for b in s.blocks if isinstance(b, Table)]
    assert len(tables) >= 6
    for table in tables:
        assert not [cell for cell in table.header for name in names if name in cell], table
        assert len(table.header) <= 4, table.caption
    assert "Kaplan" not in repr(report)
    assert "log-rank" not in repr(report)


def test_pooled_counts_are_the_sums_of_the_counts_by_arm(
    look: tuple[InterimMonitoring, DataTimeliness],
) -> None:
    monitoring, timeliness = look
    pooled = open_report(monitoring, timeliness)
    by_arm = closed_report(monitoring)
    snapshot = monitoring.snapshot
    arms = snapshot.scheme.arms
    overview_pooled = _table(pooled, "Overview of treatment-emergent")
    overview_arm = _table(by_arm, "Overview of treatment-emergent")
    assert [r[0] for r in overview_pooled.rows] == [r[0] for r in overview_arm.rows]
    for pooled_row, arm_row in zip(overview_pooled.rows, overview_arm.rows, strict=True):
        assert _count(pooled_row[1]) == sum(_count(c) for c in arm_row[1 : 1 + len(arms)])
    deaths = _table(by_arm, "Deaths by primary cause")
    all_deaths = deaths.rows[-1]
    assert all_deaths[0] == "All deaths"
    disposition = dict(_table(pooled, "Disposition of subjects").rows)
    assert int(disposition["Died"]) == sum(_count(c) for c in all_deaths[1:])
    assert int(disposition["Died"]) == len(snapshot.deaths)
    assert int(disposition["Randomized"]) == snapshot.consort.randomized
    worst = _table(pooled, "Worst CTCAE grade")
    assert sum(_count(r[1]) for r in worst.rows) == sum(snapshot.consort.received.values())
    timely = dict(_table(pooled, "Data timeliness").rows)
    assert timely["Open data queries"] == str(timeliness.open_queries)


def test_the_closed_report_shows_the_look_against_its_bound(
    look: tuple[InterimMonitoring, DataTimeliness],
) -> None:
    monitoring, _ = look
    r = monitoring.analysis
    table = look_table(monitoring)
    assert len(table.rows) == len(r.information_rates) == 2
    first = table.rows[0]
    assert first[1] == CUTOFF.isoformat()
    assert int(first[2]) == monitoring.events
    assert float(first[4]) == pytest.approx(r.critical_z[0], abs=5e-4)
    assert table.rows[1][1] == "planned"
    report = closed_report(monitoring)
    assert report.title.startswith(CLOSED_MARKING)
    observed = _table(report, "Observed at each look")
    assert observed.rows[0][3] == r.decision[0]
    assert float(observed.rows[0][1]) == pytest.approx(monitoring.z, abs=5e-4)
    captions = [b.caption for s in report.sections for b in s.blocks if hasattr(b, "png")]
    assert any("Overall survival" in c for c in captions)
    assert any("efficacy bound" in c for c in captions)


def test_accrual_is_counted_against_the_plan(
    look: tuple[InterimMonitoring, DataTimeliness],
) -> None:
    snapshot = look[0].snapshot
    rows = accrual_against_plan(snapshot)
    assert rows[-1][0] == CUTOFF
    assert rows[-1][1] == snapshot.consort.randomized
    assert [n for _, n, _ in rows] == sorted(n for _, n, _ in rows)
    assert all(0 <= planned <= snapshot.scheme.target_enrollment for _, _, planned in rows)
