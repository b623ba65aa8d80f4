"""``metsor analyze``: survival and response analysis of a two-arm trial from a CSV file.

``metsor analyze survival`` reads one row per patient (or an ADTTE-shaped file, one
parameter chosen with ``--param``) and reports per arm the Kaplan–Meier median with its
interval, survival at chosen times and the restricted mean; between arms the log-rank test
and the Cox hazard ratio (stratified with ``--strata``) with the proportional-hazards test.
``metsor analyze response`` reports response rates with exact intervals, their difference,
the odds ratio and Fisher's exact test. Figures are those R's survival package gives.

Only Typer, the standard library and :mod:`metsor.errors` are imported at module level.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["app"]

app = typer.Typer(
    help="Analyse trial data: survival (Kaplan–Meier, log-rank, Cox) and response rates.",
    no_args_is_help=True,
)

InputOpt = Annotated[Path, typer.Option("--input", help="CSV file, one row per patient.")]
GroupOpt = Annotated[str, typer.Option("--group", help="Column with the arm of each patient.")]
ReferenceOpt = Annotated[
    str | None,
    typer.Option("--reference", help="Reference arm (default: first level in sorted order)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")]
ParamOpt = Annotated[
    str | None, typer.Option("--param", help="Keep only rows with this PARAMCD (ADaM files).")
]


@app.command("survival")
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
    frame = _read_csv(input_file, param)
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
        typer.echo(json.dumps(_jsonable(result), indent=2))
    else:
        _print_survival(result)


@app.command("response")
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
    frame = _read_csv(input_file, param)
    result = _analyze_response(frame, response=response_column, group=group, reference=reference)
    if as_json:
        typer.echo(json.dumps(_jsonable(result), indent=2))
    else:
        _print_response(result)


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


def _jsonable(value: Any) -> Any:
    """NaN and infinities become null, so the output is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# --- reading and checking the CSV -----------------------------------------------------------


def _read_csv(path: Path, param: str | None) -> pd.DataFrame:
    """Read the file as text columns; keep one PARAMCD if asked. Row i is CSV line i + 2."""
    import pandas as pd

    if not path.is_file():
        raise InputError(f"input file not found: {path}", field="--input")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"input file is empty: {path}", field="--input") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} as CSV: {exc}", field="--input") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if param is None and "PARAMCD" in frame.columns:
        params = sorted(set(frame["PARAMCD"].str.strip()) - {""})
        if len(params) > 1:
            raise InputError(
                f"the file holds several parameters ({', '.join(params)}); choose one with --param",
                field="--param",
            )
    if param is not None:
        paramcd = _column(frame, "PARAMCD")
        available = sorted(set(paramcd.str.strip()) - {""})
        frame = frame[paramcd.str.strip() == param]
        if frame.empty:
            raise InputError(
                f"no rows with PARAMCD {param!r}; the file has {', '.join(available) or 'none'}",
                field="--param",
            )
    if frame.empty:
        raise InputError(f"input file has no data rows: {path}", field="--input")
    return frame


def _column(frame: pd.DataFrame, name: str) -> pd.Series[str]:
    if name not in frame.columns:
        raise InputError(
            f"column {name!r} not found; the file has {', '.join(map(str, frame.columns))}",
            field=name,
        )
    column: pd.Series[str] = frame[name].astype(str).str.strip()
    missing = column == ""
    if missing.any():
        line = int(missing.index[int(missing.to_numpy().argmax())]) + 2
        raise InputError(f"missing value in column {name!r} at CSV line {line}", field=name)
    return column


def _numbers(frame: pd.DataFrame, name: str, *, binary: bool = False) -> list[float]:
    import numpy as np
    import pandas as pd

    column = _column(frame, name)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    finite = np.isfinite(values)
    bad = ~finite | (~np.isin(values, (0.0, 1.0)) if binary else values < 0)
    if bad.any():
        position = int(bad.argmax())
        line = int(column.index[position]) + 2
        need = "0 or 1" if binary else "a number >= 0"
        raise InputError(
            f"column {name!r} must be {need}; CSV line {line} has {column.iloc[position]!r}",
            field=name,
        )
    return [float(v) for v in values]


def _arms(labels: list[str], column: str, reference: str | None) -> tuple[str, str]:
    levels = sorted(set(labels))
    if len(levels) < 2:
        raise InputError(
            f"column {column!r} has only one group ({levels[0]!r}); two arms are needed",
            field=column,
        )
    if len(levels) > 2:
        raise InputError(
            f"column {column!r} has {len(levels)} groups ({', '.join(levels)}); the hazard "
            "ratio and the arm comparison need exactly two",
            field=column,
        )
    if reference is None:
        reference = levels[0]
    elif reference not in levels:
        raise InputError(
            f"--reference {reference!r} is not a level of {column!r} ({', '.join(levels)})",
            field="--reference",
        )
    experimental = levels[1] if reference == levels[0] else levels[0]
    return reference, experimental


# --- survival -------------------------------------------------------------------------------


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

    t = np.asarray(_numbers(frame, time))
    if event is not None:
        e = np.asarray(_numbers(frame, event, binary=True))
    else:
        e = 1.0 - np.asarray(_numbers(frame, str(censor), binary=True))
    g = np.asarray(_column(frame, group).tolist())
    ref, exp_ = _arms(g.tolist(), group, reference)
    s = None if strata is None else np.asarray(_column(frame, strata).tolist())
    groups: dict[str, Any] = {}
    for level in (ref, exp_):
        km = stats.kaplan_meier(t[g == level], e[g == level], conf_type=conf_type)  # type: ignore[arg-type]
        groups[level] = _arm_summary(km, tau, at)
    logrank = stats.logrank_test(t, e, g, strata=s)
    fit = stats.cox_ph(t, e, (g == exp_).astype(float), names=[group], strata=s)
    zph = stats.cox_zph(fit)
    if not fit.converged:
        typer.echo(
            f"warning: the Cox model did not converge in {fit.iterations} iterations (an arm "
            "without events?); the hazard ratio is unreliable",
            err=True,
        )
    return {
        "reference": ref,
        "experimental": exp_,
        "groups": groups,
        "logrank": {"chi2": logrank.chi2, "df": logrank.df, "p": logrank.p_value},
        "cox": {
            "hr": float(fit.hazard_ratio[0]),
            "ci": [float(fit.hr_lower[0]), float(fit.hr_upper[0])],
            "p": float(fit.p_value[0]),
            "ph_test_p": zph.global_p_value,
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


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None or not math.isfinite(value):
        return "NR"
    return f"{value:.{digits}g}"


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
        rmst_text = f"{_fmt(rmst['estimate'])} ({_fmt(rmst['se'])})" if rmst else "-"
        arms.add_row(
            level, str(arm["n"]), str(arm["events"]), _fmt(arm["median"]),
            f"{_fmt(lo)} – {_fmt(hi)}", rmst_text,
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
                    level, _fmt(row["time"]), _fmt(row["survival"]),
                    f"{_fmt(lo)} – {_fmt(hi)}", str(row["at_risk"]),
                )  # fmt: skip
        console.print(at)
    lr, cox = result["logrank"], result["cox"]
    console.print(f"Log-rank: chi2 {lr['chi2']:.4f} on {lr['df']} df, p = {_fmt(lr['p'], 4)}")
    console.print(
        f"Cox hazard ratio {exp_} vs {ref}: {_fmt(cox['hr'])} "
        f"(95% CI {_fmt(cox['ci'][0])} – {_fmt(cox['ci'][1])}), p = {_fmt(cox['p'], 4)}; "
        f"proportional hazards test p = {_fmt(cox['ph_test_p'], 4)}"
    )


# --- response -------------------------------------------------------------------------------


def _analyze_response(
    frame: pd.DataFrame, *, response: str, group: str, reference: str | None
) -> dict[str, Any]:
    from metsor import stats

    r = _numbers(frame, response, binary=True)
    g = _column(frame, group).tolist()
    ref, exp_ = _arms(g, group, reference)
    counts = {
        level: (int(sum(v for v, lv in zip(r, g, strict=True) if lv == level)), g.count(level))
        for level in (ref, exp_)
    }
    groups = {}
    for level, (x, n) in counts.items():
        cp = stats.clopper_pearson(x, n)
        groups[level] = {"responders": x, "n": n, "rate": cp.rate, "ci": [cp.lower, cp.upper]}
    (x1, n1), (x2, n2) = counts[exp_], counts[ref]
    diff = stats.newcombe_difference(x1, n1, x2, n2)
    fisher = stats.fisher_exact(x1, n1, x2, n2)
    return {
        "reference": ref,
        "experimental": exp_,
        "groups": groups,
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
            level, str(arm["responders"]), str(arm["n"]), _fmt(arm["rate"]),
            f"{_fmt(lo)} – {_fmt(hi)}",
        )  # fmt: skip
    console.print(table)
    d, o = result["difference"], result["odds_ratio"]
    console.print(
        f"Difference {exp_} − {ref}: {_fmt(d['estimate'])} "
        f"(Newcombe 95% CI {_fmt(d['ci'][0])} – {_fmt(d['ci'][1])})"
    )
    console.print(
        f"Odds ratio (conditional MLE): {_fmt(o['estimate'])} "
        f"(exact 95% CI {_fmt(o['ci'][0])} – {_fmt(o['ci'][1])}); "
        f"Fisher's exact test p = {_fmt(result['fisher_p'], 4)}"
    )
