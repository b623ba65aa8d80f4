"""``metsor datasets export``: the analysis datasets ADSL, ADTTE, ADRS and ADAE as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from metsor.cli._common import (
    DbOption,
    JsonOption,
    UserOption,
    abort_on_user_error,
    acting,
    emit,
    parse_date,
)

__all__ = ["datasets_app"]

datasets_app = typer.Typer(
    help="Analysis datasets (ADSL, ADTTE, ADRS, ADAE).", no_args_is_help=True
)


@datasets_app.command("export")
def datasets_export(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files into.")],
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="Data cut-off, YYYY-MM-DD.")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write ADSL, ADTTE, ADRS and ADAE as CSV files."""
    from metsor.export.datasets import export_datasets
    from metsor.services.enrollment import check_trial_start

    with abort_on_user_error():
        day = parse_date(cutoff, "--cutoff")
        with acting(db, user, readonly=True) as ctx:
            if day is not None:  # a cut-off before the trial began cuts nothing
                check_trial_start(day, "--cutoff", ctx.protocol)
            written = export_datasets(ctx, out, cutoff=day)
    emit(
        as_json,
        {name: str(path) for name, path in written.items()},
        "\n".join(f"{name}: {path}" for name, path in written.items()),
    )
