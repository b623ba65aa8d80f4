"""``metsor record therapy|survival …``: what happens after the study treatment.

- ``therapy``: a new anticancer therapy (systemic, locoregional, surgery, other). Its start
  censors TTP and PFS at the last adequate tumour assessment before it (FDA 2018 guidance).
- ``survival``: a survival contact (visit, phone, records): the last day a subject is known
  alive, at which OS is censored when no death is recorded.
"""

from __future__ import annotations

from typing import Annotated

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption
from metsor.cli.casebook._entry import run_entry
from metsor.cli.casebook.record import SubjectArg, record_app

__all__: list[str] = []


@record_app.command("therapy")
def record_therapy_cmd(
    subject_id: SubjectArg,
    start: Annotated[str, typer.Option("--start", help="Day the therapy started, YYYY-MM-DD.")],
    name: Annotated[
        str, typer.Option("--name", help="What was given or done: lenvatinib, TACE, SBRT …")
    ],
    category: Annotated[
        str, typer.Option("--category", help="systemic, locoregional, surgery, other.")
    ],
    end: Annotated[str | None, typer.Option("--end", help="Day it ended, YYYY-MM-DD.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a new anticancer therapy given after randomization besides the study drugs."""
    from metsor.services.casebook import record_anticancer_therapy

    run_entry(
        db, user, as_json,
        lambda ctx: record_anticancer_therapy(
            ctx, subject_id=subject_id, name=name, category=category,
            started_on=start, ended_on=end,
        ),
        lambda t: f"anticancer therapy {t.id}: {t.subject_id} {t.name} ({t.category}) from "
        f"{t.started_on}" + (f" to {t.ended_on}" if t.ended_on else ""),
    )  # fmt: skip


@record_app.command("survival")
def record_survival_cmd(
    subject_id: SubjectArg,
    contact_on: Annotated[str, typer.Option("--date", help="Day of the contact, YYYY-MM-DD.")],
    status: Annotated[str, typer.Option("--status", help="alive, or dead (after the death).")],
    method: Annotated[str, typer.Option("--method", help="visit, phone, records.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a survival contact: the subject's status on a day."""
    from metsor.services.casebook import record_survival_contact

    run_entry(
        db, user, as_json,
        lambda ctx: record_survival_contact(
            ctx, subject_id=subject_id, contact_on=contact_on, status=status, method=method
        ),
        lambda c: f"survival contact {c.id}: {c.subject_id} {c.status} on {c.contact_on} "
        f"({c.method})",
    )  # fmt: skip
