"""The CONSORT 2010 flow of a trial at a data cut-off, counted from its database.

Boxes and what each counts:

1. Assessed for eligibility: subjects screened on or before the cut-off (their latest
   screening), and any randomized subject without one.
2. Excluded, with reasons: assessed but not randomized by the cut-off — not meeting the
   eligibility criteria (with the criteria failed), screening incomplete, declined to
   participate (eligible, no consent), consented but not randomized by the cut-off.
3. Allocated: randomized to each arm; received the allocated intervention: started a study
   drug by the cut-off; did not receive it: the others.
4. Discontinued the intervention: stopped every study drug started, by the reason of the
   last stop.
5. Follow-up at the cut-off: died; withdrew (consent withdrawn or withdrawn by the
   investigator or sponsor); lost to follow-up; still in follow-up — a death counts first.
6. Analysed: every randomized subject (intention to treat); excluded from analysis: none.

:meth:`ConsortFlow.problems` names every box that is not the sum of the boxes it splits into.

References
----------
Schulz KF, Altman DG, Moher D, for the CONSORT Group. CONSORT 2010 Statement: updated
guidelines for reporting parallel group randomised trials. BMJ 2010;340:c332.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import select

from metsor.services.access import visible
from metsor.services.context import ServiceContext
from metsor.store.models.core import Consent, Screening, Subject

__all__ = ["ConsortFlow", "count_consort_flow"]


@dataclass(frozen=True)
class ConsortFlow:
    """Counts of the CONSORT 2010 flow diagram, per arm where the diagram splits.

    Attributes
    ----------
    assessed
        Candidates screened (assessed for eligibility) on or before the cut-off.
    excluded
        Reason → candidates assessed but not randomized: not meeting the eligibility criteria,
        screening incomplete, declined to participate (no consent), consented but not
        randomized by the cut-off.
    failed_by_criterion
        Criterion id → ineligible candidates failing it (one may fail several).
    allocated
        Arm → subjects randomized to it.
    received, not_received
        Arm → subjects who started a study drug by the cut-off, and who did not.
    discontinued
        Arm → reason → subjects who stopped every study drug they started, by the reason of
        the last stop.
    died, withdrew, lost_to_follow_up, in_follow_up
        Arm → subjects by the end of their follow-up at the cut-off (a death counts first).
    analysed, excluded_from_analysis
        Arm → subjects in the intention-to-treat analysis (every randomized subject), and
        those left out of it (none).
    """

    assessed: int
    excluded: Mapping[str, int]
    failed_by_criterion: Mapping[str, int]
    allocated: Mapping[str, int]
    received: Mapping[str, int]
    not_received: Mapping[str, int]
    discontinued: Mapping[str, Mapping[str, int]]
    died: Mapping[str, int]
    withdrew: Mapping[str, int]
    lost_to_follow_up: Mapping[str, int]
    in_follow_up: Mapping[str, int]
    analysed: Mapping[str, int]
    excluded_from_analysis: Mapping[str, int]

    @property
    def randomized(self) -> int:
        """Subjects randomized in all arms."""
        return sum(self.allocated.values())

    @property
    def excluded_total(self) -> int:
        """Candidates assessed but not randomized."""
        return sum(self.excluded.values())

    def problems(self) -> list[str]:
        """Every box whose count is not the sum of the boxes it splits into (none expected)."""
        found = []
        if self.assessed != self.excluded_total + self.randomized:
            found.append(
                f"assessed {self.assessed} != excluded {self.excluded_total} + randomized "
                f"{self.randomized}"
            )
        for arm, n in self.allocated.items():
            parts = {
                "received + not received": self.received[arm] + self.not_received[arm],
                "died + withdrew + lost + in follow-up": self.died[arm]
                + self.withdrew[arm]
                + self.lost_to_follow_up[arm]
                + self.in_follow_up[arm],
                "analysed + excluded from analysis": self.analysed[arm]
                + self.excluded_from_analysis[arm],
            }
            found.extend(
                f"arm {arm}: allocated {n} != {name} {total}"
                for name, total in parts.items()
                if total != n
            )
            stopped = sum(self.discontinued[arm].values())
            if stopped > self.received[arm]:
                found.append(f"arm {arm}: discontinued {stopped} > received {self.received[arm]}")
        return found


def count_consort_flow(
    ctx: ServiceContext,
    arms: Sequence[str],
    adsl: Sequence[Mapping[str, Any]],
    started: Set[str],
    stops: Mapping[str, tuple[str, str]],
    cutoff: date | None,
) -> ConsortFlow:
    """Count the CONSORT flow of the subjects the acting user may see.

    Parameters
    ----------
    ctx
        The service context.
    arms
        Arm codes, experimental first.
    adsl
        ADSL rows of the randomized subjects at the cut-off (death, withdrawal, loss).
    started
        Subjects who started a study drug by the cut-off.
    stops
        Subject → ``(arm, reason)`` for those who stopped every study drug they started.
    cutoff
        Data cut-off: screenings and consents after it are not counted.

    Returns
    -------
    ConsortFlow
    """
    screenings: dict[str, Screening] = {}
    for screening in ctx.session.scalars(
        visible(
            ctx, select(Screening).join(Subject, Subject.subject_id == Screening.subject_id)
        ).order_by(Screening.screened_on, Screening.id)
    ):
        if cutoff is None or screening.screened_on <= cutoff:
            screenings[screening.subject_id] = screening
    consented = {
        subject_id
        for subject_id, day in ctx.session.execute(select(Consent.subject_id, Consent.consent_date))
        if cutoff is None or day <= cutoff
    }
    randomized = {str(row["SUBJID"]) for row in adsl}
    verdicts = Counter(
        "randomized" if s in randomized else _exclusion(v.verdict, s in consented)
        for s, v in screenings.items()
    )
    failed = Counter(
        criterion["id"]
        for s, v in screenings.items()
        if s not in randomized and v.verdict == "ineligible"
        for criterion in v.result.get("criteria", ())
        if criterion.get("status") == "fail"
    )

    def per_arm(test: Any) -> dict[str, int]:
        return {arm: sum(1 for r in adsl if r["ARMCD"] == arm and test(r)) for arm in arms}

    allocated = per_arm(lambda r: True)
    received = per_arm(lambda r: r["SUBJID"] in started)
    died = per_arm(lambda r: r["DTHFL"] == "Y")
    withdrew = per_arm(lambda r: r["DTHFL"] != "Y" and bool(r["WDDT"]))
    lost = per_arm(lambda r: r["DTHFL"] != "Y" and not r["WDDT"] and bool(r["LTFUDT"]))
    return ConsortFlow(
        assessed=len(screenings) + len(randomized - set(screenings)),
        excluded=MappingProxyType(
            {reason: n for reason, n in sorted(verdicts.items()) if reason != "randomized"}
        ),
        failed_by_criterion=MappingProxyType(
            dict(sorted(failed.items(), key=lambda item: (-item[1], item[0])))
        ),
        allocated=MappingProxyType(allocated),
        received=MappingProxyType(received),
        not_received=MappingProxyType({a: allocated[a] - received[a] for a in arms}),
        discontinued=MappingProxyType(
            {
                arm: MappingProxyType(
                    dict(Counter(why for s, (a, why) in sorted(stops.items()) if a == arm))
                )
                for arm in arms
            }
        ),
        died=MappingProxyType(died),
        withdrew=MappingProxyType(withdrew),
        lost_to_follow_up=MappingProxyType(lost),
        in_follow_up=MappingProxyType(
            {a: allocated[a] - died[a] - withdrew[a] - lost[a] for a in arms}
        ),
        analysed=MappingProxyType(allocated),
        excluded_from_analysis=MappingProxyType(dict.fromkeys(arms, 0)),
    )


def _exclusion(verdict: str, consented: bool) -> str:
    if verdict == "ineligible":
        return "not meeting eligibility criteria"
    if verdict != "eligible":
        return "screening incomplete"
    if not consented:
        return "declined to participate (no consent)"
    return "consented, not randomized by the cut-off"
