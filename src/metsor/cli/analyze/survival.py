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

    from metsor.analysis import ArmSurvival, SurvivalComparison

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
    """The columns read and checked, the figures from :func:`metsor.analysis.compare_survival`."""
    import numpy as np

    from metsor.analysis import compare_survival

    t = np.asarray(number_column(frame, time))
    if event is not None:
        e = np.asarray(number_column(frame, event, binary=True))
    else:
        e = 1.0 - np.asarray(number_column(frame, str(censor), binary=True))
    g = text_column(frame, group).tolist()
    ref, exp_ = two_arms(g, group, reference)
    s = None if strata is None else text_column(frame, strata).tolist()
    result = compare_survival(
        t, e, g, reference=ref, experimental=exp_, strata=s,
        conf_type=conf_type,  # type: ignore[arg-type]  # checked by survival()
        at=at, tau=tau, covariate=group,
    )  # fmt: skip
    for message in result.warnings:
        typer.echo(f"warning: {message}", err=True)
    for message in result.cox_warnings:  # R's coxph warnings, e.g. an infinite coefficient
        typer.echo(f"warning: Cox model: {message}", err=True)
    return _as_output(result)


def _as_output(result: SurvivalComparison) -> dict[str, Any]:
    """The comparison in the shape ``metsor analyze survival --json`` prints."""
    lr, hr = result.logrank, result.hazard_ratio
    return {
        "reference": result.reference,
        "experimental": result.experimental,
        "groups": {level: _arm_summary(arm) for level, arm in result.arms.items()},
        "logrank": {
            "chi2": None if lr is None else lr.chi2,
            "df": None if lr is None else lr.df,
            "p": None if lr is None else lr.p_value,
        },
        "cox": {
            "hr": None if hr is None else hr.estimate,
            "ci": [None, None] if hr is None else [hr.lower, hr.upper],
            "p": None if hr is None else hr.p_value,
            "ph_test_p": None if hr is None else hr.ph_test_p,
            "infinite": result.cox_infinite,
            "warnings": list(result.cox_warnings),
        },
    }


def _arm_summary(arm: ArmSurvival) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "n": arm.n,
        "events": arm.events,
        "median": arm.median,
        "median_ci": [arm.median_lower, arm.median_upper],
        "survival_at": [
            {
                "time": row.time,
                "survival": row.survival,
                "ci": [row.lower, row.upper],
                "at_risk": row.at_risk,
            }
            for row in arm.survival_at
        ],
    }
    if arm.rmst is not None:
        summary["rmst"] = {"tau": arm.rmst.tau, "estimate": arm.rmst.estimate, "se": arm.rmst.se}
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
    if lr["chi2"] is None:
        console.print("Log-rank: not computed (no events in either arm)")
    else:
        console.print(f"Log-rank: chi2 {lr['chi2']:.4f} on {lr['df']} df, p = {fmt(lr['p'], 4)}")
    console.print(
        f"Cox hazard ratio {exp_} vs {ref}: {fmt(cox['hr'])} "
        f"(95% CI {fmt(cox['ci'][0])} – {fmt(cox['ci'][1])}), p = {fmt(cox['p'], 4)}; "
        f"proportional hazards test p = {fmt(cox['ph_test_p'], 4)}"
    )
