"""``metsor correct``: change one recorded value, with a reason; audited old → new."""

from __future__ import annotations

from typing import Annotated

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption
from metsor.cli.casebook._entry import run_entry

__all__ = ["correct"]


def correct(
    table: Annotated[str, typer.Argument(help="Casebook table, e.g. lab_results.")],
    record_id: Annotated[int, typer.Argument(help="Record id.")],
    field: Annotated[str, typer.Argument(help="Field to change.")],
    value: Annotated[str, typer.Argument(help="New value (null to clear an optional field).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the value is changed (required).")],
    query_id: Annotated[int | None, typer.Option("--query", help="Query this answers.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct one recorded value, with a reason; audited old → new."""
    from metsor.services.casebook import correct_value

    run_entry(
        db, user, as_json,
        lambda ctx: correct_value(
            ctx, table=table, record_id=record_id, field=field, value=value, reason=reason,
            query_id=query_id,
        ),
        lambda c: f"correction {c.id}: {c.table_name} {c.record_id} {c.field} "
        f"{c.old_value} → {c.new_value} ({c.reason})",
    )  # fmt: skip
