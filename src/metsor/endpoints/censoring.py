"""Censoring reasons and the assessment schedule the PFS conventions refer to.

The reasons are stable texts: they are stored in analysis datasets (``EVNTDESC`` of censored
rows) and counted in the report's censoring table.

References
----------
U.S. Food and Drug Administration. Clinical Trial Endpoints for the Approval of Cancer Drugs
and Biologics: Guidance for Industry. December 2018. Appendix, table of PFS censoring
conventions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from metsor.errors import InputError
from metsor.protocol.builtin import builtin
from metsor.protocol.model import EndpointRules

__all__ = [
    "ALIVE_AT_LAST_CONTACT",
    "CENSOR_REASONS",
    "DATA_CUTOFF",
    "DAYS_PER_MONTH",
    "DEATH_WITHOUT_PROGRESSION",
    "LOST_TO_FOLLOW_UP",
    "MISSED_ASSESSMENTS",
    "NEW_ANTICANCER_THERAPY",
    "NO_ADEQUATE_ASSESSMENT",
    "PROGRESSION_FREE_AT_LAST_ASSESSMENT",
    "PROTOCOL_RULES",
    "WITHDRAWAL",
    "AssessmentSchedule",
    "administrative_reason",
    "horizon_days",
]

PROTOCOL_RULES: EndpointRules = builtin().endpoint_rules
"""The endpoint rules of NCT02672488 (:class:`metsor.protocol.model.EndpointRules`): the one
definition of the tumour-assessment schedule and of the censoring and response options."""

DAYS_PER_MONTH = 30.4375
"""Days in a month (365.25 / 12): months = days / 30.4375."""

ALIVE_AT_LAST_CONTACT = "alive at last contact"
DATA_CUTOFF = "data cut-off"
DEATH_WITHOUT_PROGRESSION = "death without progression"
NO_ADEQUATE_ASSESSMENT = "no adequate post-baseline assessment"
NEW_ANTICANCER_THERAPY = "new anticancer therapy before progression"
MISSED_ASSESSMENTS = "two or more missed assessments before event"
WITHDRAWAL = "withdrawal"
LOST_TO_FOLLOW_UP = "lost to follow-up"
PROGRESSION_FREE_AT_LAST_ASSESSMENT = "progression-free at last adequate assessment"

CENSOR_REASONS: tuple[str, ...] = (
    ALIVE_AT_LAST_CONTACT,
    DATA_CUTOFF,
    DEATH_WITHOUT_PROGRESSION,
    NO_ADEQUATE_ASSESSMENT,
    NEW_ANTICANCER_THERAPY,
    MISSED_ASSESSMENTS,
    WITHDRAWAL,
    LOST_TO_FOLLOW_UP,
    PROGRESSION_FREE_AT_LAST_ASSESSMENT,
)
"""Every fixed censoring reason; the administrative one depends on the horizon."""


def administrative_reason(horizon_months: float) -> str:
    """Return the reason for administrative censoring, e.g. ``"administrative (12 months)"``."""
    return f"administrative ({horizon_months:g} months)"


@dataclass(frozen=True)
class AssessmentSchedule:
    """The tumour assessment schedule, for the missed-assessment rule.

    An event counts only if it comes at most ``missed_limit * interval_days + window_days``
    days after the last adequate assessment (or randomization, when there was none); later, at
    least ``missed_limit`` scheduled assessments were missed and the event is censored at that
    last adequate assessment (FDA 2018: "death or progression after more than one missed visit").

    The defaults are the protocol's (:data:`PROTOCOL_RULES`), the same schedule as the
    casebook's tumour assessments.

    Attributes
    ----------
    interval_days
        Days between scheduled assessments (default the protocol's, 49: every 7 weeks).
    window_days
        Allowed lateness of a scheduled assessment (default the protocol's, 7).
    missed_limit
        Number of missed assessments that makes a following event censored (default 2).
    """

    interval_days: int = PROTOCOL_RULES.tumour_interval_days
    window_days: int = PROTOCOL_RULES.tumour_window_days
    missed_limit: int = PROTOCOL_RULES.missed_assessment_limit

    @classmethod
    def of(cls, rules: EndpointRules) -> AssessmentSchedule:
        """The schedule of a protocol's endpoint rules.

        Parameters
        ----------
        rules
            The protocol's :class:`~metsor.protocol.model.EndpointRules`.

        Returns
        -------
        AssessmentSchedule
            Its interval, window and missed-assessment limit.
        """
        return cls(
            interval_days=rules.tumour_interval_days,
            window_days=rules.tumour_window_days,
            missed_limit=rules.missed_assessment_limit,
        )

    def __post_init__(self) -> None:
        for name, minimum in (("interval_days", 1), ("window_days", 0), ("missed_limit", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise InputError(
                    f"{name} must be an integer ≥ {minimum}, got {value!r}", field=name
                )

    @property
    def max_gap_days(self) -> int:
        """Longest gap from the last adequate assessment to an event that still counts."""
        return self.missed_limit * self.interval_days + self.window_days


def horizon_days(horizon_months: float) -> int:
    """Return whole days in a horizon given in months (12 months: 365 days)."""
    if (
        isinstance(horizon_months, bool)
        or not isinstance(horizon_months, int | float)
        or not math.isfinite(horizon_months)
        or horizon_months <= 0
    ):
        raise InputError(
            f"horizon_months must be a positive number, got {horizon_months!r}",
            field="horizon_months",
        )
    return math.floor(horizon_months * DAYS_PER_MONTH + 1e-9)
