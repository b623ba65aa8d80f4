"""A small virtual trial on SQLite, exported once per session for the tests of exports.

Twelve subjects accrued over 6 months and followed 6 more, as in the virtual-trial tests:
scans, progression, deaths, dose changes and adverse events all occur.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from metsor.insilico import VirtualTrialResult, run_virtual_trial
from metsor.insilico.trial import SITE_USERS
from metsor.services.context import Database, ServiceContext, unit_of_work

SMALL: dict[str, Any] = {
    "n_target": 12,
    "start": date(2016, 1, 4),
    "accrual_months": 6.0,
    "follow_up_months": 6.0,
}
"""Options of the small virtual trial."""

SEED = 7


class ExportTrial:
    """The small virtual trial's database and result, and a way to act on it."""

    def __init__(self, url: str, result: VirtualTrialResult, home: str) -> None:
        self.url = url
        self.result = result
        self.home = home
        """The ``METSOR_HOME`` the trial was run in (its audit key lives there)."""

    @contextmanager
    def context(self) -> Iterator[ServiceContext]:
        """A read-only unit of work of the trial's data manager."""
        database = Database.open(self.url)
        try:
            with unit_of_work(database, SITE_USERS["data_manager"], readonly=True) as ctx:
                yield ctx
        finally:
            database.close()


@pytest.fixture(scope="session")
def export_trial(tmp_path_factory: pytest.TempPathFactory) -> ExportTrial:
    """The small virtual trial on a new SQLite file."""
    folder = tmp_path_factory.mktemp("export-trial")
    home = str(tmp_path_factory.mktemp("export-home"))
    url = f"sqlite:///{folder / 'trial.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METSOR_HOME", home)
        database = Database.open(url)
        try:
            # Unsigned at the cut-off: the sign-off tests sign a copy themselves, with their own
            # investigator's printed name (the demo's close-out signing is tested in insilico).
            result = run_virtual_trial(database, seed=SEED, sign=False, **SMALL)
        finally:
            database.close()
    return ExportTrial(url, result, home)


@pytest.fixture(scope="session")
def sdtm_dir(export_trial: ExportTrial, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SDTM export of the small trial at its cut-off."""
    from metsor.export.cdisc import export_sdtm

    folder = tmp_path_factory.mktemp("sdtm")
    with export_trial.context() as ctx:
        export_sdtm(ctx, folder, cutoff=export_trial.result.cutoff)
    return folder


@pytest.fixture(scope="session")
def adam_dir(export_trial: ExportTrial, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ADaM export of the small trial at its cut-off."""
    from metsor.export.cdisc import export_adam

    folder = tmp_path_factory.mktemp("adam")
    with export_trial.context() as ctx:
        export_adam(ctx, folder, cutoff=export_trial.result.cutoff)
    return folder


@pytest.fixture(scope="session")
def results_json(export_trial: ExportTrial, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registry results section of the small trial at its cut-off."""
    from metsor.export.ctgov import export_results

    path = tmp_path_factory.mktemp("ctgov") / "results.json"
    with export_trial.context() as ctx:
        export_results(ctx, path, cutoff=export_trial.result.cutoff)
    return path


@pytest.fixture(scope="session")
def ipd_key() -> bytes:
    """A pseudonym key of the tests."""
    return bytes(range(32))


@pytest.fixture(scope="session")
def ipd_dir(
    export_trial: ExportTrial, ipd_key: bytes, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The de-identified IPD package of the small trial at its cut-off."""
    from metsor.export.ipd import export_ipd

    folder = tmp_path_factory.mktemp("ipd")
    with export_trial.context() as ctx:
        export_ipd(ctx, folder, key=ipd_key, cutoff=export_trial.result.cutoff)
    return folder
