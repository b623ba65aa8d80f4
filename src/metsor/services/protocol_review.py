"""The protocol's review and its design's power, as the study report shows them.

:func:`review_with_power` runs :func:`metsor.protocol.review_protocol` with the power adapters of
:mod:`metsor.design.protocol_power` (the same the CLI's ``metsor protocol review`` uses) and adds
the log-rank power of the target enrollment under the design assumptions
(:func:`metsor.design.sample_size.logrank_power`, the protocol's allocation ratio), so that the
report reads the design through services and never computes a figure itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from metsor.design.protocol_power import (
    allocation_ratio,
    assumed_logrank,
    design_power,
    registered_power,
)
from metsor.protocol import Protocol, review_protocol
from metsor.protocol.review import Finding

__all__ = ["DesignPower", "ProtocolReview", "review_with_power"]


@dataclass(frozen=True)
class DesignPower:
    """The log-rank test's power for the target enrollment under the design assumptions."""

    n: int
    power: float
    hazard_ratio: float
    expected_events: float
    allocation_ratio: float


@dataclass(frozen=True)
class ProtocolReview:
    """The review's findings and the design's power (``None`` without design assumptions)."""

    findings: tuple[Finding, ...]
    power: DesignPower | None


def review_with_power(protocol: Protocol) -> ProtocolReview:
    """Review ``protocol`` and compute its design's power.

    Parameters
    ----------
    protocol
        The protocol in force.

    Returns
    -------
    ProtocolReview
    """
    findings = review_protocol(
        protocol,
        power_of=design_power(protocol),
        registered_power_of=registered_power(protocol),
    )
    a = protocol.assumptions
    power = None
    if a is not None:
        ratio = allocation_ratio(protocol)
        n = protocol.design.target_enrollment
        result = assumed_logrank(a, n, ratio)
        power = DesignPower(n, result.power, result.hr, result.expected_events, ratio)
    return ProtocolReview(findings=tuple(findings), power=power)
