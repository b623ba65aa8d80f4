"""``metsor demo``: the in-silico trial, step by step.

Its first step screens the built-in virtual screening log — 120 virtual candidates drawn from
the baseline of Asian advanced-HCC cohorts by ``scripts/make_virtual_screening_log.py`` — against
the criteria of the protocol (``--protocol``, default NCT02672488), and prints how many are
eligible and why the others are not (checklist items unattested in a paper log count as unknown).

Its second step runs the protocol's virtual trial (:func:`metsor.insilico.run_virtual_trial`)
on a fresh database — by default the SQLite file ``metsor-demo.sqlite`` in ``--out``
(``./metsor-demo``) — through the services a site uses, exports the analysis datasets to
``--out``/datasets and prints the CONSORT flow, the randomization balance, the endpoints,
the response rates, the audit verification and the command to analyse the datasets further.
A database file already in ``--out`` is replaced only when an earlier ``metsor demo`` made it.

On the cut-off day each site's investigator signs the casebook of every subject of the site
whose follow-up has ended; with ``--lock`` the data manager then locks the study, so that the
report and the exports rest on a locked database (without it the database stays open:
``metsor serve`` on it still accepts entries).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.cli._common import abort_on_user_error
from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.eligibility.log import ScreeningLog
    from metsor.protocol import Protocol

__all__ = [
    "DEMO_DATABASE",
    "DEMO_MARKER",
    "VIRTUAL_SCREENING_LOG",
    "demo",
    "demo_database_url",
    "register",
    "screen_virtual_log",
    "unrecorded_criteria",
]

VIRTUAL_SCREENING_LOG = "data/virtual_screening_log.csv"
"""The virtual screening log, relative to the :mod:`metsor.eligibility` package."""

DEMO_DATABASE = "metsor-demo.sqlite"
"""File name of the demo's SQLite database in the output folder."""

DEMO_MARKER = ".metsor-demo"
"""File in the output folder that marks its database as made by ``metsor demo``."""


def register(app: typer.Typer) -> None:
    """Add ``metsor demo`` to the application."""
    app.command("demo")(demo)


def screen_virtual_log(protocol: Protocol | None = None) -> ScreeningLog:
    """Screen the built-in virtual screening log against a protocol (default NCT02672488).

    Returns
    -------
    ScreeningLog
        The screened log.
    """
    from importlib.resources import files

    from metsor.eligibility.log import screen_log

    text = files("metsor.eligibility").joinpath(VIRTUAL_SCREENING_LOG).read_text(encoding="utf-8")
    return screen_log(text, protocol)


def unrecorded_criteria(log: ScreeningLog) -> tuple[str, ...]:
    """The criteria that no row of a screened log records: unknown for every candidate.

    The virtual log holds the fields of NCT02672488's criteria; screened against another
    protocol, that protocol's criteria on other fields stay unknown, and no candidate is
    eligible.

    Returns
    -------
    tuple of str
        The criterion ids, in the protocol's order (empty when the log has no row).
    """
    if not log.rows:
        return ()
    every = set(log.rows[0].result.unknown)
    for row in log.rows[1:]:
        every &= set(row.result.unknown)
    return tuple(c for c in log.rows[0].result.unknown if c in every)


def demo_database_url(out: Path) -> str:
    """The URL of a fresh demo database in ``out``, removing an earlier demo's file.

    Parameters
    ----------
    out
        The output folder (created if missing).

    Returns
    -------
    str
        ``sqlite:///…/metsor-demo.sqlite``.

    Raises
    ------
    InputError
        When the folder holds a ``metsor-demo.sqlite`` that ``metsor demo`` did not make.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot make the folder {out}: {exc.strerror}", field="--out") from None
    path = out / DEMO_DATABASE
    marker = out / DEMO_MARKER
    if path.exists():
        if not marker.is_file() or marker.read_text(encoding="utf-8").strip() != DEMO_DATABASE:
            raise InputError(
                f"{path} exists and was not made by 'metsor demo'; refusing to overwrite it "
                "(choose another --out)",
                field="--out",
            )
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    marker.write_text(DEMO_DATABASE + "\n", encoding="utf-8")
    return f"sqlite:///{path.resolve()}"


def demo(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL of an empty database (default: a new SQLite file in --out)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the virtual trial.")] = 20160203,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the database and the datasets.")
    ] = Path("metsor-demo"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    n_target: Annotated[
        int | None,
        typer.Option(
            "--subjects",
            help="Subjects to randomize (at least 4; default the protocol's target enrollment, "
            "82 for NCT02672488).",
        ),
    ] = None,
    protocol: Annotated[
        str,
        typer.Option(
            "--protocol", help="NCT id of the built-in protocol to run (NCT00105443: SHARP)."
        ),
    ] = "NCT02672488",
    lock: Annotated[
        bool,
        typer.Option(
            "--lock",
            help="Have the data manager lock the study after the sign-off (the database then "
            "accepts no entry).",
        ),
    ] = False,
) -> None:
    """Run the in-silico trial of a built-in protocol on virtual patients."""
    with abort_on_user_error():
        if seed < 0:
            raise InputError(f"the seed must be a whole number ≥ 0, not {seed}", field="--seed")
        _demo(db, seed, out, as_json=as_json, n_target=n_target, nct_id=protocol, lock=lock)


def _demo(
    db: str | None,
    seed: int,
    out: Path,
    *,
    as_json: bool,
    n_target: int | None,
    nct_id: str,
    lock: bool = False,
) -> None:
    from metsor.cli.screen import print_log_summary
    from metsor.errors import NotFoundError
    from metsor.insilico import run_virtual_trial
    from metsor.protocol import builtin
    from metsor.services.context import Database

    try:
        trial = builtin(nct_id)
    except NotFoundError as exc:
        raise InputError(exc.message, field="--protocol") from None
    log = screen_virtual_log(trial)
    unrecorded = unrecorded_criteria(log)
    if not as_json:
        print_log_summary(log, title="Virtual screening log")
        if unrecorded:
            typer.echo(
                f"The log was drawn for NCT02672488 and records nothing on {len(unrecorded)} "
                f"criteria of {trial.nct_id} ({', '.join(unrecorded)}): they stay unknown for "
                "every candidate of the log; the virtual trial below records them for its own "
                "candidates"
            )
    from metsor.cli._demo_outputs import demo_settings, demo_users, outputs_text, write_outputs

    started = time.perf_counter()
    url = db if db is not None else demo_database_url(out)
    # Its own SQLite file is rebuilt from the seed at will: commits need not wait for the
    # disk (synchronous=NORMAL); a database the user names keeps every commit durable.
    database = Database.open(
        url, settings=demo_settings(url, out if db is None else None), durable=db is not None
    )
    try:
        result = run_virtual_trial(
            database,
            seed=seed,
            n_target=n_target,
            datasets_dir=out / "datasets",
            protocol=trial,
            lock=lock,
        )
        outputs = write_outputs(database, result, out)
    finally:
        database.close()
    seconds = time.perf_counter() - started
    adtte = Path(result.datasets["adtte"])
    command = (
        f"metsor analyze survival --input {adtte} --param OS --time AVAL --event EVENT --group ARM"
        " --strata STRATUM"
    )
    if as_json:
        summary = log.summary()
        payload: dict[str, Any] = {
            "screening_log": {
                "screened": summary.screened,
                "unreadable": summary.unreadable,
                "by_verdict": dict(summary.by_verdict),
                "by_failed_criterion": dict(summary.by_failed_criterion),
                "unrecorded_criteria": list(unrecorded),
            },
            "trial": result.to_dict(),
            "database": url if db is None else "(given by --db)",
            "next_command": command,
            "outputs": outputs,
            "users": demo_users(trial),
            "seconds": round(seconds, 1),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    from metsor.cli._demo_report import print_trial_report

    print_trial_report(result, database=url if db is None else "the database given by --db",
                       command=command, seconds=seconds,
                       registered_months=trial.registered_horizon_months)  # fmt: skip
    typer.echo(_sign_off_text(result.sign_off, result.cutoff.isoformat()))
    typer.echo(outputs_text(outputs, url, out if db is None else None, trial))


def _sign_off_text(sign_off: dict[str, Any], cutoff: str) -> str:
    """``Sign-off at the cut-off …: 82 casebooks signed, each by …; the study is locked``.

    Each site's investigator signs the casebooks of the site's subjects.
    """
    from metsor.plurals import counted

    state = (
        "the study is locked by the data manager"
        if sign_off.get("study_locked")
        else "the study is not locked (--lock locks it)"
    )
    signed = counted(int(sign_off.get("casebooks_signed", 0)), "casebook")
    return (
        f"Sign-off at the cut-off {cutoff}: {signed} signed, each by the investigator of its "
        f"subject's site; {state}"
    )
