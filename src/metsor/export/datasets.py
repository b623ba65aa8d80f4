"""``metsor datasets export``: ADSL, ADTTE, ADRS and ADAE as CSV files, as they are derived.

The rows come from :func:`metsor.services.casebook.analysis_datasets`; the files are the ones
``metsor analyze survival --input adtte.csv --param OS --time AVAL --event EVENT --group ARM``
reads as they are. (The CDISC ADaM files with labels, SAS transport and define.xml are
written by :mod:`metsor.export.adam`.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from metsor.export.files import output_folder, write_rows_csv
from metsor.services.casebook import analysis_datasets
from metsor.services.context import ServiceContext

__all__ = ["export_datasets"]


def export_datasets(
    ctx: ServiceContext, out_dir: Path | str, *, cutoff: date | None = None
) -> dict[str, Path]:
    """Write ADSL, ADTTE, ADRS and ADAE of the randomized subjects as CSV files.

    Parameters
    ----------
    ctx
        The service context (a role allowed to extract datasets).
    out_dir
        The folder to write ``adsl.csv``, ``adtte.csv``, ``adrs.csv`` and ``adae.csv`` into;
        created if missing.
    cutoff
        Data cut-off date: events after it are not counted, follow-up is censored at it (in
        ADSL too: a death, withdrawal or therapy after it is not shown).

    Returns
    -------
    dict
        Dataset name → path written.

    Raises
    ------
    InputError
        Naming ``out_dir`` when the folder cannot be created or a file cannot be written (a
        path that is a file, a read-only or missing location), with the reason.
    """
    datasets = analysis_datasets(ctx, cutoff=cutoff)
    folder = output_folder(out_dir)
    return {
        name: write_rows_csv(folder / f"{name}.csv", datasets.columns[name], rows)
        for name, rows in datasets.rows.items()
    }
