"""``metsor design boundaries``: a group-sequential design as a table by look.

The table reads as rpact's ``summary(getDesignGroupSequential(...))``: a row per quantity, a
column per look. Every value it shows is a value of ``--json`` (:func:`boundaries_payload`
computes them once for both).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

import typer

from metsor.cli.design_interim import (
    ALLOCATION_RATIO,
    ALPHA,
    BETA_GAMMA,
    BETA_SPENDING,
    BINDING_FUTILITY,
    GAMMA,
    SIDES,
    SPENDING,
)

__all__ = ["TABLE_ROWS", "boundaries_command", "boundaries_payload"]

_BETA = Annotated[
    float | None,
    typer.Option(
        "--beta",
        help="Type-II error: the design's power 1 − beta, its rejection probabilities by look "
        "and expected information; with --beta-spending, futility bounds too.",
    ),
]
_EVENTS = Annotated[
    float | None,
    typer.Option(
        "--events",
        help="Events at the final look: the events of each look and the hazard ratio at "
        "each bound.",
    ),
]


def _z(value: float) -> str:
    return f"{value:.4f}"


def _probability(value: float) -> str:
    return f"{value:.4g}"


TABLE_ROWS: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("looks", "Information fraction", _z),
    ("events", "Events", lambda v: f"{v:.2f}"),
    ("z", "Efficacy bound (z)", _z),
    ("efficacy_p_one_sided", "Efficacy bound (one-sided local p)", _probability),
    ("hr_efficacy_bound", "Efficacy bound (HR)", _z),
    ("futility", "Futility bound (z)", _z),
    ("futility_p_one_sided", "Futility bound (one-sided local p)", _probability),
    ("hr_futility_bound", "Futility bound (HR)", _z),
    ("cumulative_alpha", "Cumulative α spent", _probability),
    ("cumulative_beta", "Cumulative β spent", _probability),
    ("information", "Information under H1 (η² t)", _z),
    ("rejection_probabilities", "Rejection probability under H1", _probability),
    ("power", "Cumulative power", _probability),
    ("futility_probabilities", "Futility stop probability under H1", _probability),
)
"""The table's rows: (key of ``--json``, label, how a value is shown). A row whose key the
payload lacks is left out; a look the key has no value for (null) shows ``–``."""
_INTERIM_ONLY = frozenset({"futility", "futility_p_one_sided"})
"""Rows shown at interim looks only: ``--json``'s last futility bound is the last efficacy
bound (where the two meet), which the table does not repeat as a futility bound."""


def boundaries_payload(
    looks: list[float],
    *,
    alpha: float,
    sides: int,
    spending: str,
    gamma: float,
    beta: float | None,
    beta_spending: str | None,
    beta_gamma: float,
    binding_futility: bool,
    maximum_events: float | None,
    allocation_ratio: float,
) -> dict[str, Any]:
    """The design's figures by look, as ``--json`` prints them and the table shows them.

    ``beta`` without ``beta_spending`` is an efficacy-only design asked for its
    characteristics (rpact's ``getDesignCharacteristics`` of a design made with that β).
    """
    from scipy.stats import norm

    from metsor.design.boundaries import group_sequential_design
    from metsor.design.characteristics import bounds_at_events, design_characteristics

    d = group_sequential_design(
        looks,
        alpha=alpha,
        sides=sides,
        spending=spending,
        gamma=gamma,
        beta=beta,
        beta_spending=beta_spending,
        beta_gamma=beta_gamma,
        binding_futility=binding_futility,
    )
    payload: dict[str, Any] = {
        "looks": list(d.information_rates),
        "z": list(d.z),
        "cumulative_alpha": list(d.cumulative_alpha),
        "nominal_p": list(d.nominal_p),
        "efficacy_p_one_sided": [float(norm.sf(c)) for c in d.z],
    }
    if beta_spending is not None:
        payload["futility"] = list(d.futility)
        payload["futility_p_one_sided"] = [
            float(norm.sf(a)) if math.isfinite(a) else math.nan for a in d.futility
        ]
        payload["cumulative_beta"] = list(d.cumulative_beta)
        payload["binding_futility"] = d.binding_futility
    if maximum_events is not None:
        at = bounds_at_events(d, maximum_events=maximum_events, allocation_ratio=allocation_ratio)
        payload["maximum_events"] = maximum_events
        payload["allocation_ratio"] = allocation_ratio
        payload["events"] = list(at.events)
        payload["hr_efficacy_bound"] = list(at.hr_efficacy)
        if beta_spending is not None:
            payload["hr_futility_bound"] = list(at.hr_futility)
    if beta is not None:
        c = design_characteristics(d, beta)
        payload.update(
            {
                "drift": c.drift,
                "fixed_information": c.fixed_information,
                "inflation_factor": c.inflation_factor,
                "information": list(c.information),
                "power": list(c.power),
                "rejection_probabilities": list(c.rejection_probabilities),
                "futility_probabilities": list(c.futility_probabilities),
                "expected_information_h1": c.expected_information_h1,
                "expected_information_h01": c.expected_information_h01,
                "expected_information_h0": c.expected_information_h0,
            }
        )
    return payload


def _cell(values: list[float], look: int, shown: Callable[[float], str]) -> str:
    if look >= len(values) or not math.isfinite(values[look]):
        return "–"
    return shown(values[look])


def _row(key: str, payload: dict[str, Any], count: int) -> list[float]:
    """The values a row shows, one a look (nan where the table shows none)."""
    values = [float(v) for v in payload[key]]
    if key in _INTERIM_ONLY:
        values[-1] = math.nan
    return values + [math.nan] * (count - len(values))


def _print_table(payload: dict[str, Any], title: str) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=False)
    count = len(payload["looks"])
    console.print(title)
    table = Table(box=box.SQUARE)
    table.add_column("")
    for look in range(count):
        table.add_column(f"Look {look + 1}", justify="right")
    for key, label, shown in TABLE_ROWS:
        if key == "futility_probabilities" and "futility" not in payload:
            continue  # an efficacy-only design stops for futility nowhere
        if key in payload:
            values = _row(key, payload, count)
            table.add_row(label, *(_cell(values, k, shown) for k in range(count)))
    console.print(table)
    for line in _design_lines(payload):
        console.print(line)


def _design_lines(payload: dict[str, Any]) -> list[str]:
    lines = []
    if "binding_futility" in payload:
        kind = "binding" if payload["binding_futility"] else "non-binding"
        lines.append(f"Futility bounds: {kind}")
    if "maximum_events" in payload:
        lines.append(
            f"Maximum events: {payload['maximum_events']:g} (allocation ratio "
            f"{payload['allocation_ratio']:g}); HR: experimental / control"
        )
    if "drift" in payload:
        lines.append(
            f"Drift η: {payload['drift']:.4f}; fixed-design information "
            f"{payload['fixed_information']:.4f}; inflation factor "
            f"{payload['inflation_factor']:.4f}"
        )
        lines.append(
            "Expected information / fixed design: "
            f"H1 {payload['expected_information_h1']:.4f}, "
            f"H01 {payload['expected_information_h01']:.4f}, "
            f"H0 {payload['expected_information_h0']:.4f}"
        )
    return lines


def boundaries_command(
    looks: Annotated[str, typer.Option("--looks", help="Information fractions: 1/3,2/3,1.")],
    alpha: ALPHA = 0.025,
    sides: SIDES = 1,
    spending: SPENDING = "obf",
    gamma: GAMMA = -4.0,
    beta: _BETA = None,
    beta_spending: BETA_SPENDING = None,
    beta_gamma: BETA_GAMMA = -4.0,
    binding_futility: BINDING_FUTILITY = False,
    maximum_events: _EVENTS = None,
    allocation_ratio: ALLOCATION_RATIO = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Group-sequential bounds by look (Lan–DeMets spending or classical designs).

    The table shows, per look, the information fraction, the efficacy bound as z, one-sided
    local p and (with ``--events``) hazard ratio, the futility bound likewise (with
    ``--beta-spending``), and the cumulative α and β spent. With ``--beta`` the design's
    characteristics too: the drift that gives power 1 − beta, the rejection and futility
    probabilities of each look under it, and the expected information under H1, H01 and H0
    relative to the fixed design (rpact's ``getDesignCharacteristics``), for a design with or
    without futility bounds.
    """
    from metsor.cli.design import emit_json, parse_looks

    payload = boundaries_payload(
        parse_looks(looks),
        alpha=alpha,
        sides=sides,
        spending=spending,
        gamma=gamma,
        beta=beta,
        beta_spending=beta_spending,
        beta_gamma=beta_gamma,
        binding_futility=binding_futility,
        maximum_events=maximum_events,
        allocation_ratio=allocation_ratio,
    )
    if as_json:
        emit_json(payload)
        return
    side = "one-sided" if sides == 1 else "two-sided, |z| against the bounds"
    title = f"Group-sequential design: {spending} spending, α {alpha:g} {side}"
    if beta is not None:
        title += f", power {1.0 - beta:g}"
    _print_table(payload, title)
