"""The readable report of ``metsor demo``'s virtual trial (rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from metsor.insilico import VirtualTrialResult

__all__ = ["print_trial_report"]


def _short(label: str) -> str:
    """An arm's initials: ``Sorafenib + Metformin`` → ``S+M``."""
    return "+".join(part.strip()[:1].upper() for part in label.split("+") if part.strip())


def _months(value: float | None) -> str:
    return "NR" if value is None else f"{value:.1f}"


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def print_trial_report(
    result: VirtualTrialResult,
    *,
    database: str,
    command: str,
    seconds: float,
    registered_months: float | None = None,
) -> None:
    """Print CONSORT flow, balance, endpoints, response, audit and the next command.

    ``registered_months`` is the registered time frame of the protocol's primary outcome
    (:attr:`metsor.protocol.model.Protocol.registered_horizon_months`): the 12-month analysis
    is said to be the registered one only when it is 12.
    """
    console = Console(highlight=False, soft_wrap=True)
    console.width = max(console.width, 100)
    scenario = result.scenario
    trial = result.protocol.get("acronym") or result.protocol.get("nct_id", "")
    console.print()
    console.print(
        f"[bold]Virtual {trial} trial[/] (seed {result.seed}): accrual {result.start} to "
        f"{result.accrual_end}, data cut-off {result.cutoff}"
    )
    experimental, control = (result.arm_label(arm) for arm in result.arms)
    preset, other = (
        (experimental, control)
        if scenario.get("preset_arm") == "experimental"
        else (control, experimental)
    )
    console.print(
        f"Truth: {preset} arm as {scenario['source']}; {other} arm's hazard ratio against it "
        f"{scenario['hr_death']:g} (death), {scenario['hr_progression']:g} (progression)"
    )
    _consort(console, result)
    _balance(console, result)
    _endpoints(console, result, registered=registered_months == 12)
    _responses(console, result)
    audit = result.audit
    verdict = "[green]intact[/]" if audit["intact"] else f"[red]BROKEN[/]: {audit['first_problem']}"
    console.print(
        f"Audit chain: {verdict} ({audit['counts']}); {result.entries} casebook entries made "
        "through the services"
    )
    console.print(f"Database: {database}")
    folder = result.datasets["adtte"].rsplit("/", 1)[0]
    console.print(f"Datasets (ADSL, ADTTE, ADRS, ADAE): {folder}")
    console.print(f"Virtual trial run in {seconds:.1f} s. Next, analyse the datasets yourself:")
    console.print(f"  {command}", markup=False)


def _consort(console: Console, result: VirtualTrialResult) -> None:
    flow = result.consort
    console.print("[bold]CONSORT flow[/]")
    console.print(
        f"  Screened {flow.screened}: screen failures {flow.screen_failed}, eligible "
        f"{flow.eligible}, consented {flow.consented}"
    )
    failed = ", ".join(f"{name} {count}" for name, count in flow.failed_by_criterion.items())
    console.print(f"  Failed criteria (a candidate may fail several): {failed}", markup=False)
    table = Table("", *(result.arm_label(arm) for arm in result.arms), box=None, pad_edge=False)
    for label, counts in (
        ("Randomized", flow.randomized),
        ("Stopped treatment at progression", flow.discontinued_for_progression),
        ("Died", flow.died),
        ("Withdrew consent", flow.withdrew_consent),
        ("Lost to follow-up", flow.lost_to_follow_up),
        ("In follow-up at cut-off", flow.in_follow_up),
        ("Analysed (ITT)", flow.analysed),
    ):
        table.add_row(f"  {label}", *(str(counts[arm]) for arm in result.arms))
    console.print(table)


def _balance(console: Console, result: VirtualTrialResult) -> None:
    rows = [r for r in result.balance["rows"] if r["group"] in ("overall", "stratum")]
    console.print(
        f"[bold]Randomization balance[/] ({result.balance['method'].replace('_', ' ')}, "
        f"largest stratum imbalance {result.balance['max_stratum_imbalance']:g})"
    )
    table = Table("  Stratum", *(result.arm_label(arm) for arm in result.arms), "Total", box=None)
    for row in rows:
        table.add_row(
            f"  {row['level']}", *(str(row[arm]) for arm in result.arms), str(row["total"])
        )
    console.print(table)


def _endpoints(console: Console, result: VirtualTrialResult, *, registered: bool) -> None:
    labels = [result.arm_label(arm) for arm in result.arms]
    shorts = [_short(label) for label in labels]
    named = ", ".join(f"{short}: {label}" for short, label in zip(shorts, labels, strict=True))
    console.print(
        f"[bold]Endpoints[/] (ITT; {named}; months, 95% CI; HR {shorts[0]} vs {shorts[1]}; "
        "HR and log-rank test stratified by the randomization strata)"
    )
    table = Table(
        "  Endpoint", "Arm", "Events/N", "Median (95% CI)", "HR (95% CI)", "Log-rank p",
        box=None,
    )  # fmt: skip
    for item in result.endpoints:
        hr = (
            "–"
            if item.hazard_ratio is None
            else f"{item.hazard_ratio:.2f} ({item.hr_lower:.2f}–{item.hr_upper:.2f})"
        )
        for arm, short in zip(result.arms, shorts, strict=True):
            summary = item.arms[arm]
            median = (
                f"{_months(_nan(summary.median))} ({_months(_nan(summary.lower))}–"
                f"{_months(_nan(summary.upper))})"
            )
            first = arm == result.arms[0]
            table.add_row(
                f"  {item.param}" if first else "",
                short,
                f"{summary.events}/{summary.n}",
                median,
                hr if first else "",
                _p(_nan(item.logrank_p)) if first else "",
            )
    console.print(table)
    console.print(
        "  OS/TTP/PFS: full follow-up; OS12/TTP12/PFS12: censored at 12 months"
        + (" (registered)" if registered else " (not the registered time frame)")
    )


def _responses(console: Console, result: VirtualTrialResult) -> None:
    console.print("[bold]Objective response within 12 months[/] (Clopper–Pearson 95% CI)")
    table = Table(
        "  Criterion", *(result.arm_label(arm) for arm in result.arms), "Fisher p", box=None
    )
    for item in result.responses:
        cells = [
            f"{r.responders}/{r.n} {r.rate:.1%} ({r.lower:.1%}–{r.upper:.1%})"
            for r in (item.arms[arm] for arm in result.arms)
        ]
        table.add_row(f"  {item.criterion}", *cells, _p(item.fisher_p))
    console.print(table)


def _nan(value: float | None) -> float | None:
    return None if value is None or value != value else value
