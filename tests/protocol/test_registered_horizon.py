"""The registered time frame of a protocol's primary outcome, in months, when the record gives
one: the horizon the report and the demo call the registered analysis."""

from __future__ import annotations

from metsor.protocol import builtin


def test_metsor_registers_its_primary_outcome_at_12_months() -> None:
    """NCT02672488: overall survival, "12 months or time to death"."""
    assert builtin("NCT02672488").registered_horizon_months == 12


def test_sharp_gives_its_primary_outcomes_no_time_frame_in_months() -> None:
    """NCT00105443: overall survival and time to symptomatic progression, from randomization."""
    protocol = builtin("NCT00105443")
    assert [o.time_frame_months for o in protocol.outcomes if o.type == "primary"] == [None, None]
    assert protocol.registered_horizon_months is None
