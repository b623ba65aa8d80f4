"""Screening: a record checked against every criterion of a protocol, with a verdict.

The verdict is ``ineligible`` when any criterion fails, ``incomplete`` when none fails but
some are unknown (a missing value, or a criterion the protocol leaves to a manual check), and
``eligible`` when every criterion passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from metsor.eligibility.cutoffs import attested, cutoff_rule
from metsor.eligibility.derived import derived_scores
from metsor.eligibility.parameters import parameterized_rule
from metsor.eligibility.record import ScreeningRecord, parse_record
from metsor.eligibility.rules import EligibilitySettings, rules_for
from metsor.eligibility.thresholds import Status
from metsor.errors import InputError

if TYPE_CHECKING:
    from metsor.protocol.model import Protocol

__all__ = [
    "RULES_VERSION",
    "CriterionResult",
    "EligibilityResult",
    "Verdict",
    "rules_version",
    "screen",
]

RULES_VERSION = "1.1"
"""Version of the eligibility rules; recorded with every screening. Raise it whenever a rule,
a threshold or a default setting changes what a record is screened to (1.1: BCLC-C required
and first line, no prior systemic therapy, by default)."""

Verdict = Literal["eligible", "ineligible", "incomplete"]
DEFAULT_NCT_ID = "NCT02672488"


def rules_version(settings: EligibilitySettings | None = None) -> str:
    """The rules version with any non-default settings: ``1.0`` or ``1.0+age=structured``.

    Parameters
    ----------
    settings
        The settings of a screening; None for the defaults.

    Returns
    -------
    str
        :data:`RULES_VERSION`, followed by ``+`` and the settings tag when they differ.
    """
    tag = (settings or EligibilitySettings()).tag()
    return f"{RULES_VERSION}+{tag}" if tag else RULES_VERSION


@dataclass(frozen=True)
class CriterionResult:
    """One criterion of the protocol, judged for one record.

    Attributes
    ----------
    id, kind, text
        The criterion as the protocol states it.
    status
        "pass", "fail" or "unknown".
    reason
        Why, quoting value, unit and threshold; "manual check" when no rule applies.
    """

    id: str
    kind: Literal["inclusion", "exclusion"]
    text: str
    status: Status
    reason: str

    def to_dict(self) -> dict[str, str]:
        """The criterion result as plain JSON-ready data."""
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class EligibilityResult:
    """The outcome of screening one record against a protocol.

    Attributes
    ----------
    verdict
        "eligible", "ineligible" or "incomplete".
    criteria
        One result per criterion, in protocol order.
    derived
        Child-Pugh, ALBI and BCLC stage derived from the record (None where inputs are missing).
    rules_version
        :func:`rules_version` of the rules and settings used.
    """

    verdict: Verdict
    criteria: tuple[CriterionResult, ...]
    derived: Mapping[str, Any]
    rules_version: str = field(default=RULES_VERSION)

    @property
    def failed(self) -> tuple[str, ...]:
        """Ids of the criteria that failed."""
        return tuple(c.id for c in self.criteria if c.status == "fail")

    @property
    def unknown(self) -> tuple[str, ...]:
        """Ids of the criteria left unknown."""
        return tuple(c.id for c in self.criteria if c.status == "unknown")

    def to_dict(self) -> dict[str, Any]:
        """``{"verdict", "criteria": [{"id", "kind", "text", "status", "reason"}], "derived"}``."""
        return {
            "verdict": self.verdict,
            "criteria": [c.to_dict() for c in self.criteria],
            "derived": {
                key: None if value is None else dict(value) for key, value in self.derived.items()
            },
        }


def _builtin_protocol() -> Protocol:
    from metsor.protocol import builtin

    return builtin(DEFAULT_NCT_ID)


def _verdict(statuses: list[Status]) -> Verdict:
    if "fail" in statuses:
        return "ineligible"
    return "incomplete" if "unknown" in statuses else "eligible"


def screen(
    record: ScreeningRecord | Mapping[str, Any],
    protocol: Protocol | None = None,
    *,
    settings: EligibilitySettings | None = None,
) -> EligibilityResult:
    """Screen a record against the criteria of a protocol.

    Parameters
    ----------
    record
        A screening record, or a mapping that :func:`~metsor.eligibility.record.parse_record`
        validates.
    protocol
        The protocol whose criteria apply; the built-in NCT02672488 when None.
    settings
        Choices the registry leaves open (:class:`EligibilitySettings`); the defaults if None.

    Returns
    -------
    EligibilityResult
        Verdict, per-criterion results in protocol order, and derived scores.

    Raises
    ------
    InputError
        If the record is invalid (naming the field), or a criterion names a rule that does not
        exist (naming the criterion).
    """
    checked = record if isinstance(record, ScreeningRecord) else parse_record(record)
    chosen = settings or EligibilitySettings()
    rules = rules_for(chosen)
    criteria = (protocol or _builtin_protocol()).criteria
    results: list[CriterionResult] = []
    for criterion in criteria:
        with_cutoff = cutoff_rule(criterion)
        with_parameters = parameterized_rule(criterion, chosen)
        if criterion.rule is None:
            item = attested(criterion, checked)
            status: Status = item.status
            reason = item.reason
        elif with_cutoff is not None:
            outcome = with_cutoff(checked)
            status, reason = outcome.status, outcome.reason
        elif with_parameters is not None:
            outcome = with_parameters(checked)
            status, reason = outcome.status, outcome.reason
        else:
            rule = rules.get(criterion.rule)
            if rule is None:
                raise InputError(
                    f"criterion '{criterion.id}' names no known rule: {criterion.rule!r}",
                    field=f"criteria.{criterion.id}.rule",
                )
            outcome = rule(checked)
            status, reason = outcome.status, outcome.reason
        results.append(
            CriterionResult(criterion.id, criterion.kind, criterion.text, status, reason)
        )
    return EligibilityResult(
        verdict=_verdict([r.status for r in results]),
        criteria=tuple(results),
        derived=derived_scores(checked, chosen.albumin_cutoff_g_dl),
        rules_version=rules_version(chosen),
    )
