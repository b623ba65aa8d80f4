"""A small virtual trial on SQLite, shared by the report tests, and its snapshot.

Sixteen subjects accrued over 6 months and followed 8 more, so that every part of the report
has data (deaths, progressions, dose changes, adverse events), in a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from metsor.insilico import VirtualTrialResult, run_virtual_trial
from metsor.report import BuiltReport, build_report, write_report
from metsor.services.context import Database, unit_of_work
from metsor.services.trial_data import TrialSnapshot, trial_snapshot

TRIAL: dict[str, Any] = {
    "n_target": 16,
    "start": date(2016, 1, 4),
    "accrual_months": 6.0,
    "follow_up_months": 8.0,
}
"""Options of the small virtual trial."""

SEED = 11

#: The virtual trial's data manager (may extract datasets and verify the audit chain).
DATA_MANAGER = "data_manager"

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
"""Where rendered pages are kept for a person to look at (git-ignored)."""


@dataclass(frozen=True)
class VirtualTrial:
    """A virtual trial database: its URL, what the virtual trial returned, and its folder."""

    url: str
    result: VirtualTrialResult
    folder: Path


def snapshot_of(url: str, *, cutoff: date | None = None) -> TrialSnapshot:
    """The trial at ``url`` read by its data manager."""
    database = Database.open(url)
    try:
        with unit_of_work(database, DATA_MANAGER, readonly=True) as ctx:
            return trial_snapshot(ctx, cutoff=cutoff)
    finally:
        database.close()


@pytest.fixture(scope="session")
def virtual_trial(tmp_path_factory: pytest.TempPathFactory) -> VirtualTrial:
    """The small virtual trial on a new SQLite file, its datasets exported beside it."""
    folder = tmp_path_factory.mktemp("report-trial")
    url = f"sqlite:///{folder / 'trial.sqlite'}"
    database = Database.open(url)
    try:
        result = run_virtual_trial(database, seed=SEED, datasets_dir=folder / "datasets", **TRIAL)
    finally:
        database.close()
    return VirtualTrial(url, result, folder)


@pytest.fixture(scope="session")
def snapshot(virtual_trial: VirtualTrial) -> TrialSnapshot:
    """The small virtual trial at its data cut-off."""
    return snapshot_of(virtual_trial.url, cutoff=virtual_trial.result.cutoff)


@pytest.fixture(scope="session")
def built(snapshot: TrialSnapshot) -> BuiltReport:
    """The report of the small virtual trial, built in memory."""
    return build_report(snapshot)


@pytest.fixture(scope="session")
def written(
    snapshot: TrialSnapshot, built: BuiltReport, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """``report.html`` and ``report.pdf`` of the small virtual trial, written to a folder."""
    return write_report(snapshot, tmp_path_factory.mktemp("report"), built=built)
