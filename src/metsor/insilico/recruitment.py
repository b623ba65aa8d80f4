"""Who comes to screening, when, and what would happen to them in either arm.

Candidates are virtual advanced-HCC patients of the scenario's preset's population
(:func:`metsor.insilico.population.draw_candidates`: the default Asian cohorts, or the trial's own).
The recruitment plan takes candidates in order until enough of them would pass the protocol's
screening to fill the target, and spreads their screening days uniformly over the accrual
period (the last one early enough to be randomized within it). Each comes to one of the
protocol's sites (:mod:`metsor.insilico.recruiting_sites`: the first, or across regions in the
population's shares). The site screens each one
through the services; the verdict recorded there is what counts.

Both potential outcomes of every eligible candidate — under the control arm and under the
experimental arm — are drawn before anyone is randomized (:func:`metsor.design.outcomes.
draw_outcomes`, calibrated over the eligible candidates); randomization then decides which
one the subject lives. Drawing them together keeps the arms' calibration that of the whole
eligible population, whatever the allocation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from metsor.design.cohort import VirtualCohort
from metsor.design.outcomes import Outcomes, draw_outcomes
from metsor.eligibility import parse_record, screen
from metsor.endpoints import DAYS_PER_MONTH
from metsor.insilico.course import MISSED_ASSESSMENT_SHARE, Outcome
from metsor.insilico.population import (
    BaselinePopulation,
    draw_candidates,
    population_of,
    screening_records,
)
from metsor.insilico.recruiting_sites import REGIONS, draw_sites, region_of_site
from metsor.insilico.scenario import VirtualScenario
from metsor.protocol import Protocol, builtin

__all__ = [
    "REGIONS",
    "Candidate",
    "RecruitmentPlan",
    "as_screened",
    "eligible_candidates",
    "months_after",
    "outcome_of",
    "plan_recruitment",
]

_LAST_SCREENING_MARGIN_DAYS = 10


def as_screened(record: dict[str, Any], protocol: Protocol, site: int = 0) -> dict[str, Any]:
    """A virtual candidate's record as the site screens it for ``protocol``: the investigator
    attests the protocol's checklist items (the virtual patients are drawn to meet them), and
    where a stratification factor reads the region, it is the region of the recruiting site
    (the protocol's site number ``site``), unless the record already states one."""
    extra: dict[str, Any] = {}
    checklist = [c.id for c in protocol.criteria if c.rule is None]
    if checklist:
        extra["attested"] = checklist
    if any("region" in factor.fields for factor in protocol.stratification):
        extra["region"] = record.get("region") or region_of_site(protocol, site)
    return {**record, **extra} if extra else record


@dataclass(frozen=True)
class Candidate:
    """One candidate: their screening record, day of screening, outcome per arm and site."""

    index: int
    record: dict[str, Any]
    screened_on: date
    outcomes: dict[bool, Outcome] | None
    site: int = 0
    """The recruiting site: an index into the protocol's sites."""

    def outcome(self, experimental: bool) -> Outcome:
        """The outcome under the arm drawn (only eligible candidates have outcomes)."""
        if self.outcomes is None:
            raise ValueError(f"candidate {self.index} was not eligible: no outcome drawn")
        return self.outcomes[experimental]


@dataclass(frozen=True)
class RecruitmentPlan:
    """The candidates in order of screening, and the trial's calendar."""

    candidates: tuple[Candidate, ...]
    start: date
    accrual_end: date
    cutoff: date


def months_after(start: date, months: float) -> date:
    """The day ``months`` months (of 30.4375 days) after ``start``."""
    return start + timedelta(days=round(months * DAYS_PER_MONTH))


def plan_recruitment(
    *,
    n_target: int,
    scenario: VirtualScenario,
    start: date,
    accrual_months: float,
    follow_up_months: float,
    rng: np.random.Generator,
    protocol: Protocol | None = None,
) -> RecruitmentPlan:
    """Draw the candidates, their screening days and their potential outcomes.

    Parameters
    ----------
    n_target
        Subjects to randomize.
    scenario
        The truth the outcomes are drawn from; its preset's population
        (:func:`metsor.insilico.population.population_of`) is who the candidates are.
    start
        First day of accrual.
    accrual_months, follow_up_months
        Accrual period; the data cut-off comes ``follow_up_months`` after it ends.
    rng
        Source of randomness.
    protocol
        The trial's protocol: who passes its screening, and its scan schedule (default the
        built-in protocol).

    Returns
    -------
    RecruitmentPlan
        Candidates in screening order and the calendar.
    """
    accrual_end = months_after(start, accrual_months)
    cutoff = months_after(accrual_end, follow_up_months)
    trial = protocol or builtin()
    population = population_of(scenario.preset)
    cohort, records, eligible, sites = _enough_candidates(n_target, rng, trial, population)
    window = (accrual_end - start).days - _LAST_SCREENING_MARGIN_DAYS
    offsets = np.sort(rng.integers(0, max(window, 1), size=len(records)))
    first_scan = trial.endpoint_rules.tumour_interval_days
    eligible_cohort = cohort.subset(np.flatnonzero(eligible))
    outcomes = _potential_outcomes(eligible_cohort, scenario, rng, first_scan)
    position = np.cumsum(eligible) - 1
    candidates = tuple(
        Candidate(
            index=i,
            record=record,
            screened_on=start + timedelta(days=int(offsets[i])),
            outcomes={arm: outcome_of(outcomes[arm], int(position[i])) for arm in (False, True)}
            if eligible[i]
            else None,
            site=int(sites[i]),
        )
        for i, record in enumerate(records)
    )
    return RecruitmentPlan(candidates, start, accrual_end, cutoff)


def _enough_candidates(
    n_target: int,
    rng: np.random.Generator,
    protocol: Protocol | None = None,
    population: BaselinePopulation | None = None,
) -> tuple[
    VirtualCohort,
    list[dict[str, Any]],
    np.ndarray[Any, np.dtype[np.bool_]],
    np.ndarray[Any, np.dtype[np.int64]],
]:
    """The shortest run of candidates that holds ``n_target`` who pass screening, with the
    site that recruits each (:func:`metsor.insilico.recruiting_sites.draw_sites`)."""
    trial = protocol or builtin()
    size = math.ceil(2.0 * n_target) + 20
    while True:
        cohort = draw_candidates(size, rng, population)
        sites = draw_sites(size, rng, trial, population)
        records = [
            as_screened(record, trial, int(site))
            for record, site in zip(screening_records(cohort, population), sites, strict=True)
        ]
        eligible = np.array([screen(parse_record(r), trial).verdict == "eligible" for r in records])
        if eligible.sum() >= n_target:
            last = int(np.flatnonzero(eligible)[n_target - 1]) + 1
            return cohort.subset(np.arange(last)), records[:last], eligible[:last], sites[:last]
        size *= 2


def eligible_candidates(
    n: int,
    rng: np.random.Generator,
    protocol: Protocol | None = None,
    population: BaselinePopulation | None = None,
) -> tuple[VirtualCohort, list[dict[str, Any]]]:
    """``n`` virtual candidates who pass the protocol's screening, and their records.

    Parameters
    ----------
    n
        Candidates wanted.
    rng
        Source of randomness.
    protocol
        The protocol whose screening they pass (default the built-in protocol).
    population
        Who they are (default the Asian cohorts of :func:`metsor.design.cohort.generate_cohort`).

    Returns
    -------
    cohort, records
        Their baseline and screening records, in the order drawn.
    """
    cohort, records, eligible, _ = _enough_candidates(n, rng, protocol, population)
    keep = np.flatnonzero(eligible)
    return cohort.subset(keep), [records[i] for i in keep]


def _potential_outcomes(
    cohort: VirtualCohort, scenario: VirtualScenario, rng: np.random.Generator, first_scan: int
) -> dict[bool, Outcomes]:
    options: dict[str, Any] = {
        "preset": scenario.preset,
        "hr_death": scenario.hr_death,
        "hr_progression": scenario.hr_progression,
        "response_experimental": scenario.response_experimental,
        "dropout_per_year": scenario.dropout_per_year,
        "first_scan_days": first_scan,
        "missed_scan_share": MISSED_ASSESSMENT_SHARE,
        "progression_shape": scenario.progression_shape,
        "progression_frailty": scenario.progression_frailty,
    }
    return {
        arm: draw_outcomes(cohort, np.full(cohort.n, arm), rng, **options) for arm in (False, True)
    }


def outcome_of(outcomes: Outcomes, i: int) -> Outcome:
    """The outcome of patient ``i`` of ``outcomes``."""
    progression = float(outcomes.progression[i])
    dropout = float(outcomes.dropout[i])
    return Outcome(
        death_months=float(outcomes.death[i]),
        progression_months=None if math.isnan(progression) else progression,
        dropout_months=None if math.isinf(dropout) else dropout,
        best_response=str(outcomes.best_response[i]),
        recist_response=str(outcomes.recist_response[i]),
    )
