"""The report's view of the protocol review and the design's power (services.protocol_review)."""

from __future__ import annotations

import pytest

from metsor.design.protocol_power import design_power
from metsor.protocol import builtin, review_protocol
from metsor.services.protocol_review import review_with_power

RTOL = 1e-12


@pytest.mark.parametrize("ratio", [None, (2, 1)])
def test_the_power_is_the_reviews_for_the_target_enrollment(ratio: tuple[int, int] | None) -> None:
    protocol = builtin("NCT02672488")
    if ratio is not None:
        design = protocol.design.model_copy(update={"allocation_ratio": ratio})
        protocol = protocol.model_copy(update={"design": design})
    review = review_with_power(protocol)
    assumptions = protocol.assumptions
    assert assumptions is not None
    assert review.power is not None
    n = protocol.design.target_enrollment
    power, events = design_power(protocol)(assumptions, n)
    assert review.power.n == n
    assert review.power.power == pytest.approx(power, rel=RTOL)
    assert review.power.expected_events == pytest.approx(events, rel=RTOL)
    expected_hr = assumptions.median_os_control_months / assumptions.median_os_experimental_months
    assert review.power.hazard_ratio == pytest.approx(expected_hr, rel=RTOL)


def test_the_findings_are_those_of_the_review_with_power() -> None:
    protocol = builtin("NCT02672488")
    codes = [f.code for f in review_with_power(protocol).findings]
    assert codes
    assert len(codes) >= len(review_protocol(protocol))


def test_a_protocol_without_assumptions_has_no_power() -> None:
    protocol = builtin("NCT02672488").model_copy(update={"assumptions": None})
    assert review_with_power(protocol).power is None
