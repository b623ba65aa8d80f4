"""``metsor protocol show``: what makes a protocol runnable — study drugs and strata."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from metsor.protocol import Protocol
    from metsor.protocol.model import Criterion

__all__ = ["criterion_rule", "print_drugs_and_strata"]

_SIGN = {">=": "≥", ">": ">", "<": "<", "<=": "≤"}


def criterion_rule(criterion: Criterion) -> str:
    """The rule column of a criterion: its rule, with the trial's own cut-off if any."""
    from rich.markup import escape

    if criterion.rule is None:
        return "[yellow]checklist (attested)[/]"
    cutoff = criterion.cutoff
    if cutoff is None:
        return escape(criterion.rule)
    limit = f"{_SIGN[cutoff.comparison]} {cutoff.limit:g} {cutoff.unit}".strip()
    return escape(f"{criterion.rule} {limit}")


def print_drugs_and_strata(console: Console, protocol: Protocol) -> None:
    """Arm codes with their study drugs, each drug's levels and label rules, and the strata."""
    from rich.markup import escape as e
    from rich.table import Table

    if protocol.study_drugs:
        drugs = Table(title="Study drugs (dose levels as casebook codes)", expand=True)
        for column in ("arm codes", "drug", "levels (step)", "label rules"):
            drugs.add_column(column, overflow="fold")
        for drug in protocol.study_drugs:
            arms = [
                a.code or "-" for a in protocol.arms if drug.intervention in a.intervention_names
            ]
            levels = ", ".join(f"{level.code} ({level.step})" for level in drug.levels)
            rules = [drug.food]
            if drug.renal_limits is not None:
                limits = drug.renal_limits
                rules.append(
                    f"eGFR < {limits.contraindicated_below:g}: not given; "
                    f"< {limits.start_not_recommended_below:g}: start needs an override"
                )
            if drug.contrast_hold is not None:
                rules.append(
                    f"held for iodinated contrast, resumed {drug.contrast_hold.resume_after_days}"
                    " days after"
                )
            name = drug.code if drug.active else f"{drug.code} (no active drug)"
            drugs.add_row(e(", ".join(arms)), e(name), e(levels), e("\n".join(rules)))
        console.print(drugs)
    if protocol.stratification:
        strata = Table(title="Stratification (read from the screening record)", expand=True)
        for column in ("factor", "fields", "levels"):
            strata.add_column(column, overflow="fold")
        for factor in protocol.stratification:
            levels = "; ".join(
                f"{label}: {', '.join(map(str, values))}"
                for label, values in factor.level_values().items()
            )
            strata.add_row(e(factor.description), e(", ".join(factor.fields)), e(levels))
        console.print(strata)
