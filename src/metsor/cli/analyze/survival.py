"""``metsor analyze survival``: Kaplan–Meier per arm, log-rank test and Cox hazard ratio."""

from __future__ import annotations

import math
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

__all__ = ["survival"]


def survival(
    input_file: InputOpt,
    time: Annotated[str, typer.Option("--time", help="Column with follow-up time.")],
    group: GroupOpt,
    event: Annotated[
        str | None, typer.Option("--event", help="Column: 1 = event, 0 = censored.")
    ] = None,
    censor: Annotated[
        str | None, typer.Option("--censor", help="Column: 1 = censored, 0 = event (CNSR).")
    ] = None,
    reference: ReferenceOpt = None,
    strata: Annotated[
        str | None, typer.Option("--strata", help="Column to stratify log-rank and Cox by.")
    ] = None,
    conf_type: Annotated[
        str, typer.Option("--conf-type", help="Kaplan–Meier band: log, log-log or plain.")
    ] = "log-log",
    tau: Annotated[
        float | None, typer.Option("--tau", help="Restricted mean survival up to this time.")
    ] = None,
    at: Annotated[
        list[str] | None,
        typer.Option("--at", help="Time(s) to report survival at; repeat or comma-separate."),
    ] = None,
    param: ParamOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Kaplan–Meier, log-rank and Cox analysis of two arms."""
    if conf_type not in ("log", "log-log", "plain"):
        raise InputError(
            f"--conf-type must be log, log-log or plain, not {conf_type!r}", field="--conf-type"
        )
    if (event is None) == (censor is None):
        raise InputError("give exactly one of --event (1 = event) or --censor (1 = censored)")
    frame = read_csv(input_file, param)
    times = _parse_times(at)
    result = _analyze_survival(
        frame,
        time=time,
        event=event,
        censor=censor,
        group=group,
        reference=reference,
        strata=strata,
        conf_type=conf_type,
        tau=tau,
        at=times,
    )
    if as_json:
        print_json(result)
    else:
        _print_survival(result)


def _parse_times(values: list[str] | None) -> list[float]:
    times: list[float] = []
    for value in values or []:
        for part in value.split(","):
            try:
                t = float(part)
            except ValueError as exc:
                raise InputError(f"--at takes numbers, not {part!r}", field="--at") from exc
            if not math.isfinite(t) or t < 0:
                raise InputError(f"--at times must be >= 0, not {part!r}", field="--at")
            times.append(t)
    return times


def _analyze_survival(
    frame: pd.DataFrame,
    *,
    time: str,
    event: str | None,
    censor: str | None,
    group: str,
    reference: str | None,
    strata: str | None,
    conf_type: str,
    tau: float | None,
    at: list[float],
) -> dict[str, Any]:
    import numpy as np

    from metsor import stats

    t = np.asarray(number_column(frame, time))
    if event is not None:
        e = np.asarray(number_column(frame, event, binary=True))
    else:
        e = 1.0 - np.asarray(number_column(frame, str(censor), binary=True))
    g = np.asarray(text_column(frame, group).tolist())
    ref, exp_ = two_arms(g.tolist(), group, reference)
    s = None if strata is None else np.asarray(text_column(frame, strata).tolist())
    groups: dict[str, Any] = {}
    for level in (ref, exp_):
        km = stats.kaplan_meier(t[g == level], e[g == level], conf_type=conf_type)  # type: ignore[arg-type]
        groups[level] = _arm_summary(km, tau, at)
    logrank = stats.logrank_test(t, e, g, strata=s)
    fit = stats.cox_ph(t, e, (g == exp_).astype(float), names=[group], strata=s)
    try:
        ph_test_p: float | None = stats.cox_zph(fit).global_p_value
    except InputError as exc:
        ph_test_p = None
        typer.echo(f"warning: {exc.message}; ph_test_p is null", err=True)
    if not fit.converged:
        typer.echo(
            f"warning: the Cox model did not converge in {fit.iterations} iterations (an arm "
            "without events?); the hazard ratio is unreliable",
            err=True,
        )
    for message in fit.warnings:  # R's coxph warnings, e.g. a coefficient that may be infinite
        typer.echo(f"warning: Cox model: {message}", err=True)
    return {
        "reference": ref,
        "experimental": exp_,
        "groups": groups,
        "logrank": {"chi2": logrank.chi2, "df": logrank.df, "p": logrank.p_value},
        "cox": {
            "hr": float(fit.hazard_ratio[0]),
            "ci": [float(fit.hr_lower[0]), float(fit.hr_upper[0])],
            "p": float(fit.p_value[0]),
            "ph_test_p": ph_test_p,
            "infinite": fit.infinite[0],
            "warnings": list(fit.warnings),
        },
    }


def _arm_summary(km: Any, tau: float | None, at: list[float]) -> dict[str, Any]:
    from metsor.stats import restricted_mean

    median = km.median()
    summary: dict[str, Any] = {
        "n": km.n,
        "events": km.events,
        "median": median.median,
        "median_ci": [median.lower, median.upper],
        "survival_at": [],
    }
    if at:
        table = km.survival_at(at)
        summary["survival_at"] = [
            {
                "time": float(table.time[i]),
                "survival": float(table.survival[i]),
                "ci": [float(table.lower[i]), float(table.upper[i])],
                "at_risk": int(table.n_risk[i]),
            }
            for i in range(table.time.size)
        ]
    if tau is not None:
        rm = restricted_mean(km, tau)
        summary["rmst"] = {"tau": rm.tau, "estimate": rm.estimate, "se": rm.se}
    return summary


def _print_survival(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    ref, exp_ = result["reference"], result["experimental"]
    console.print(f"Reference arm: [bold]{ref}[/]; experimental arm: [bold]{exp_}[/]")
    arms = Table(title="Kaplan–Meier by arm (NR: not reached)")
    for header in ("arm", "n", "events", "median", "95% CI", "RMST (SE)"):
        arms.add_column(header)
    for level in (ref, exp_):
        arm = result["groups"][level]
        lo, hi = arm["median_ci"]
        rmst = arm.get("rmst")
        rmst_text = f"{fmt(rmst['estimate'])} ({fmt(rmst['se'])})" if rmst else "-"
        arms.add_row(
            level, str(arm["n"]), str(arm["events"]), fmt(arm["median"]),
            f"{fmt(lo)} – {fmt(hi)}", rmst_text,
        )  # fmt: skip
    console.print(arms)
    if result["groups"][ref]["survival_at"]:
        at = Table(title="Survival at times")
        for header in ("arm", "time", "survival", "95% CI", "at risk"):
            at.add_column(header)
        for level in (ref, exp_):
            for row in result["groups"][level]["survival_at"]:
                lo, hi = row["ci"]
                at.add_row(
                    level, fmt(row["time"]), fmt(row["survival"]),
                    f"{fmt(lo)} – {fmt(hi)}", str(row["at_risk"]),
                )  # fmt: skip
        console.print(at)
    lr, cox = result["logrank"], result["cox"]
    console.print(f"Log-rank: chi2 {lr['chi2']:.4f} on {lr['df']} df, p = {fmt(lr['p'], 4)}")
    console.print(
        f"Cox hazard ratio {exp_} vs {ref}: {fmt(cox['hr'])} "
        f"(95% CI {fmt(cox['ci'][0])} – {fmt(cox['ci'][1])}), p = {fmt(cox['p'], 4)}; "
        f"proportional hazards test p = {fmt(cox['ph_test_p'], 4)}"
    )
