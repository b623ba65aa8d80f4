"""The numbers the figures draw: the risk table and the time axis."""

from __future__ import annotations

import pytest

from metsor.report import BuiltReport
from metsor.report.km_plot import time_breaks


@pytest.mark.parametrize("param", [pytest.param(p, id=p) for p in ("OS", "TTP", "PFS")])
def test_the_risk_table_equals_the_numbers_at_risk_of_the_analysis(
    built: BuiltReport, param: str
) -> None:
    """At 6 and 12 months, as R's ``summary(survfit(...), times = c(6, 12))$n.risk``."""
    assert built.analysis is not None
    for arm in built.analysis.endpoints[param].arms.values():
        times = [row.time for row in arm.survival_at]
        drawn = [int(n) for n in arm.curve.at_risk(times)]  # what the risk table draws
        assert drawn == [row.at_risk for row in arm.survival_at]


@pytest.mark.parametrize(
    ("longest", "breaks"),
    [
        pytest.param(1.0, [0.0, 3.0], id="short"),
        pytest.param(13.7, [0.0, 3.0, 6.0, 9.0, 12.0, 15.0], id="every-3"),
        pytest.param(30.0, [0.0, 6.0, 12.0, 18.0, 24.0, 30.0], id="every-6"),
        pytest.param(61.0, [0.0, 12.0, 24.0, 36.0, 48.0, 60.0, 72.0], id="every-12"),
    ],
)
def test_the_time_axis_breaks_cover_the_follow_up(longest: float, breaks: list[float]) -> None:
    assert time_breaks(longest) == breaks
