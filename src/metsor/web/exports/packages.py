"""The export packages a data manager or statistician may download, written as one zip each.

Each package is written by :mod:`metsor.export` exactly as ``metsor export …`` writes it, in a
fresh temporary folder, then zipped. The de-identified IPD's pseudonyms are keyed by
``metsor-ipd.key`` in the home folder of the settings the server's database was opened with
(:attr:`metsor.config.Settings.home`, ``METSOR_HOME``; created 0600 when missing), as on the
command line; the key itself is never in the package. The export code (and the statistics it
imports) is loaded on the first download, not when the server starts.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metsor.services.context import ServiceContext

__all__ = ["PACKAGES", "ExportPackage", "write_zip"]


def _sdtm(ctx: ServiceContext, folder: Path, cutoff: date | None, home: Path) -> None:
    from metsor.export.cdisc import export_sdtm

    export_sdtm(ctx, folder, cutoff=cutoff)


def _adam(ctx: ServiceContext, folder: Path, cutoff: date | None, home: Path) -> None:
    from metsor.export.cdisc import export_adam

    export_adam(ctx, folder, cutoff=cutoff)


def _ipd(ctx: ServiceContext, folder: Path, cutoff: date | None, home: Path) -> None:
    from metsor.export.ipd import export_ipd
    from metsor.export.ipd_key import KEY_FILE, load_key

    export_ipd(ctx, folder, key=load_key(home / KEY_FILE), cutoff=cutoff)


def _results(ctx: ServiceContext, folder: Path, cutoff: date | None, home: Path) -> None:
    from metsor.export.ctgov import export_results

    export_results(ctx, folder / "results.json", cutoff=cutoff)


@dataclass(frozen=True)
class ExportPackage:
    """One downloadable package.

    Attributes
    ----------
    name
        Its name in the URL and the zip file's name (``sdtm``, ``adam``, ``ipd``, ``results``).
    title, contents
        What the page says of it.
    write
        Writes the package into a folder, as of a cut-off date (None: everything), given the
        home folder of the database's settings (where the IPD's pseudonym key is kept).
    """

    name: str
    title: str
    contents: str
    write: Callable[[ServiceContext, Path, date | None, Path], None]


#: The packages, in the order the page lists them.
PACKAGES: dict[str, ExportPackage] = {
    package.name: package
    for package in (
        ExportPackage(
            "sdtm",
            "CDISC SDTM",
            "DM, DS, EX, AE, LB, VS, TU, TR, RS, SV, TS, TA, TE as CSV and SAS transport (XPT), "
            "with define.xml",
            _sdtm,
        ),
        ExportPackage(
            "adam",
            "CDISC ADaM",
            "ADSL, ADTTE, ADRS, ADAE as CSV and SAS transport (XPT), with define.xml",
            _adam,
        ),
        ExportPackage(
            "ipd",
            "De-identified IPD",
            "ADSL, ADTTE, ADRS, ADAE with pseudonyms, small sites pooled, data dictionary and "
            "README, for data sharing",
            _ipd,
        ),
        ExportPackage(
            "results",
            "Registry results section",
            "The ClinicalTrials.gov results section (participant flow, baseline, outcome "
            "measures, adverse events) as JSON",
            _results,
        ),
    )
}


def write_zip(folder: Path, archive: Path, prefix: str) -> None:
    """Zip every file under ``folder`` into ``archive``, under the folder name ``prefix``."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            bundle.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
