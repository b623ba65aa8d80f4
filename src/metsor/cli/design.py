"""``metsor design``: sample size, power, group-sequential bounds and simulated trials."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer

from metsor.cli.design_boundaries import boundaries_command
from metsor.cli.design_interim import (
    ALLOCATION_RATIO,
    ALPHA,
    BETA,
    BETA_GAMMA,
    BETA_SPENDING,
    BINDING_FUTILITY,
    GAMMA,
    SIDES,
    SPENDING,
    interim_command,
    json_value,
)
from metsor.errors import InputError, NotFoundError

__all__ = ["app", "emit_json", "parse_looks"]

app = typer.Typer(
    help="Trial design: sample size, power, group-sequential bounds, Monte-Carlo simulation.",
    no_args_is_help=True,
)
app.command("boundaries")(boundaries_command)
app.command("interim")(interim_command)

_JSON = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
_M0 = Annotated[float, typer.Option("--median-control", help="Control median, months.")]
_M1 = Annotated[
    float | None, typer.Option("--median-experimental", help="Experimental median, months.")
]
_ACCRUAL = Annotated[float, typer.Option("--accrual-months", help="Uniform accrual, months.")]
_FOLLOW = Annotated[
    float, typer.Option("--follow-up-months", help="Follow-up after the last patient in.")
]
_DROPOUT = Annotated[
    float, typer.Option("--dropout-per-year", help="Probability of dropout within 12 months.")
]
_METHOD = Annotated[str, typer.Option("--method", help="schoenfeld or freedman.")]


def parse_looks(text: str) -> list[float]:
    """Information fractions from ``"1/3,2/3,1"`` or ``"0.5,1"``.

    Parameters
    ----------
    text
        Comma-separated fractions or decimals.

    Returns
    -------
    list of float
        The fractions, in the order given.
    """
    try:
        return [float(Fraction(part.strip())) for part in text.split(",") if part.strip()]
    except (ValueError, ZeroDivisionError):
        raise InputError(f"cannot read looks {text!r}: use e.g. 1/3,2/3,1", field="looks") from None


def emit_json(payload: dict[str, Any]) -> None:
    """Print a command's figures as JSON: an infinite or missing value is null."""
    typer.echo(json.dumps({key: json_value(value) for key, value in payload.items()}, indent=2))


def _emit(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(payload)
        return
    for key, value in payload.items():
        if isinstance(value, list | tuple):
            shown = ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in value)
        elif isinstance(value, float):
            shown = f"{value:.6g}"
        else:
            shown = str(value)
        typer.echo(f"{key.replace('_', ' ')}: {shown}")


@app.command("sample-size")
def sample_size_command(
    median_control: _M0,
    accrual_months: _ACCRUAL,
    follow_up_months: _FOLLOW,
    median_experimental: _M1 = None,
    hr: Annotated[float | None, typer.Option("--hr", help="Hazard ratio exp./control.")] = None,
    alpha: ALPHA = 0.05,
    sides: SIDES = 2,
    power: Annotated[float, typer.Option("--power", help="Power, 1 − beta.")] = 0.8,
    dropout_per_year: _DROPOUT = 0.0,
    allocation_ratio: ALLOCATION_RATIO = 1.0,
    method: _METHOD = "schoenfeld",
    as_json: _JSON = False,
) -> None:
    """Events and patients for a two-arm log-rank test (rpact's getSampleSizeSurvival)."""
    from metsor.design.sample_size import sample_size

    r = sample_size(
        median_control=median_control,
        median_experimental=median_experimental,
        hr=hr,
        alpha=alpha,
        sides=sides,
        power=power,
        accrual_months=accrual_months,
        follow_up_months=follow_up_months,
        dropout_per_year=dropout_per_year,
        allocation_ratio=allocation_ratio,
        method=method,
    )
    _emit(
        {
            "events": r.events,
            "events_ceil": r.events_ceil,
            "n": r.n,
            "n_ceil": r.n_ceil,
            "hr": r.hr,
            "analysis_time": r.analysis_time,
        },
        as_json,
    )


@app.command("power")
def power_command(
    n: Annotated[int, typer.Option("--n", help="Patients in both arms.")],
    median_control: _M0,
    median_experimental: Annotated[
        float, typer.Option("--median-experimental", help="Experimental median, months.")
    ],
    accrual_months: _ACCRUAL,
    follow_up_months: _FOLLOW,
    alpha: ALPHA = 0.05,
    sides: SIDES = 2,
    dropout_per_year: _DROPOUT = 0.0,
    allocation_ratio: ALLOCATION_RATIO = 1.0,
    method: _METHOD = "schoenfeld",
    as_json: _JSON = False,
) -> None:
    """Power of the log-rank test with N patients, analysed at accrual + follow-up."""
    from metsor.design.sample_size import logrank_power

    r = logrank_power(
        n=n,
        median_control=median_control,
        median_experimental=median_experimental,
        alpha=alpha,
        sides=sides,
        accrual_months=accrual_months,
        follow_up_months=follow_up_months,
        dropout_per_year=dropout_per_year,
        allocation_ratio=allocation_ratio,
        method=method,
    )
    _emit({"power": r.power, "expected_events": r.expected_events, "hr": r.hr}, as_json)


@app.command("simulate")
def simulate_command(
    n: Annotated[int, typer.Option("--n", help="Patients in both arms.")],
    median_control: _M0,
    median_experimental: Annotated[
        float, typer.Option("--median-experimental", help="Experimental median, months.")
    ],
    accrual_months: _ACCRUAL,
    follow_up_months: _FOLLOW = 12.0,
    looks: Annotated[str, typer.Option("--looks", help="Information fractions.")] = "1",
    spending: SPENDING = "obf",
    gamma: GAMMA = -4.0,
    beta: BETA = None,
    beta_spending: BETA_SPENDING = None,
    beta_gamma: BETA_GAMMA = -4.0,
    binding_futility: BINDING_FUTILITY = False,
    sims: Annotated[int, typer.Option("--sims", help="Simulated trials.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 20160203,
    alpha: ALPHA = 0.05,
    sides: SIDES = 2,
    events: Annotated[
        int | None, typer.Option("--events", help="Final analysis at this many events.")
    ] = None,
    endpoint: Annotated[str, typer.Option("--endpoint", help="os, ttp, pfs or orr.")] = "os",
    dropout_per_year: _DROPOUT = 0.0,
    allocation_ratio: ALLOCATION_RATIO = 1.0,
    assessment_interval_months: Annotated[
        str | None,
        typer.Option(
            "--assessment-interval-months",
            metavar="MONTHS|continuous",
            help="TTP/PFS: progression seen at tumour assessments this many months apart, or "
            "'continuous' to see it in continuous time (as rpact simulates). Default: the "
            "protocol's tumour-assessment schedule (METSOR: every 49 ± 7 days, 1.61 months).",
        ),
    ] = None,
    ttp_death_censoring: Annotated[
        str | None,
        typer.Option(
            "--ttp-death-censoring",
            metavar="last_adequate_assessment|death",
            help="TTP at assessments: censor a death without progression at the last "
            "assessment before it or at death. Default: the protocol's rule (the last "
            "adequate assessment).",
        ),
    ] = None,
    as_json: _JSON = False,
) -> None:
    """Simulate whole trials: power (type-I error when the medians are equal), stopping by look.

    TTP and PFS see progression at the protocol's tumour assessments unless
    ``--assessment-interval-months`` says otherwise. Without ``--events`` the final analysis
    is at accrual + follow-up: a trial that reaches it before an interim look's events holds
    its final analysis then, at a bound that spends all the α left (``early final by look``:
    the share of trials, by the interim not held; ``early final bounds``: those bounds). With
    ``--beta`` and ``--beta-spending``
    a trial stops for futility at an interim look whose z is at or below the futility bound
    (|z| below it when two-sided); non-binding bounds also give the power that obeying them
    costs.
    """
    from metsor.design.scenario import (
        PROTOCOL_ASSESSMENT_INTERVAL_MONTHS,
        PROTOCOL_TTP_DEATH_CENSORING,
    )
    from metsor.design.simulate import Scenario, simulate

    scenario = Scenario(
        n=n,
        median_control=median_control,
        median_experimental=median_experimental,
        accrual_months=accrual_months,
        follow_up_months=follow_up_months,
        events=events,
        looks=tuple(parse_looks(looks)),
        spending=spending,
        gamma=gamma,
        beta=beta,
        beta_spending=beta_spending,
        beta_gamma=beta_gamma,
        binding_futility=binding_futility,
        alpha=alpha,
        sides=sides,
        endpoint=endpoint,
        dropout_per_year=dropout_per_year,
        allocation_ratio=allocation_ratio,
        assessment_interval_months=_assessment_interval(
            assessment_interval_months, PROTOCOL_ASSESSMENT_INTERVAL_MONTHS
        ),
        ttp_death_censoring=ttp_death_censoring or PROTOCOL_TTP_DEATH_CENSORING,
    ).validated()
    if sys.stderr.isatty():
        result = _simulate_with_progress(scenario, sims, seed)
    else:
        result = simulate(scenario, sims=sims, seed=seed)
    payload: dict[str, Any] = {"power": result.power}
    if abs(result.hr - 1.0) < 1e-12:
        payload["type_i_error"] = result.type_i_error
    interval = scenario.assessment_interval_months
    if scenario.endpoint in ("ttp", "pfs"):
        payload["progression_seen"] = (
            "in continuous time"
            if interval is None
            else f"at tumour assessments every {interval * 30.4375:.4g} days"
        )
    if scenario.endpoint == "ttp" and interval is not None:
        payload["ttp_death_censoring"] = scenario.ttp_death_censoring
    _emit(
        {
            **payload,
            "mc_se": result.mc_se,
            "expected_events": result.expected_events,
            "expected_duration": result.expected_duration,
            "reject_by_look": list(result.reject_by_look),
            "critical_values": list(result.critical_values),
            **_futility_payload(result),
            **_early_final_payload(result),
            "hr": result.hr,
            "sims": result.sims,
            "seed": result.seed,
        },
        as_json,
    )


def _futility_payload(result: Any) -> dict[str, Any]:
    """The futility stops of a simulation with futility bounds (nothing without them)."""
    if not result.futility_bounds:
        return {}
    payload: dict[str, Any] = {
        "futility_bounds": list(result.futility_bounds),
        "futility_by_look": list(result.futility_by_look),
        "futility_stop": result.futility_stop,
        "early_stop": list(result.early_stop),
        "binding_futility": result.binding_futility,
    }
    if not result.binding_futility:
        payload["power_futility_ignored"] = result.power_futility_ignored
        payload["power_lost_to_futility"] = result.power_lost_to_futility
    return payload


def _early_final_payload(result: Any) -> dict[str, Any]:
    """A time-driven design's interim looks that the end of follow-up came before (nothing
    when every look is event-driven)."""
    if not result.early_final_by_look:
        return {}
    return {
        "early_final_by_look": list(result.early_final_by_look),
        "early_final_bounds": list(result.early_final_bounds),
    }


def _assessment_interval(text: str | None, protocol: float) -> float | None:
    """Months between assessments from the option: the protocol's when not given, None for
    ``continuous``."""
    if text is None:
        return protocol
    if text.strip().lower() == "continuous":
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(
            f"give a number of months or 'continuous', not {text!r}",
            field="assessment_interval_months",
        ) from None


@contextmanager
def _progress_bar(description: str, total: int) -> Iterator[Callable[[float], None]]:
    """A progress bar on stderr while the block runs: yields "report this much done"."""
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)


def _simulate_with_progress(scenario: Any, sims: int, seed: int) -> Any:
    from metsor.design.simulate import simulate

    with _progress_bar("simulating trials", sims) as report:
        return simulate(scenario, sims=sims, seed=seed, progress=report)


@app.command("grid")
def grid_command(
    spec: Annotated[Path, typer.Argument(help="YAML grid: base scenario, values to cross.")],
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local Dask worker processes.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler, tcp://HOST:PORT.")
    ] = None,
    as_json: _JSON = False,
) -> None:
    """Simulate every scenario of a grid, in one process or on a Dask cluster."""
    from metsor.design.distributed import expand, parse_grid, run_grid

    if not spec.is_file():
        raise NotFoundError(f"no such file: {spec}", field="SPEC")
    try:
        text = spec.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {spec}: {exc}", field="SPEC") from None
    # errors in the file name its keys (base.n, grid, sims); errors in options name the option
    grid = parse_grid(text)
    scenarios = len(expand(grid))
    if sys.stderr.isatty():
        with _progress_bar(f"simulating {scenarios} scenarios", 1) as report:
            rows = run_grid(
                grid,
                workers=workers,
                scheduler=scheduler,
                progress=lambda done, total: report(done / total),
            )
    else:
        rows = run_grid(grid, workers=workers, scheduler=scheduler)
    out = [
        {
            **{k: list(v) if isinstance(v, tuple) else v for k, v in row.values.items()},
            "power": row.result.power,
            "mc_se": row.result.mc_se,
            "expected_events": row.result.expected_events,
            "expected_duration": row.result.expected_duration,
            "reject_by_look": list(row.result.reject_by_look),
            **(
                {
                    "futility_by_look": list(row.result.futility_by_look),
                    "futility_stop": row.result.futility_stop,
                }
                if row.result.futility_bounds
                else {}
            ),
            **(
                {"early_final_by_look": list(row.result.early_final_by_look)}
                if row.result.early_final_by_look
                else {}
            ),
        }
        for row in rows
    ]
    if as_json:
        typer.echo(json.dumps({"sims": grid.sims, "seed": grid.seed, "rows": out}, indent=2))
        return
    for row_out in out:
        typer.echo(
            "  ".join(
                f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row_out.items()
            )
        )
