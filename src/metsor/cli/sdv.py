"""``metsor sdv``: source data verification — mark entries verified, see what is left.

``verify TABLE ID`` marks one entry verified against source (monitor); ``status [--site]``
shows per site and subject the entries verified and to verify under the SDV plan, with the
worklist and the marks a later change cleared; ``plan full|targeted`` chooses 100% or
targeted SDV (data manager).
"""

from __future__ import annotations

from typing import Annotated

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption, abort_on_user_error, acting, emit

__all__ = ["app"]

app = typer.Typer(help="Source data verification.", no_args_is_help=True)


@app.command("verify")
def sdv_verify(
    table: Annotated[str, typer.Argument(help="Entry table: lab_results, adverse_events, …")],
    record_id: Annotated[int, typer.Argument(help="The entry's id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Mark one entry verified against source."""
    from metsor.services.monitoring.sdv import verify_entry

    with abort_on_user_error(), acting(db, user) as ctx:
        mark = verify_entry(ctx, table=table, record_id=record_id)
        payload = {"id": mark.id, "subject_id": mark.subject_id, "table": table,
                   "record_id": record_id, "verified_by": mark.verified_by}  # fmt: skip
    emit(as_json, payload, f"{table} {record_id} of {payload['subject_id']} verified")


@app.command("status")
def sdv_status(
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Only this subject.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Entries verified and to verify per site and subject, and the worklist."""
    from metsor.services.monitoring.sdv import sdv_status as status

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        result = status(ctx, site=site, subject_id=subject)
    lines = [f"SDV plan: {result.plan}"]
    for code, (required, verified) in sorted(result.per_site().items()):
        lines.append(
            f"site {code}: {verified} of {required} verified, {required - verified} to verify"
        )
    for row in result.subjects:
        lines.append(f"  {row.subject_id}: {row.verified} of {row.required} verified")
        lines.extend(f"    to verify: {item}" for item in row.worklist)
        lines.extend(f"    {item}" for item in row.cleared)
    emit(as_json, result.to_dict(), "\n".join(lines))


@app.command("plan")
def sdv_plan(
    plan: Annotated[str, typer.Argument(help="full (100% SDV) or targeted.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (audited).")],
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Choose 100% or targeted SDV."""
    from metsor.services.monitoring.sdv import set_sdv_plan

    with abort_on_user_error(), acting(db, user) as ctx:
        chosen = set_sdv_plan(ctx, plan=plan, reason=reason)
    emit(as_json, {"plan": chosen}, f"SDV plan: {chosen}")
