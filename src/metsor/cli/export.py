"""``metsor export``: what the trial hands to the world.

- ``metsor export sdtm --out DIR`` and ``metsor export adam --out DIR``: the CDISC datasets as
  CSV and SAS transport v5, with ``define.xml`` and its stylesheet;
- ``metsor export ctgov --out results.json``: the ClinicalTrials.gov results section;
- ``metsor export ipd --out DIR``: the de-identified individual participant data, its data
  dictionary and README (pseudonyms keyed by ``--key-file``, by default ``metsor-ipd.key`` in
  ``METSOR_HOME``, created 0600 when missing; keep it apart from the package).

Each takes ``--cutoff DATE`` (nothing after it is exported), ``--db`` and ``--user`` as the
other commands; the user's role must allow extracting datasets.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.services.context import ServiceContext

__all__ = ["app"]

app = typer.Typer(
    help="Exports: CDISC SDTM/ADaM (CSV, XPT, define.xml), registry results, de-identified IPD.",
    no_args_is_help=True,
)

_OUT_DIR = Annotated[Path, typer.Option("--out", help="Folder to write into (created if missing).")]
_CUTOFF = Annotated[str | None, typer.Option("--cutoff", help="Data cut-off, YYYY-MM-DD.")]


def _cutoff(value: str | None) -> date | None:
    """The ``--cutoff`` date as given (checked against the trial's start by :func:`_started`)."""
    return parse_date(value, "--cutoff")


def _started(ctx: ServiceContext, day: date | None) -> date | None:
    """The cut-off, refused before the start of the trial the database runs (it would cut
    everything)."""
    from metsor.services.enrollment import check_trial_start

    if day is not None:
        check_trial_start(day, "--cutoff", ctx.protocol)
    return day


def _cdisc(kind: str, out: Path, cutoff: str | None, db: str | None, user: str | None,
           as_json: bool) -> None:  # fmt: skip
    from metsor.export.cdisc import export_adam, export_sdtm

    export = export_sdtm if kind == "sdtm" else export_adam
    with abort_on_user_error():
        day = _cutoff(cutoff)
        with acting(db, user, readonly=True) as ctx:
            result = export(ctx, out, cutoff=_started(ctx, day))
            from metsor.services.monitoring.locks import database_lock

            lock = database_lock(ctx.session).description
    payload = {
        "folder": str(result.folder),
        "define": str(result.define),
        "datasets": {
            name: {"csv": str(csv), "xpt": str(xpt), "rows": result.rows[name]}
            for name, (csv, xpt) in result.datasets.items()
        },
    }
    lines = [f"{name}: {result.rows[name]} rows ({csv.name}, {xpt.name})"
             for name, (csv, xpt) in result.datasets.items()]  # fmt: skip
    emit(as_json, payload, "\n".join([*lines, f"define.xml: {result.define}", f"database: {lock}"]))


@app.command("sdtm")
def export_sdtm_command(
    out: _OUT_DIR,
    cutoff: _CUTOFF = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write SDTM DM, DS, EX, AE, LB, VS, TU, TR, RS, SV, TS, TA, TE with define.xml."""
    _cdisc("sdtm", out, cutoff, db, user, as_json)


@app.command("adam")
def export_adam_command(
    out: _OUT_DIR,
    cutoff: _CUTOFF = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write ADaM ADSL, ADTTE, ADRS, ADAE with define.xml."""
    _cdisc("adam", out, cutoff, db, user, as_json)


@app.command("ctgov")
def export_ctgov_command(
    out: Annotated[Path, typer.Option("--out", help="JSON file to write.")],
    cutoff: _CUTOFF = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the ClinicalTrials.gov API v2 resultsSection as JSON."""
    from metsor.export.ctgov import export_results

    with abort_on_user_error():
        day = _cutoff(cutoff)
        with acting(db, user, readonly=True) as ctx:
            path = export_results(ctx, out, cutoff=_started(ctx, day))
    emit(as_json, {"results": str(path)}, f"results section: {path}")


@app.command("ipd")
def export_ipd_command(
    out: _OUT_DIR,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help="Pseudonym key (default METSOR_HOME/metsor-ipd.key)."),
    ] = None,
    min_site_size: Annotated[
        int, typer.Option("--min-site-size", help="Pool sites with fewer subjects.")
    ] = 5,
    min_term_subjects: Annotated[
        int,
        typer.Option(
            "--min-term-subjects",
            help="Pool adverse-event terms and organ classes of fewer subjects into their "
            "organ class's 'other', and race and aetiology values of fewer subjects as OTHER.",
        ),
    ] = 3,
    cutoff: _CUTOFF = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the de-identified ADSL, ADTTE, ADRS, ADAE (CSV and XPT), data dictionary, README."""
    from metsor.config import home_folder
    from metsor.export.ipd import export_ipd
    from metsor.export.ipd_key import KEY_FILE, load_key

    with abort_on_user_error():
        day = _cutoff(cutoff)
        if min_site_size < 1:
            raise InputError("--min-site-size must be at least 1", field="--min-site-size")
        if min_term_subjects < 1:
            raise InputError("--min-term-subjects must be at least 1", field="--min-term-subjects")
        with acting(db, user, readonly=True) as ctx:
            _started(ctx, day)
            # The key is read (or created) only once the user is proved and the database open.
            key = load_key(key_file if key_file is not None else home_folder() / KEY_FILE)
            written = export_ipd(
                ctx, out, key=key, cutoff=day, min_site_size=min_site_size,
                min_term_subjects=min_term_subjects,
            )  # fmt: skip
    emit(
        as_json,
        {name: str(path) for name, path in written.items()},
        "\n".join(f"{name}: {path}" for name, path in written.items()),
    )
