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

import typer

from metsor.cli.analyze.response import response
from metsor.cli.analyze.survival import survival

__all__ = ["app"]

app = typer.Typer(
    help="Analyse trial data: survival (Kaplan–Meier, log-rank, Cox) and response rates.",
    no_args_is_help=True,
)
app.command("survival")(survival)
app.command("response")(response)
