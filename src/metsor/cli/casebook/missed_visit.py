"""``metsor record missed-visit …``: a visit of the schedule that did not take place.

The visit is recorded as not done with its reason (the subject too ill, the scanner down, a
refusal); the schedule then counts it as accounted for and no longer overdue
(:mod:`metsor.services.casebook.missed_visits`). A mark found wrong is retracted with
``metsor correct missed_visits ID retracted true --reason …``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption
from metsor.cli.casebook._entry import run_entry
from metsor.cli.casebook.record import SubjectArg, record_app

__all__: list[str] = []


@record_app.command("missed-visit")
def record_missed_visit_cmd(
    subject_id: SubjectArg,
    visit_type: Annotated[
        str, typer.Option("--type", help="treatment, tumour_assessment, follow_up.")
    ],
    number: Annotated[int, typer.Option("--number", help="Visit number in the schedule.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it did not take place.")],
    missed_on: Annotated[
        str | None,
        typer.Option("--date", help="Day it was missed, YYYY-MM-DD (default: its planned day)."),
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that a scheduled visit did not take place, and why."""
    from metsor.services.casebook import record_missed_visit

    run_entry(
        db, user, as_json,
        lambda ctx: record_missed_visit(
            ctx, subject_id=subject_id, visit_type=visit_type, number=number, reason=reason,
            missed_on=missed_on,
        ),
        lambda m: f"missed visit {m.id}: {m.subject_id} {m.visit_type} {m.number} not done on "
        f"{m.missed_on} (planned {m.planned_date}): {m.reason}",
    )  # fmt: skip
