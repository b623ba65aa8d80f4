"""Protocol review: what in a protocol is wrong, contradictory, or too small to answer its
question, each finding with its source.

The review reads only the protocol. The power of the registered size needs a survival
sample-size calculation, which lives in :mod:`metsor.design`; the caller passes it in as
``power_of`` (and, for the analysis as registered, ``registered_power_of``) so that this
package stays free of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from statistics import NormalDist

from metsor.protocol.finding import SEVERITY_ORDER, Finding
from metsor.protocol.model import Assumptions, Protocol
from metsor.protocol.review_criteria import (
    age_findings,
    child_pugh_findings,
    ecog_findings,
    language_findings,
    stage_as_diagnosis_findings,
)
from metsor.protocol.review_dosing import dose_findings, food_findings, label_caution_findings
from metsor.protocol.review_interpretations import open_interpretation_findings
from metsor.protocol.review_strata import unreachable_stratum_findings

__all__ = [
    "TARGET_POWER",
    "Finding",
    "PowerOf",
    "RegisteredPowerOf",
    "detectable_hazard_ratio",
    "review_protocol",
]

#: The power a confirmatory design usually aims at.
TARGET_POWER = 0.8

#: ``power_of(assumptions, n) -> (power, expected_events)`` for a two-arm log-rank test.
PowerOf = Callable[[Assumptions, int], tuple[float, float]]

#: ``registered_power_of(assumptions, n, horizon_months) -> (power, expected_events)``: the
#: same test counting only the events within ``horizon_months`` of each randomization.
RegisteredPowerOf = Callable[[Assumptions, int, float], tuple[float, float]]

_SCHOENFELD = "Schoenfeld DA, Biometrika 1981;68:316-319"

_CHECKS: tuple[Callable[[Protocol], Iterator[Finding]], ...] = (
    dose_findings,
    food_findings,
    label_caution_findings,
    child_pugh_findings,
    age_findings,
    stage_as_diagnosis_findings,
    ecog_findings,
    language_findings,
    open_interpretation_findings,
    unreachable_stratum_findings,
)


def review_protocol(
    protocol: Protocol,
    power_of: PowerOf | None = None,
    registered_power_of: RegisteredPowerOf | None = None,
) -> list[Finding]:
    """Review a protocol.

    Parameters
    ----------
    protocol
        The protocol, as registered or as corrected.
    power_of
        Computes the log-rank power and expected number of events of ``n`` patients under the
        protocol's assumptions; with it, the review adds a ``power`` finding.
    registered_power_of
        The same, counting only events within a time frame of randomization; with it and
        ``power_of``, the review adds a ``registered_power`` finding: the power of the analysis
        as the primary outcome's time frame registers it, beside that of the full follow-up
        that the design assumes.

    Returns
    -------
    list of Finding
        Errors first, then warnings, then notes; in check order within each.

    References
    ----------
    .. [1] Schoenfeld DA. The asymptotic properties of nonparametric tests for comparing
       survival distributions. Biometrika 1981;68:316-319.
    """
    findings = [f for check in _CHECKS for f in check(protocol)]
    if power_of is not None:
        findings.append(_power_finding(protocol, power_of))
        if registered_power_of is not None:
            findings.extend(_registered_power_findings(protocol, power_of, registered_power_of))
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def detectable_hazard_ratio(
    events: float, *, alpha: float, sides: int, power: float, allocation: float = 0.5
) -> float:
    """The hazard ratio (below 1) that a log-rank test detects with given events and power.

    Parameters
    ----------
    events
        Expected number of events.
    alpha
        Type I error, split over ``sides``.
    sides
        1 or 2.
    power
        Wanted power.
    allocation
        Share of patients in the experimental arm.

    Returns
    -------
    float
        ``exp(-(z_{1-alpha/sides} + z_power) / sqrt(events · p · (1 - p)))``.

    References
    ----------
    .. [1] Schoenfeld DA. Biometrika 1981;68:316-319.
    """
    z = NormalDist().inv_cdf
    information = events * allocation * (1 - allocation)
    return math.exp(-(z(1 - alpha / sides) + z(power)) / math.sqrt(information))


def _power_finding(protocol: Protocol, power_of: PowerOf) -> Finding:
    field = "design.target_enrollment"
    assumptions = protocol.assumptions
    if assumptions is None:
        return Finding(
            code="power",
            severity="info",
            field=field,
            message="no design assumptions (medians, alpha, accrual, follow-up): power not known",
            source="protocol assumptions",
        )
    n = protocol.design.target_enrollment
    power, events = power_of(assumptions, n)
    experimental, control = protocol.design.allocation_ratio or (1, 1)
    hr_80 = detectable_hazard_ratio(
        events,
        alpha=assumptions.alpha,
        sides=assumptions.sides,
        power=TARGET_POWER,
        allocation=experimental / (experimental + control),
    )
    a = assumptions
    message = (
        f"N {n} gives power {power:.4f} ({a.sides}-sided alpha {a.alpha:g}) to detect median "
        f"OS {a.median_os_control_months:g} vs {a.median_os_experimental_months:g} months "
        f"(HR {a.hazard_ratio:.3f}), with {events:.1f} expected deaths at month "
        f"{a.analysis_month:g}; with that many deaths, {TARGET_POWER:.0%} power needs "
        f"HR {hr_80:.2f} or below"
    )
    sources = "; ".join(f"{k}: {v}" for k, v in a.sources.items() if k.startswith("median"))
    return Finding(
        code="power",
        severity="warning" if power < TARGET_POWER else "info",
        field=field,
        message=message,
        source=f"{_SCHOENFELD}; {sources}",
    )


def _registered_power_findings(
    protocol: Protocol, power_of: PowerOf, registered_power_of: RegisteredPowerOf
) -> Iterator[Finding]:
    """The power of the primary outcome's analysis as registered, beside the design's."""
    a = protocol.assumptions
    framed = [o for o in protocol.outcomes if o.type == "primary" and o.time_frame_months]
    if a is None or not framed:
        return
    outcome = framed[0]
    horizon = float(outcome.time_frame_months or 0.0)
    n = protocol.design.target_enrollment
    power, events = power_of(a, n)
    registered, registered_events = registered_power_of(a, n, horizon)
    truncated = horizon < a.analysis_month
    message = (
        f"the primary outcome '{outcome.measure}' is registered with a time frame of "
        f"'{outcome.time_frame}': counting deaths within {horizon:g} months of randomization, "
        f"N {n} gives {registered_events:.1f} expected deaths and power {registered:.4f}; "
        f"counting every death to the analysis at month {a.analysis_month:g} (full follow-up) "
        f"gives {events:.1f} and power {power:.4f}. The design assumes the full-follow-up "
        "analysis"
    )
    message += (
        ", which is not the analysis registered"
        if truncated
        else "; the time frame covers it, so the two are one"
    )
    yield Finding(
        code="registered_power",
        severity="warning" if truncated else "info",
        field=f"outcomes[{outcome.measure}].time_frame",
        message=message,
        source=f"{_SCHOENFELD}; registry outcome time frame; protocol assumptions",
    )
