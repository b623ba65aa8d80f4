"""``metsor design interim``: the bounds and figures of an interim look at the events observed."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.design.interim import InterimAnalysis

__all__ = [
    "ALLOCATION_RATIO",
    "ALPHA",
    "BETA",
    "BETA_GAMMA",
    "BETA_SPENDING",
    "BINDING_FUTILITY",
    "GAMMA",
    "SIDES",
    "SPENDING",
    "interim_command",
    "json_value",
    "parse_numbers",
]

# Options of the design's bounds, worded once for every design command that takes them
ALPHA = Annotated[float, typer.Option("--alpha", help="Significance level.")]
SIDES = Annotated[int, typer.Option("--sides", help="1 or 2 (alpha/sides in each tail).")]
SPENDING = Annotated[
    str, typer.Option("--spending", help="obf, pocock, hsd, classical-obf or classical-pocock.")
]
ALLOCATION_RATIO = Annotated[
    float, typer.Option("--allocation-ratio", help="Patients experimental : control.")
]
GAMMA = Annotated[float, typer.Option("--gamma", help="Hwang–Shih–DeCani gamma.")]
BETA = Annotated[
    float | None,
    typer.Option(
        "--beta",
        help="Type-II error: with --beta-spending, the futility bounds spend it; alone, the "
        "design stays efficacy-only (as rpact's getDesignGroupSequential, where beta serves "
        "the characteristics and changes no bound).",
    ),
]
BETA_SPENDING = Annotated[
    str | None,
    typer.Option(
        "--beta-spending",
        help="obf, pocock or hsd: futility bounds (z ≤ a; |z| < a when two-sided); needs --beta.",
    ),
]
BETA_GAMMA = Annotated[
    float, typer.Option("--beta-gamma", help="Hwang–Shih–DeCani gamma of beta spending.")
]
BINDING_FUTILITY = Annotated[
    bool,
    typer.Option(
        "--binding-futility",
        help="The efficacy bounds count on the futility bounds being obeyed.",
    ),
]


def parse_numbers(text: str, option: str) -> list[float]:
    """Numbers from ``"20,41"``; an InputError naming ``option`` otherwise.

    Parameters
    ----------
    text
        Comma-separated numbers.
    option
        The command-line option they came from.

    Returns
    -------
    list of float
        The numbers, in the order given.
    """
    parts = [part.strip() for part in text.split(",")]
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise InputError(f"cannot read {text!r}: use numbers such as 20,41", field=option) from None
    if not values or not all(math.isfinite(v) for v in values):
        raise InputError(f"cannot read {text!r}: every value must be a finite number", field=option)
    return values


def json_value(value: Any) -> Any:
    """A value as JSON holds it: an infinite or missing bound (−inf, nan) is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    return value


def _payload(r: InterimAnalysis) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "information_rates": r.information_rates,
        "critical_z": r.critical_z,
        "decision": r.decision,
        "conditional_power": r.conditional_power,
        "rci_lower": r.rci_lower,
        "rci_upper": r.rci_upper,
        "repeated_p_value": r.repeated_p_value,
        "conditional_power_observed_hr": r.conditional_power_observed_hr,
        "hr_observed": r.hr_observed,
        "status": r.status,
        "maximum_events": r.maximum_events,
        "look_events": r.look_events,
        "nominal_p": r.nominal_p,
        "cumulative_alpha": r.cumulative_alpha,
        "cumulative_power": r.cumulative_power,
        "hr_efficacy_bound": r.hr_efficacy_bound,
    }
    if r.design.cumulative_beta:
        payload["futility_z"] = r.futility_z
        payload["hr_futility_bound"] = r.hr_futility_bound
        payload["futility_crossed"] = r.futility_crossed
    return {key: json_value(value) for key, value in payload.items()}


def _cell(value: float, digits: int = 4) -> str:
    return "-" if not math.isfinite(value) else f"{value:.{digits}f}"


def _table(r: InterimAnalysis) -> list[str]:
    header = (
        f"{'look':>4} {'rate':>6} {'events':>7} {'bound z':>8} {'HR bound':>8} {'nominal p':>9} "
        f"{'z':>7} {'HR':>6} {'decision':>8} {'CP':>6} {'CP obs':>6} "
        f"{'RCI for HR':>15} {'rep. p':>7}"
    )
    lines = [header]
    taken = len(r.events)
    for k, rate in enumerate(r.information_rates):
        line = (
            f"{k + 1:>4} {rate:>6.3f} {r.look_events[k]:>7.4g} {r.critical_z[k]:>8.4f} "
            f"{r.hr_efficacy_bound[k]:>8.4f} {r.nominal_p[k]:>9.5f}"
        )
        if k < taken:
            interval = f"{r.rci_lower[k]:.3f}-{r.rci_upper[k]:.3f}"
            line += (
                f" {r.z[k]:>7.3f} {r.hr_observed[k]:>6.3f} {r.decision[k]:>8}"
                f" {_cell(r.conditional_power[k]):>6}"
                f" {_cell(r.conditional_power_observed_hr[k]):>6}"
                f" {interval:>15} {r.repeated_p_value[k]:>7.4f}"
            )
        else:
            line += "  (planned)"
        lines.append(line)
    return lines


def interim_command(
    looks: Annotated[
        str, typer.Option("--looks", help="Planned information fractions: 1/3,2/3,1.")
    ],
    planned_events: Annotated[
        float, typer.Option("--planned-events", help="Planned events at the final look.")
    ],
    events: Annotated[str, typer.Option("--events", help="Events at each look so far: 20,41.")],
    z: Annotated[
        str, typer.Option("--z", help="Log-rank z at each look so far (> 0 favours experimental).")
    ],
    hr_alternative: Annotated[
        float, typer.Option("--hr-alternative", help="The hazard ratio the design assumes.")
    ],
    alpha: ALPHA = 0.025,
    sides: SIDES = 1,
    spending: SPENDING = "obf",
    gamma: GAMMA = -4.0,
    beta: BETA = None,
    beta_spending: BETA_SPENDING = None,
    beta_gamma: BETA_GAMMA = -4.0,
    binding_futility: BINDING_FUTILITY = False,
    allocation_ratio: ALLOCATION_RATIO = 1.0,
    information_epsilon: Annotated[
        float,
        typer.Option(
            "--information-epsilon",
            help="Under-running allowed at a final look: events (≥ 1) or a fraction (< 1).",
        ),
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Interim look: bounds at the events observed, decision, conditional power, repeated CIs."""
    from metsor.cli.design import parse_looks
    from metsor.design.interim import interim_analysis

    result = interim_analysis(
        parse_looks(looks),
        planned_events=planned_events,
        events=parse_numbers(events, "--events"),
        z=parse_numbers(z, "--z"),
        hr_alternative=hr_alternative,
        alpha=alpha,
        sides=sides,
        spending=spending,
        gamma=gamma,
        beta=beta,
        beta_spending=beta_spending,
        beta_gamma=beta_gamma,
        binding_futility=binding_futility,
        allocation_ratio=allocation_ratio,
        information_epsilon=information_epsilon,
    )
    if as_json:
        typer.echo(json.dumps(_payload(result), indent=2))
        return
    typer.echo(
        f"status: {result.status} (final look at {result.maximum_events:g} events; "
        f"{result.design.sides}-sided alpha {result.design.alpha:g}, {result.design.spending})"
    )
    for line in _table(result):
        typer.echo(line)
    typer.echo(
        f"CP: conditional power under HR {result.hr_alternative:g}; CP obs: under the HR "
        "observed at that look; HR bound: the HR at the efficacy bound"
    )
