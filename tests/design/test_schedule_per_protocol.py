"""One tumour-assessment schedule per protocol: for every built-in protocol (METSOR's 7-weekly
scans and SHARP's 6-weekly ones), the casebook's planned tumour assessments, the ADTTE
missed-assessment rule and the simulator's scan days all come from the protocol's
:class:`~metsor.protocol.model.EndpointRules`."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from metsor.design.simulate import Scenario, _plan, with_values
from metsor.endpoints.censoring import AssessmentSchedule
from metsor.protocol import builtin
from metsor.protocol.builtin import known_protocols
from metsor.protocol.schedule import visit_schedule

START = date(2016, 2, 3)
SCANS = 30


@pytest.mark.parametrize("nct_id", known_protocols())
def test_casebook_export_and_simulator_share_the_protocols_schedule(nct_id: str) -> None:
    protocol = builtin(nct_id)
    rules = protocol.endpoint_rules
    casebook = visit_schedule(protocol)
    assert (casebook.tumour_interval_days, casebook.tumour_window_days) == (
        rules.tumour_interval_days,
        rules.tumour_window_days,
    )
    missed = AssessmentSchedule.of(rules)
    assert (missed.interval_days, missed.window_days) == (
        rules.tumour_interval_days,
        rules.tumour_window_days,
    )
    assert missed.max_gap_days == 2 * rules.tumour_interval_days + rules.tumour_window_days
    base = Scenario(n=82, median_control=10.7, median_experimental=14.0, accrual_months=24.0)
    plan = _plan(with_values(base.with_endpoint_rules(rules), endpoint="ttp").validated())
    assert plan.scan_days == rules.tumour_interval_days
    simulated = [
        START + timedelta(days=math.floor(k * plan.scan_days + 0.5)) for k in range(1, SCANS)
    ]
    planned = [
        casebook.plan("tumour_assessment", k, randomized_on=START).planned for k in range(1, SCANS)
    ]
    assert simulated == planned


def test_the_built_in_protocols_differ_in_their_schedule() -> None:
    """The test above compares two different schedules, not one twice."""
    intervals = {builtin(n).endpoint_rules.tumour_interval_days for n in known_protocols()}
    assert intervals == {42, 49}
