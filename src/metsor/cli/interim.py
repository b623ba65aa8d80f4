"""``metsor interim``: the interim look of the live trial database, for the statistician.

Reads the trial at ``--cutoff`` (:func:`metsor.services.interim.interim_monitoring`): the
monitored endpoint's events and stratified log-rank z, the protocol's monitoring plan applied
with the looks recorded before (:func:`metsor.services.interim.recorded_looks`). ``--record``
records this look as an audited decision so that later looks count it; ``--report DIR`` writes
the committee's open and closed reports (``dmc_open.html``, ``dmc_closed.html``). Only a
statistician may run it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption, acting, emit, parse_date
from metsor.cli.design_interim import _payload as interim_payload
from metsor.cli.design_interim import _table as interim_table
from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.services.interim import InterimMonitoring

__all__ = ["interim", "register"]

_OPTIONS = {"cutoff": "--cutoff", "endpoint": "--endpoint", "out_dir": "--report"}


def register(app: typer.Typer) -> None:
    """Add ``metsor interim`` to the application."""
    app.command("interim")(interim)


def _as_option(error: InputError) -> InputError:
    """The error of a service's argument told as the command's option."""
    option = _OPTIONS.get(str(error.field))
    if option is None:
        return error
    return InputError(error.message.replace(str(error.field), option, 1), field=option)


def _payload(monitoring: InterimMonitoring) -> dict[str, Any]:
    return {
        "cutoff": monitoring.cutoff.isoformat(),
        "endpoint": monitoring.endpoint,
        "events": monitoring.events,
        "z": monitoring.z,
        "earlier_looks": [
            {"cutoff": look.cutoff.isoformat(), "events": look.events, "z": look.z}
            for look in monitoring.earlier
        ],
        "plan": monitoring.plan.model_dump(exclude={"sources"}),
        **interim_payload(monitoring.analysis),
    }


def interim(
    cutoff: Annotated[str, typer.Option("--cutoff", help="Data cut-off of the look, YYYY-MM-DD.")],
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="ADTTE parameter (default: the plan's, OS).")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Folder to write dmc_open.html and dmc_closed.html into."),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Record this look (audited) for later looks.")
    ] = False,
    rationale: Annotated[
        str | None, typer.Option("--rationale", help="Why the look is recorded (with --record).")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Interim look at the cut-off: events, log-rank z, bounds, decision (statistician only)."""
    day = parse_date(cutoff, "--cutoff")
    assert day is not None
    if record and not (rationale or "").strip():
        raise InputError("--record needs --rationale", field="--rationale")
    from metsor.services.interim import data_timeliness, interim_monitoring, record_interim_look

    written: dict[str, Path] = {}
    try:
        with acting(db, user, readonly=not record) as ctx:
            monitoring = interim_monitoring(ctx, cutoff=day, endpoint=endpoint)
            if report is not None:
                from metsor.report.dmc_files import write_dmc_reports

                written = write_dmc_reports(
                    monitoring, data_timeliness(ctx, monitoring.snapshot), report
                )
            if record:
                record_interim_look(ctx, monitoring, rationale=rationale or "")
    except InputError as exc:
        raise _as_option(exc) from None
    payload = {
        **_payload(monitoring),
        "recorded": record,
        "reports": {name: str(path) for name, path in written.items()},
    }
    r = monitoring.analysis
    lines = [
        f"{monitoring.endpoint} at {monitoring.cutoff}: {monitoring.events} events, "
        f"stratified log-rank z {monitoring.z:.4f}; look {len(r.events)} of "
        f"{len(r.information_rates)} ({r.status}): {r.decision[-1]}",
        *interim_table(r),
        *(f"{name} report: {path}" for name, path in written.items()),
    ]
    if record:
        lines.append(f"recorded: interim look {len(r.events)} at {monitoring.cutoff}")
    emit(as_json, payload, "\n".join(lines))
