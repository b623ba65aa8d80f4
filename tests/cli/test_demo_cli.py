"""``metsor demo``: the virtual screening log screened and summarised."""

from __future__ import annotations

from typer.testing import CliRunner

from metsor.cli.demo import screen_virtual_log
from metsor.cli.main import app

runner = CliRunner()


def test_demo_prints_the_screening_summary() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    summary = screen_virtual_log().summary()
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert "Virtual screening log: 120 candidates screened, 0 rows unreadable" in lines
    for verdict, count in summary.by_verdict.items():
        share = f"{count / summary.screened:6.1%}"
        assert f"  {verdict:<12} {count:>5} {share}" in lines
    assert "By failed criterion (a candidate may fail several):" in lines
    for criterion, count in summary.by_failed_criterion.items():
        assert f"  {criterion:<30} {count:>5}" in lines
    assert "Rows not screened:" not in result.output


def test_demo_is_listed_in_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "demo" in result.output
    assert "screen" in result.output
