"""``metsor report``: the clinical study report of a trial database, as HTML and PDF.

Reads the trial at the data cut-off (:func:`metsor.services.trial_data.trial_snapshot`, as the
acting user, who must be allowed to extract datasets), analyses it with :mod:`metsor.analysis`
and writes ``report.html`` (one self-contained file) and ``report.pdf`` into ``--out``
(:func:`metsor.report.write_report`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption, acting, emit, parse_date
from metsor.errors import InputError

__all__ = ["register", "report"]


def register(app: typer.Typer) -> None:
    """Add ``metsor report`` to the application."""
    app.command("report")(report)


def report(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write report.html and report.pdf into.")
    ],
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="Data cut-off, YYYY-MM-DD (default: all data).")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the clinical study report (report.html and report.pdf) of the trial database."""
    day = parse_date(cutoff, "--cutoff")
    _check_out(out)
    from metsor.report import write_report
    from metsor.services.trial_data import trial_snapshot

    with acting(db, user, readonly=True) as ctx:
        try:
            snapshot = trial_snapshot(ctx, cutoff=day)
        except InputError as exc:
            raise _as_option(exc, "cutoff", "--cutoff") from None
    try:
        written = write_report(snapshot, out)
    except InputError as exc:
        raise _as_option(exc, "out_dir", "--out") from None
    emit(
        as_json,
        {name: str(path) for name, path in written.items()},
        "\n".join(
            [
                *(f"{name}: {path}" for name, path in written.items()),
                f"database: {snapshot.lock.description}",
            ]
        ),
    )


def _as_option(error: InputError, field: str, option: str) -> InputError:
    """The error of a service's argument ``field`` told as the command's ``option``."""
    if error.field != field:
        return error
    return InputError(error.message.replace(field, option, 1), field=option)


def _check_out(out: Path) -> None:
    """Refuse ``--out`` before any work when it cannot become a folder to write into."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder", field="--out")
    existing = next(p for p in (out, *out.parents) if p.exists())
    if not existing.is_dir():
        raise InputError(f"--out {out}: {existing} is not a folder", field="--out")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"--out {out}: {existing} is not writable", field="--out")
