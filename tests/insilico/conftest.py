"""A small virtual trial on SQLite, shared by the tests of one module.

Twelve subjects accrued over 6 months and followed 6 more: every part of the course (scans,
progression, deaths, dose changes, adverse events) occurs, in about two seconds.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from metsor.insilico import VirtualTrialResult, run_virtual_trial
from metsor.services.context import Database

SMALL: dict[str, Any] = {
    "n_target": 12,
    "start": date(2016, 1, 4),
    "accrual_months": 6.0,
    "follow_up_months": 6.0,
}
"""Options of the small virtual trial."""

SEED = 7


def run_small(url: str, datasets: Path | None = None, seed: int = SEED) -> VirtualTrialResult:
    """Run the small virtual trial on the database at ``url``."""
    database = Database.open(url)
    try:
        return run_virtual_trial(database, seed=seed, datasets_dir=datasets, **SMALL)
    finally:
        database.close()


@pytest.fixture(scope="session")
def small_trial(tmp_path_factory: pytest.TempPathFactory) -> VirtualTrialResult:
    """The small virtual trial on a new SQLite file, with its datasets exported."""
    folder = tmp_path_factory.mktemp("virtual-trial")
    return run_small(f"sqlite:///{folder / 'trial.sqlite'}", folder / "datasets")
