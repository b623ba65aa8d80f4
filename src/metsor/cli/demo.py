"""``metsor demo``: the in-silico trial, step by step.

Its first step screens the built-in virtual screening log — 120 virtual candidates drawn from
the baseline of Asian advanced-HCC cohorts by ``scripts/make_virtual_screening_log.py`` — against
the criteria of NCT02672488, and prints how many are eligible and why the others are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from metsor.eligibility.log import ScreeningLog

__all__ = ["VIRTUAL_SCREENING_LOG", "demo", "register", "screen_virtual_log"]

VIRTUAL_SCREENING_LOG = "data/virtual_screening_log.csv"
"""The virtual screening log, relative to the :mod:`metsor.eligibility` package."""


def register(app: typer.Typer) -> None:
    """Add ``metsor demo`` to the application."""
    app.command("demo")(demo)


def screen_virtual_log() -> ScreeningLog:
    """Screen the built-in virtual screening log against the built-in NCT02672488 protocol.

    Returns
    -------
    ScreeningLog
        The screened log.
    """
    from importlib.resources import files

    from metsor.eligibility.log import screen_log

    text = files("metsor.eligibility").joinpath(VIRTUAL_SCREENING_LOG).read_text(encoding="utf-8")
    return screen_log(text)


def demo() -> None:
    """Run the in-silico trial of NCT02672488 on virtual patients."""
    from metsor.cli.screen import print_log_summary

    print_log_summary(screen_virtual_log(), title="Virtual screening log")
