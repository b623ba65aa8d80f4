"""Computable eligibility: the trial's criteria as rules over a screening record.

Each criterion is judged pass, fail or unknown with a reason that quotes value, unit and
threshold; the verdict is eligible, ineligible or incomplete. Pure: no I/O, no database.
"""

from metsor.eligibility.log import ScreeningLog, ScreeningSummary, parse_log, screen_log
from metsor.eligibility.record import ScreeningRecord, json_schema, parse_record
from metsor.eligibility.rules import RULES, EligibilitySettings, RuleResult, rules_for
from metsor.eligibility.screening import (
    RULES_VERSION,
    CriterionResult,
    EligibilityResult,
    rules_version,
    screen,
)

__all__ = [
    "RULES",
    "RULES_VERSION",
    "CriterionResult",
    "EligibilityResult",
    "EligibilitySettings",
    "RuleResult",
    "ScreeningLog",
    "ScreeningRecord",
    "ScreeningSummary",
    "json_schema",
    "parse_log",
    "parse_record",
    "rules_for",
    "rules_version",
    "screen",
    "screen_log",
]
