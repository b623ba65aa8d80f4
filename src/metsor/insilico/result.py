"""What a virtual trial produced: CONSORT flow, balance, endpoints, response, audit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from metsor.insilico.analysis import EndpointComparison, ResponseComparison
from metsor.insilico.plan import CoursePlan

__all__ = ["ConsortFlow", "VirtualTrialResult", "consort_flow"]


@dataclass(frozen=True)
class ConsortFlow:
    """Counts of the CONSORT diagram.

    Attributes
    ----------
    screened, screen_failed, eligible, consented
        Candidates registered and screened; found ineligible; eligible; who consented.
    failed_by_criterion
        Screen failures per failed criterion (a candidate may fail several).
    randomized
        Subjects per arm.
    died, withdrew_consent, lost_to_follow_up, in_follow_up
        Per arm, by the data cut-off: deaths, consent withdrawn, lost, still followed.
    discontinued_for_progression
        Per arm: study drugs stopped at radiological progression.
    analysed
        Per arm: the intention-to-treat population (every randomized subject).
    """

    screened: int
    screen_failed: int
    eligible: int
    consented: int
    failed_by_criterion: dict[str, int]
    randomized: dict[str, int]
    died: dict[str, int]
    withdrew_consent: dict[str, int]
    lost_to_follow_up: dict[str, int]
    in_follow_up: dict[str, int]
    discontinued_for_progression: dict[str, int]
    analysed: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def consort_flow(
    verdicts: Sequence[tuple[str, tuple[str, ...]]],
    consented: int,
    adsl: Sequence[dict[str, str]],
    plans: Sequence[CoursePlan],
    arms: Sequence[str],
) -> ConsortFlow:
    """Count the CONSORT flow.

    Parameters
    ----------
    verdicts
        ``(verdict, failed criteria)`` of every registration, as the services returned them.
    consented
        Consents recorded.
    adsl
        Rows of the exported ADSL (arm, death, withdrawal and loss of each subject).
    plans
        The subjects' courses, for treatment discontinued at progression.
    arms
        The protocol's arm codes.

    Returns
    -------
    ConsortFlow
    """
    failed = Counter(
        c for verdict, criteria in verdicts if verdict == "ineligible" for c in criteria
    )

    def per_arm(test: Any) -> dict[str, int]:
        return {arm: sum(1 for row in adsl if row["ARMCD"] == arm and test(row)) for arm in arms}

    randomized = per_arm(lambda row: True)
    died = per_arm(lambda row: row["DTHFL"] == "Y")
    withdrew = per_arm(lambda row: row["DTHFL"] != "Y" and bool(row["WDDT"]))
    lost = per_arm(lambda row: row["DTHFL"] != "Y" and bool(row["LTFUDT"]))
    progressed = Counter(
        plan.arm
        for plan in plans
        if any(e.kind == "dose" and e.fields["event"] == "discontinue"
               and e.fields["reason"] == "radiological progression" for e in plan.entries)
    )  # fmt: skip
    return ConsortFlow(
        screened=len(verdicts),
        screen_failed=sum(1 for verdict, _ in verdicts if verdict == "ineligible"),
        eligible=sum(1 for verdict, _ in verdicts if verdict == "eligible"),
        consented=consented,
        failed_by_criterion=dict(sorted(failed.items(), key=lambda item: (-item[1], item[0]))),
        randomized=randomized,
        died=died,
        withdrew_consent=withdrew,
        lost_to_follow_up=lost,
        in_follow_up={arm: randomized[arm] - died[arm] - withdrew[arm] - lost[arm] for arm in arms},
        discontinued_for_progression={arm: progressed.get(arm, 0) for arm in arms},
        analysed=randomized,
    )


@dataclass(frozen=True)
class VirtualTrialResult:
    """The outcome of :func:`metsor.insilico.trial.run_virtual_trial`.

    Attributes
    ----------
    seed
        The seed everything was drawn from.
    scenario
        The truth the outcomes were drawn under (:meth:`VirtualScenario.to_dict`).
    start, accrual_end, cutoff
        The trial's calendar: first screening day, end of accrual, data cut-off.
    consort
        The CONSORT flow.
    balance
        The randomization report of the services (arms by stratum and site).
    endpoints
        OS, TTP and PFS compared between arms (full follow-up and censored at 12 months).
    responses
        Objective response rates by mRECIST and RECIST 1.1.
    audit
        The audit trail's verification: ``intact``, ``audit_rows``, ``records``,
        ``first_problem``.
    entries
        Casebook entries recorded through the services.
    sign_off
        The close-out at the cut-off: ``casebooks_signed`` (by the investigator) and
        ``study_locked`` (by the data manager).
    datasets
        Dataset name → file written (empty when they were written to a temporary folder).
    plans
        Every randomized subject's planned course (not part of :meth:`to_dict`).
    protocol
        The trial: ``nct_id``, ``acronym``, ``arms`` (codes, experimental first) and
        ``arm_labels`` (code → short label).
    """

    seed: int
    scenario: dict[str, Any]
    start: date
    accrual_end: date
    cutoff: date
    consort: ConsortFlow
    balance: dict[str, Any]
    endpoints: tuple[EndpointComparison, ...]
    responses: tuple[ResponseComparison, ...]
    audit: dict[str, Any]
    entries: int
    sign_off: dict[str, Any] = field(default_factory=dict)
    datasets: dict[str, str] = field(default_factory=dict)
    plans: tuple[CoursePlan, ...] = field(default=(), repr=False, compare=False)
    protocol: dict[str, Any] = field(default_factory=dict)

    @property
    def arms(self) -> tuple[str, ...]:
        """The arm codes, experimental first."""
        return tuple(self.protocol.get("arms", ()))

    def arm_label(self, code: str) -> str:
        """The short label of an arm."""
        return str(self.protocol.get("arm_labels", {}).get(code, code))

    def endpoint(self, param: str) -> EndpointComparison:
        """The comparison of one ADTTE parameter (``OS``, ``TTP12`` …)."""
        for item in self.endpoints:
            if item.param == param:
                return item
        raise KeyError(param)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping of everything but the plans."""
        return {
            "seed": self.seed,
            "protocol": self.protocol,
            "scenario": self.scenario,
            "calendar": {
                "start": self.start.isoformat(),
                "accrual_end": self.accrual_end.isoformat(),
                "cutoff": self.cutoff.isoformat(),
            },
            "consort": self.consort.to_dict(),
            "balance": self.balance,
            "endpoints": [item.to_dict() for item in self.endpoints],
            "responses": [item.to_dict() for item in self.responses],
            "audit": self.audit,
            "casebook_entries": self.entries,
            "sign_off": self.sign_off,
            "datasets": self.datasets,
        }
