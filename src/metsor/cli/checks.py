"""``metsor checks run``: run every edit check now, raising and closing queries as ``system``.

The record rules also run on every save; this adds the rule that depends on the day (a
scheduled visit overdue by more than its window) and catches data written before the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption, abort_on_user_error, acting, emit

if TYPE_CHECKING:
    from metsor.services.monitoring.edit_checks import CheckRun

__all__ = ["app", "run_summary"]

app = typer.Typer(help="Edit checks.", no_args_is_help=True)


@app.command("run")
def checks_run(
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Run the edit checks on every subject (or a site's)."""
    from metsor.services.monitoring.edit_checks import run_edit_checks

    with abort_on_user_error(), acting(db, user) as ctx:
        run = run_edit_checks(ctx, site=site)
    emit(as_json, run.to_dict(), run_summary(run))


def run_summary(run: CheckRun) -> str:
    """What a run of the edit checks did, in one line (:attr:`CheckRun.summary`)."""
    return run.summary
