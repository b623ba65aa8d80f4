"""A protocol's virtual trial at scale, without the database: does it reproduce its publication?

The virtual trial of :func:`metsor.insilico.trial.run_virtual_trial` enters every subject's
course through the services, which bounds its size; the same courses, planned by the same code
from the same draws (eligible candidates of the scenario's population screened against the
protocol, potential outcomes under the protocol's scenario, :func:`metsor.insilico.course.
plan_course` with the protocol's drugs and schedule), are read here straight into the endpoints
(:meth:`CoursePlan.subject_course`, :func:`metsor.endpoints.adtte` with the protocol's endpoint
rules) and analysed as the demo analyses its datasets
(:func:`metsor.insilico.analysis.compare_endpoints`: Kaplan–Meier medians, log-rank and Cox
stratified by the randomization strata). Subjects are randomized 1:1 by a random permutation
and accrue uniformly over the protocol's accrual; the data cut-off comes after its follow-up.

References
----------
Llovet JM, Ricci S, Mazzaferro V, et al. Sorafenib in advanced hepatocellular carcinoma. N Engl J
Med 2008;359:378–390 (SHARP: median OS 10.7 vs 7.9 months, HR 0.69, 95% CI 0.55–0.87; median
TTP 5.5 vs 2.8 months, HR 0.58, 95% CI 0.45–0.74).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from metsor import endpoints
from metsor.errors import InputError
from metsor.insilico.analysis import EndpointComparison, compare_endpoints
from metsor.insilico.baseline import plan_baseline
from metsor.insilico.course import MISSED_ASSESSMENT_SHARE, plan_course
from metsor.insilico.population import population_of
from metsor.insilico.presets import inactive_drug_profile, toxicity_profile
from metsor.insilico.recruitment import (
    as_screened,
    eligible_candidates,
    months_after,
    outcome_of,
)
from metsor.insilico.scenario import VirtualScenario, scenario_for
from metsor.protocol import Protocol

__all__ = ["MAX_SUBJECTS", "VirtualReplicate", "replicate_trial"]

MAX_SUBJECTS = 20_000
"""Largest virtual trial planned at once."""


@dataclass(frozen=True)
class VirtualReplicate:
    """One virtual replicate of a protocol's trial: OS and TTP compared between the arms.

    ``os`` and ``ttp`` hold per arm the subjects, events and Kaplan–Meier median with its
    interval, and the stratified log-rank p and Cox hazard ratio (experimental / reference).
    ``cr_pr_sd`` holds per arm the share whose best response by RECIST is CR, PR or SD at any
    assessment, with no minimum duration of stable disease (the definition of the ``sharp``
    preset's target, :attr:`metsor.design.outcomes.OutcomePreset.stable_or_better`).
    """

    nct_id: str
    seed: int
    n: int
    os: EndpointComparison
    ttp: EndpointComparison
    cr_pr_sd: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "nct_id": self.nct_id,
            "seed": self.seed,
            "n": self.n,
            "os": self.os.to_dict(),
            "ttp": self.ttp.to_dict(),
            "cr_pr_sd": dict(self.cr_pr_sd),
        }


def replicate_trial(
    protocol: Protocol,
    *,
    n: int,
    seed: int,
    scenario: VirtualScenario | None = None,
) -> VirtualReplicate:
    """Plan a protocol's virtual trial of ``n`` subjects and compare OS and TTP between arms.

    Parameters
    ----------
    protocol
        The protocol (two arms with codes, study drugs, strata, schedule, assumptions).
    n
        Subjects randomized, from 20 to :data:`MAX_SUBJECTS`.
    seed
        Seed of every draw.
    scenario
        The truth (default the protocol's, :func:`metsor.insilico.scenario.scenario_for`).

    Returns
    -------
    VirtualReplicate

    Raises
    ------
    InputError
        For a size out of range, or a protocol without a start or accrual and follow-up.
    """
    from metsor.design.outcomes import draw_outcomes
    from metsor.services.stratification import stratum_of_record

    if isinstance(n, bool) or not isinstance(n, int) or not 20 <= n <= MAX_SUBJECTS:
        raise InputError(f"n must be a whole number from 20 to {MAX_SUBJECTS:,}", field="n")
    truth = VirtualScenario.of(scenario or scenario_for(protocol.nct_id))
    start, assumptions = protocol.trial_start, protocol.assumptions
    if start is None or assumptions is None:
        raise InputError(
            f"protocol {protocol.nct_id} states no start or accrual and follow-up", field="protocol"
        )
    rng = np.random.default_rng([seed, 7])
    cohort, records = eligible_candidates(n, rng, protocol, population_of(truth.preset))
    experimental = str(protocol.experimental_arm.code)
    reference = next(code for code in protocol.arm_codes if code != experimental)
    on_experimental = rng.permutation(n) < n // 2
    preset_is_experimental = truth.preset_arm == "experimental"
    effect = on_experimental != preset_is_experimental
    drawn = draw_outcomes(
        cohort,
        effect,
        rng,
        preset=truth.preset,
        hr_death=truth.hr_death,
        hr_progression=truth.hr_progression,
        response_experimental=truth.response_experimental,
        dropout_per_year=truth.dropout_per_year,
        first_scan_days=protocol.endpoint_rules.tumour_interval_days,
        missed_scan_share=MISSED_ASSESSMENT_SHARE,
        progression_shape=truth.progression_shape,
        progression_frailty=truth.progression_frailty,
    )
    accrual_end = months_after(start, assumptions.accrual_months)
    cutoff = months_after(accrual_end, assumptions.follow_up_months)
    days = (accrual_end - start).days
    courses = []
    for i in range(n):
        arm = experimental if on_experimental[i] else reference
        randomized_on = start + timedelta(days=int(rng.integers(0, days)))
        drugs = protocol.drugs_of(arm)
        inactive = bool(drugs) and not any(drug.active for drug in drugs)
        record = as_screened(records[i], protocol)
        plan = plan_course(
            subject_id=f"V{i + 1:06d}",
            arm=arm,
            stratum=stratum_of_record(protocol, record),
            site="V01",
            randomized_on=randomized_on,
            cutoff=cutoff,
            baseline=plan_baseline(record, randomized_on - timedelta(days=3), rng),
            outcome=outcome_of(drawn, i),
            lost_share=truth.lost_share,
            rng=rng,
            profile=(inactive_drug_profile if inactive else toxicity_profile)(truth.preset),
            protocol=protocol,
        )
        courses.append(plan.subject_course())
    rows = endpoints.adtte(
        courses,
        cutoff=cutoff,
        study_id=protocol.nct_id,
        arm_labels=protocol.arm_labels,
        rules=protocol.endpoint_rules,
    )
    text = [
        {key: "" if value is None else str(value) for key, value in row.items()} for row in rows
    ]
    compared = {c.param: c for c in compare_endpoints(text, (experimental, reference))}
    arms = [experimental if on else reference for on in on_experimental]
    return VirtualReplicate(
        protocol.nct_id,
        seed,
        n,
        compared["OS"],
        compared["TTP"],
        _cr_pr_sd(courses, arms, cutoff),
    )


def _cr_pr_sd(
    courses: list[endpoints.SubjectCourse], arms: list[str], cutoff: date
) -> dict[str, float]:
    """Share of each arm whose best response by RECIST up to the cut-off is CR, PR or SD at
    any assessment (no minimum duration of stable disease, responses unconfirmed)."""
    hits: dict[str, list[bool]] = {}
    for course, arm in zip(courses, arms, strict=True):
        best = endpoints.best_response(
            course, criterion="recist", window_months=None, cutoff=cutoff, sd_min_days=0
        )
        hits.setdefault(arm, []).append(best.response in ("CR", "PR", "SD"))
    return {arm: sum(found) / len(found) for arm, found in hits.items()}
