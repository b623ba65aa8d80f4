"""A small virtual trial on SQLite, shared by the tests of one module.

Twelve subjects accrued over 6 months and followed 6 more: every part of the course (scans,
progression, deaths, dose changes, adverse events) occurs, in about two seconds.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from metsor.insilico import VirtualTrialResult, run_virtual_trial
from metsor.insilico.baseline import Baseline, plan_baseline
from metsor.insilico.course import Outcome, plan_course
from metsor.insilico.plan import CoursePlan
from metsor.insilico.recruitment import eligible_candidates
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


@pytest.fixture(scope="session")
def baseline() -> Baseline:
    """The baseline of one eligible virtual patient (two liver targets, no metastasis)."""
    rng = np.random.default_rng(3)
    _, records = eligible_candidates(40, rng)
    record = next(
        r for r in records if r["tumour"]["nodules"] >= 2 and not r["tumour"]["extrahepatic_spread"]
    )
    return plan_baseline(record, date(2016, 1, 1), rng)


def plan_of(
    baseline: Baseline, outcome: Outcome, seed: int, *, arm: str = "sorafenib", **options: Any
) -> CoursePlan:
    """The course of a subject randomized on 4 January 2016, followed for 10 years."""
    return plan_course(
        subject_id=f"S{seed:05d}",
        arm=arm,
        stratum="all",
        site="S01",
        randomized_on=DAY0,
        cutoff=date(2026, 1, 1),
        baseline=baseline,
        outcome=outcome,
        lost_share=0.5,
        rng=np.random.default_rng(seed),
        **options,
    )


DAY0 = date(2016, 1, 4)
"""Randomization day of :func:`plan_of`."""
