"""``metsor insilico``: the virtual patients set beside the published trials.

``metsor insilico calibrate`` runs a large virtual population through the virtual trial's own
planning and endpoint code (:func:`metsor.insilico.calibration.calibrate`) and prints each
published target of a preset beside its virtual value and the value's sampling interval,
marking with ``!`` a target that lies outside.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Annotated

import typer

from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.insilico.calibration import Calibration, CalibrationRow

__all__ = ["app", "calibrate_command", "format_table"]

app = typer.Typer(
    help="The virtual patients: calibration against published trial arms.",
    no_args_is_help=True,
)

_LABELS = {
    "os_median": "Median OS (months)",
    "ttp_median": "Median TTP, observed (months)",
    "pfs_median": "Median PFS, observed (months)",
    "orr_mrecist": "ORR mRECIST",
    "orr_recist": "ORR RECIST 1.1",
    "cr_pr_sd_recist": "Best response CR, PR or SD, RECIST",
    "discontinued_ae": "Discontinued for adverse events",
    "dose_reduced": "Dose reduced",
}


def _label(row: CalibrationRow) -> str:
    key = row.target.key
    if key.startswith("ae_any:"):
        return f"{key[7:]}, any grade"
    if key.startswith("ae_g3:"):
        return f"{key[6:]}, grade ≥ 3"
    return _LABELS[key]


def _value(value: float, median: bool) -> str:
    if not math.isfinite(value):
        return "NR"
    return f"{value:.2f}" if median else f"{100 * value:.1f}%"


def format_table(calibration: Calibration) -> str:
    """The calibration as a plain-text table (the README's and docs/validation.md's form)."""
    lines = [
        f"Preset {calibration.preset}: {calibration.n} virtual patients per arm, seed "
        f"{calibration.seed}, tumour assessments every {calibration.scan_interval_days} days",
        f"Intervals: {calibration.level:.0%} simultaneous (Bonferroni over "
        f"{len(calibration.rows)} figures) sampling intervals of the virtual value; "
        "! marks a target outside",
        "",
        f"  {'Arm':<12} {'Figure':<40} {'Target':>8} {'Virtual':>8}  {'Interval':<17}",
    ]
    for row in calibration.rows:
        median = row.target.is_median
        interval = f"{_value(row.lower, median)}–{_value(row.upper, median)}"
        arm = calibration.arm_abbreviations[row.target.arm]
        mark = "" if row.inside else " !"
        lines.append(
            f"  {arm:<12} {_label(row):<40} {_value(row.target.value, median):>8} "
            f"{_value(row.virtual, median):>8}  {interval:<17}{mark}"
        )
    outside = sum(1 for row in calibration.rows if not row.inside)
    lines += ["", f"{len(calibration.rows) - outside} of {len(calibration.rows)} targets inside."]
    return "\n".join(lines)


@app.command("calibrate")
def calibrate_command(
    preset: Annotated[
        str, typer.Option("--preset", help="sharp, asia-pacific, reflect or metsor (default).")
    ] = "metsor",
    n: Annotated[int, typer.Option("--n", help="Virtual patients per arm.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random draws.")] = 20160203,
    level: Annotated[
        float, typer.Option("--level", help="Simultaneous level of the intervals.")
    ] = 0.95,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Set each published target of a preset beside the virtual patients' value."""
    from metsor.insilico.calibration import calibrate

    try:
        result = calibrate(preset, n=n, seed=seed, level=level)
    except InputError as exc:
        raise InputError(exc.message, field=f"--{exc.field}" if exc.field else None) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(format_table(result))
