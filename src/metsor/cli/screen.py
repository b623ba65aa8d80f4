"""``metsor screen``: check a screening record or a screening log against the trial's criteria.

A ``.json`` file holds one candidate's record: the command prints each criterion with its
status and reason, the derived scores and the verdict. A ``.csv`` file is a screening log: it
prints the counts by verdict and by failed criterion, and the rows that could not be read
(rows sharing a ``screening_id`` among them: a candidate counts once); a log none of whose rows
can be read is an error (exit 2).
``--schema`` prints the JSON Schema of a record; ``--example`` prints the record of a candidate
who meets every criterion, a starting point for a record file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.cli._common import read_json_object, read_text_file
from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.eligibility.log import ScreeningLog
    from metsor.eligibility.screening import EligibilityResult

__all__ = ["print_log_summary", "register", "screen"]

_STATUS_STYLE = {"pass": "green", "fail": "bold red", "unknown": "yellow"}
_VERDICT_STYLE = {"eligible": "bold green", "ineligible": "bold red", "incomplete": "bold yellow"}


def register(app: typer.Typer) -> None:
    """Add ``metsor screen`` to the application."""
    app.command("screen")(screen)


def screen(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A screening record (.json) or a screening log (.csv).", show_default=False
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON Schema of a screening record.")
    ] = False,
    example: Annotated[
        bool,
        typer.Option(
            "--example",
            help="Print the record of a candidate who meets every criterion, as JSON: a "
            "starting point for a record file.",
        ),
    ] = False,
    age_rule: Annotated[
        str,
        typer.Option(
            "--age-rule",
            help="'criterion' (age > 18, as the criterion reads) or 'structured' (≥ 18, as the "
            "registry's age field reads).",
        ),
    ] = "criterion",
    require_bclc_c: Annotated[
        bool | None,
        typer.Option(
            "--require-bclc-c/--no-require-bclc-c",
            help="Require a derived BCLC stage C (2022), as the official title says; "
            "--no-require-bclc-c only reports the stage. Default: METSOR_REQUIRE_BCLC_C, "
            "else required.",
            show_default=False,
        ),
    ] = None,
    first_line: Annotated[
        bool,
        typer.Option(
            "--first-line/--no-first-line",
            help="Exclude any prior systemic therapy for HCC (first line, as the title says); "
            "--no-first-line applies the registry's 6-month chemotherapy exclusion alone.",
        ),
    ] = True,
    gi_bleeding_window_days: Annotated[
        int | None,
        typer.Option(
            "--gi-bleeding-window-days",
            help="Exclude only gastrointestinal bleeding this recent (SHARP: 30); "
            "default: any history, as written.",
            show_default=False,
        ),
    ] = None,
    bleeding_window_days: Annotated[
        int | None,
        typer.Option(
            "--bleeding-window-days",
            help="Exclude only signs or history of bleeding this recent; default: any, as written.",
            show_default=False,
        ),
    ] = None,
    metastatic_liver_cancer: Annotated[
        str,
        typer.Option(
            "--metastatic-liver-cancer",
            help="'other_primary' (liver metastases of another cancer) or "
            "'with_extrahepatic_spread' (also HCC with extrahepatic spread).",
        ),
    ] = "other_primary",
    cardiovascular_nyha_max: Annotated[
        int | None,
        typer.Option(
            "--cardiovascular-nyha-max",
            help="Also exclude heart failure above this NYHA class (SHARP: 2); default: the "
            "investigator's attestation alone.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Screen a candidate (.json) or a screening log (.csv) against the criteria of NCT02672488."""
    if schema:
        from metsor.eligibility.record import json_schema

        typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
        return
    if example:
        from metsor.eligibility.examples import eligible_record

        typer.echo(json.dumps(eligible_record(), indent=2, ensure_ascii=False))
        return
    if path is None:
        raise InputError(
            "give a record (.json) or a screening log (.csv), or --schema or --example",
            field="PATH",
        )
    from metsor.config import eligibility_settings

    chosen = eligibility_settings(  # a refusal names the option (metsor.cli._refusal)
        age_rule=age_rule,
        require_bclc_c=require_bclc_c,
        first_line=first_line,
        gi_bleeding_window_days=gi_bleeding_window_days,
        bleeding_window_days=bleeding_window_days,
        metastatic_liver_cancer=metastatic_liver_cancer,
        cardiovascular_nyha_max=cardiovascular_nyha_max,
    )
    suffix = path.suffix.lower()
    if suffix == ".json":
        from metsor.eligibility.screening import screen as screen_record

        data = read_json_object(path, "PATH", kind="a screening record")
        result = screen_record(data, settings=chosen)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            print_result(result)
    elif suffix == ".csv":
        from metsor.eligibility.log import screen_log

        log = screen_log(read_text_file(path, "PATH"), settings=chosen)
        if as_json:
            typer.echo(json.dumps(log_to_dict(log), indent=2, ensure_ascii=False))
        else:
            print_log_summary(log, title=f"Screening log {path.name}")
    else:
        raise InputError(f"expected a .json record or a .csv log, got '{path.name}'", field="PATH")


def _derived_line(derived: dict[str, Any]) -> str:
    child_pugh, albi, bclc = derived["child_pugh"], derived["albi"], derived["bclc"]
    parts = [
        "Child-Pugh "
        + (f"{child_pugh['points']} (class {child_pugh['class']})" if child_pugh else "—"),
        "ALBI " + (f"{albi['score']:.2f} (grade {albi['grade']})" if albi else "—"),
        "BCLC " + (f"{bclc['stage']} ({bclc['version']})" if bclc else "—"),
    ]
    return "  ·  ".join(parts)


def print_result(result: EligibilityResult) -> None:
    """Print one screening: a table of criteria with coloured statuses, scores and verdict."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    table = Table(title="Eligibility for NCT02672488", title_justify="left")
    table.add_column("criterion", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("reason")
    for c in result.criteria:
        style = _STATUS_STYLE[c.status]
        table.add_row(c.id, c.kind, Text(c.status, style=style), Text(c.reason))
    console.print(table)
    console.print(f"Derived: {_derived_line(result.to_dict()['derived'])}")
    style = _VERDICT_STYLE[result.verdict]
    console.print(f"Verdict: [{style}]{result.verdict}[/]  (rules {result.rules_version})")


def print_log_summary(log: ScreeningLog, *, title: str) -> None:
    """Print the counts of a screened log by verdict and failed criterion, and its bad rows.

    Parameters
    ----------
    log
        The screened log.
    title
        The heading line.
    """
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    summary = log.summary()
    console.print(
        f"[bold]{title}[/]: {summary.screened} candidates screened, "
        f"{summary.unreadable} rows unreadable"
    )
    console.print("By verdict:")
    for verdict, count in summary.by_verdict.items():
        share = f"{count / summary.screened:6.1%}" if summary.screened else ""
        console.print(f"  [{_VERDICT_STYLE[verdict]}]{verdict:<12}[/] {count:>5} {share}")
    if summary.by_failed_criterion:
        console.print("By failed criterion (a candidate may fail several):")
        for criterion, count in summary.by_failed_criterion.items():
            console.print(f"  {criterion:<30} {count:>5}")
    if log.errors:
        console.print("[bold red]Rows not screened:[/]")
        for error in log.errors:
            console.print(f"  {error}", markup=False)


def log_to_dict(log: ScreeningLog) -> dict[str, Any]:
    """A screened log as JSON-ready data: summary, per-row verdicts, and the bad rows."""
    return {
        "summary": log.summary().to_dict(),
        "rows": [
            {
                "line": row.line,
                "screening_id": row.screening_id,
                "verdict": row.result.verdict,
                "failed": list(row.result.failed),
                "unknown": list(row.result.unknown),
            }
            for row in log.rows
        ],
        "errors": [
            {"line": e.line, "screening_id": e.screening_id, "field": e.field, "message": e.message}
            for e in log.errors
        ],
    }
