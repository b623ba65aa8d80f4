"""``metsor analyze response``: response rates per arm, their difference, Fisher's test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.cli.analyze._input import (
    GroupOpt,
    InputOpt,
    JsonOpt,
    ParamOpt,
    ReferenceOpt,
    number_column,
    read_csv,
    text_column,
    two_arms,
)
from metsor.cli.analyze._output import fmt, print_json
from metsor.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["response"]


def response(
    input_file: InputOpt,
    response_column: Annotated[
        str, typer.Option("--response", help="Column: 1 = responder, 0 = not.")
    ],
    group: GroupOpt,
    reference: ReferenceOpt = None,
    param: ParamOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Response rates per arm, their difference, odds ratio and Fisher's exact test."""
    frame = read_csv(input_file, param)
    result = _analyze_response(frame, response=response_column, group=group, reference=reference)
    if as_json:
        print_json(result)
    else:
        _print_response(result)


def _analyze_response(
    frame: pd.DataFrame, *, response: str, group: str, reference: str | None
) -> dict[str, Any]:
    """The columns read and checked, the figures from :func:`metsor.analysis.compare_response`."""
    from metsor.analysis import compare_response

    r = [int(v) for v in number_column(frame, response, binary=True)]
    g = text_column(frame, group).tolist()
    ref, exp_ = two_arms(g, group, reference)
    result = compare_response(r, g, reference=ref, experimental=exp_)
    for message in result.warnings:
        typer.echo(f"warning: {message}", err=True)
    diff, fisher = result.difference, result.fisher
    if diff is None or fisher is None:  # two_arms() has checked both arms have patients
        raise InputError(f"column {group!r} needs patients in both arms", field=group)
    return {
        "reference": ref,
        "experimental": exp_,
        "groups": {
            level: {
                "responders": arm.responders,
                "n": arm.n,
                "rate": arm.rate,
                "ci": [arm.lower, arm.upper],
            }
            for level, arm in result.arms.items()
        },
        "difference": {"estimate": diff.difference, "ci": [diff.lower, diff.upper]},
        "odds_ratio": {
            "estimate": fisher.odds_ratio,
            "ci": [fisher.lower, fisher.upper],
            "sample": fisher.sample_odds_ratio,
        },
        "fisher_p": fisher.p_value,
    }


def _print_response(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    ref, exp_ = result["reference"], result["experimental"]
    console.print(f"Reference arm: [bold]{ref}[/]; experimental arm: [bold]{exp_}[/]")
    table = Table(title="Response by arm (Clopper–Pearson 95% CI)")
    for header in ("arm", "responders", "n", "rate", "95% CI"):
        table.add_column(header)
    for level in (ref, exp_):
        arm = result["groups"][level]
        lo, hi = arm["ci"]
        table.add_row(
            level, str(arm["responders"]), str(arm["n"]), fmt(arm["rate"]),
            f"{fmt(lo)} – {fmt(hi)}",
        )  # fmt: skip
    console.print(table)
    d, o = result["difference"], result["odds_ratio"]
    console.print(
        f"Difference {exp_} − {ref}: {fmt(d['estimate'])} "
        f"(Newcombe 95% CI {fmt(d['ci'][0])} – {fmt(d['ci'][1])})"
    )
    console.print(
        f"Odds ratio (conditional MLE): {fmt(o['estimate'])} "
        f"(exact 95% CI {fmt(o['ci'][0])} – {fmt(o['ci'][1])}); "
        f"Fisher's exact test p = {fmt(result['fisher_p'], 4)}"
    )
