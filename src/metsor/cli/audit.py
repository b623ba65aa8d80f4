"""``metsor audit``: verify the keyed, anchored audit trail, and print its head for publishing.

``verify`` checks the chain with the audit key (``METSOR_AUDIT_KEY`` or its key file), the
head against the anchor file, the trail against the data, every actor against the users and
every allocation against the concealed list, and says what each check rests on; it exits 0
when the trail is intact and 1 when anything is wrong, listing every problem. ``anchor``
prints the head of the chain — the name of the chain, the number of transactions and rows, the
MAC of the last transaction and when it was committed — for a sponsor to publish or escrow.
``export --out FILE.csv [--site CODE] [--since DAY]`` writes the whole trail (all subjects)
as CSV, one field change a line (columns in :mod:`metsor.services.monitoring.audit_export`),
streamed in bounded memory.

The trail is counted as users read it: field changes audited, and the audit rows (one per
record written; one per field before revision ``0010_audit_record_rows``) and transactions
they are stored in. An audit row that cannot be read stops ``export`` with exit 2 and a
message naming it; ``verify`` lists it as a break of the chain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption, abort_on_user_error, acting, emit

__all__ = ["app"]

app = typer.Typer(help="The keyed, anchored audit trail.", no_args_is_help=True)

_SHOWN_PROBLEMS = 20


@app.command("verify")
def audit_verify(
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
    all_problems: Annotated[
        bool, typer.Option("--all", help="List every problem (else the first 20).")
    ] = False,
) -> None:
    """Check the chain, its anchor, the data, the actors and the allocations; exit 1 if broken."""
    from metsor.services.reports import verify_audit

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        report = verify_audit(ctx)
    lines = [f"audit chain {'intact' if report.intact else 'BROKEN'}: {report.counts}"]
    lines.extend(f"  {check}" for check in report.checks)
    if not report.intact:
        shown = report.problems if all_problems else report.problems[:_SHOWN_PROBLEMS]
        lines.append(f"{len(report.problems)} problems:")
        lines.extend(f"  [{problem.kind}] {problem}" for problem in shown)
        if len(shown) < len(report.problems):
            lines.append(f"  … and {len(report.problems) - len(shown)} more (--all)")
    emit(as_json, report.to_dict(), "\n".join(lines))
    if not report.intact:
        raise typer.Exit(1)


@app.command("anchor")
def audit_anchor(db: DbOption = None, as_json: JsonOption = False, user: UserOption = None) -> None:
    """Print the head of the audit chain, to publish or escrow outside the database."""
    from metsor.services.reports import audit_head

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        head = audit_head(ctx)
    if head is None:
        emit(as_json, {"chain": None}, "the audit trail is empty")
        return
    payload = head.to_dict()
    text = "\n".join(
        [
            f"chain            {head.chain}",
            f"transactions     {head.transactions}",
            f"audit rows       {head.rows}",
            f"head MAC         {head.mac}",
            f"committed at     {payload['committed_at']}",
            f"key fingerprint  {head.key_fingerprint or 'none (unkeyed chain)'}",
        ]
    )
    emit(as_json, payload, text)


@app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    site: Annotated[str | None, typer.Option("--site", help="Only this site's subjects.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only rows recorded on or after YYYY-MM-DD.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Write the audit trail of every subject as CSV, streamed."""
    import csv

    from metsor.cli._common import parse_date
    from metsor.errors import InputError
    from metsor.plurals import counted
    from metsor.services.monitoring.audit_export import AUDIT_EXPORT_COLUMNS, audit_rows

    with abort_on_user_error():
        day = parse_date(since, "--since")
        if out.is_dir() or not out.parent.is_dir():
            raise InputError(f"cannot write {out}: not a file in an existing folder", field="--out")
        partial = out.with_name(out.name + ".partial")
        rows, stored, seq = 0, 0, None
        with acting(db, user, readonly=True) as ctx:
            try:
                with partial.open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(AUDIT_EXPORT_COLUMNS)
                    for row in audit_rows(ctx, site=site, since=day):
                        writer.writerow(row)
                        rows += 1
                        stored += row[0] != seq
                        seq = row[0]
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        partial.replace(out)
    emit(
        as_json,
        {"out": str(out), "rows": rows, "audit_rows": stored},
        f"{counted(rows, 'field change')} (from {counted(stored, 'audit row')}) written to {out}",
    )
