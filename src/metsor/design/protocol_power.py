"""The power of a protocol's design, as :func:`metsor.protocol.review_protocol` asks for it.

``design_power(protocol)`` is the ``power_of`` of the review: the log-rank test's power and
expected events for the design assumptions (:func:`metsor.design.sample_size.logrank_power`);
``registered_power(protocol)`` is its ``registered_power_of``: the same counting only the deaths
within the registered time frame of each randomization
(:func:`metsor.design.registered_analysis.power_within`). Both use the protocol's allocation
ratio (experimental : control). The CLI's review and the study report take them from here.
"""

from __future__ import annotations

from metsor.design.registered_analysis import power_within
from metsor.design.sample_size import PowerResult, logrank_power
from metsor.protocol import Protocol
from metsor.protocol.model import Assumptions
from metsor.protocol.review import PowerOf, RegisteredPowerOf

__all__ = ["allocation_ratio", "assumed_logrank", "design_power", "registered_power"]


def allocation_ratio(protocol: Protocol) -> float:
    """The protocol's allocation ratio, experimental over control (1 when it states none)."""
    experimental, control = protocol.design.allocation_ratio or (1, 1)
    return experimental / control


def assumed_logrank(a: Assumptions, n: int, ratio: float) -> PowerResult:
    """The log-rank test's power for ``n`` patients under the design assumptions ``a``."""
    return logrank_power(
        n=n,
        median_control=a.median_os_control_months,
        median_experimental=a.median_os_experimental_months,
        alpha=a.alpha,
        sides=a.sides,
        accrual_months=a.accrual_months,
        follow_up_months=a.follow_up_months,
        dropout_per_year=a.dropout_per_year,
        allocation_ratio=ratio,
    )


def design_power(protocol: Protocol) -> PowerOf:
    """``power_of(assumptions, n) -> (power, expected_events)`` for ``protocol``'s review."""
    ratio = allocation_ratio(protocol)

    def power_of(a: Assumptions, n: int) -> tuple[float, float]:
        result = assumed_logrank(a, n, ratio)
        return result.power, result.expected_events

    return power_of


def registered_power(protocol: Protocol) -> RegisteredPowerOf:
    """``registered_power_of(assumptions, n, horizon_months) -> (power, expected_events)``."""
    ratio = allocation_ratio(protocol)

    def registered_power_of(a: Assumptions, n: int, horizon_months: float) -> tuple[float, float]:
        result = power_within(
            n=n,
            median_control=a.median_os_control_months,
            median_experimental=a.median_os_experimental_months,
            alpha=a.alpha,
            sides=a.sides,
            accrual_months=a.accrual_months,
            follow_up_months=a.follow_up_months,
            horizon_months=horizon_months,
            dropout_per_year=a.dropout_per_year,
            allocation_ratio=ratio,
        )
        return result.power, result.expected_events

    return registered_power_of
