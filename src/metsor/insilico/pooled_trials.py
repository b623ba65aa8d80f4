"""The arms of several virtual METSOR trials pooled, beside the calibration preset's targets.

One virtual trial has 41 patients an arm: its response rate and medians are too noisy to show
whether the virtual patients are calibrated. :func:`pooled_trials` plans many trials, one per
seed, as ``metsor demo`` does but without the database: the candidates, their screening days
and both potential outcomes come from :func:`~metsor.insilico.recruitment.plan_recruitment`
with the demo's generator (``default_rng([seed, 0])``), the first ``target_enrollment`` eligible
candidates are randomized 1:1 in blocks of two (the demo randomizes through the services), and
each subject's course is planned by :func:`~metsor.insilico.course.plan_course` on the
protocol's tumour-assessment schedule up to the trial's data cut-off. OS, TTP and PFS (by the
preset's criterion, the protocol's endpoint rules) and best response by mRECIST and RECIST 1.1
come from :mod:`metsor.endpoints`, over the pooled subjects of each arm, with the sampling
intervals of :mod:`metsor.insilico.calibration`.

The targets are the preset's (control arm); for the experimental arm, the response rates are
the control arm's when the scenario gives the experimental arm none of its own. Median TTP and
PFS targets are published at the preset trial's scans (ORIENT-32: every 6 weeks); at METSOR's
7-weekly scans an observed median falls on other scan days, so they are shown, and judged only
for a protocol that scans at the preset trial's interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from metsor.errors import InputError
from metsor.insilico.baseline import plan_baseline
from metsor.insilico.calibration import _CRITERIA, _Measures
from metsor.insilico.course import plan_course
from metsor.insilico.plan import CoursePlan
from metsor.insilico.presets import Target, outcome_preset, targets, toxicity_profile
from metsor.insilico.recruitment import plan_recruitment
from metsor.insilico.scenario import DEFAULT_SCENARIO, VirtualScenario
from metsor.protocol import Protocol, builtin

__all__ = ["FIGURES", "PooledRow", "PooledTrials", "pooled_trials"]

FIGURES: tuple[str, ...] = ("orr_mrecist", "orr_recist", "os_median", "ttp_median", "pfs_median")
"""The figures pooled, per arm."""

_SCAN_SCHEDULED = ("ttp_median", "pfs_median")
MAX_SEEDS = 200


@dataclass(frozen=True)
class PooledRow:
    """One figure of one arm over the pooled trials.

    Attributes
    ----------
    arm
        ``control`` or ``experimental``.
    key
        One of :data:`FIGURES`.
    target
        The preset's figure, if it has one for this arm.
    judged
        Whether the target applies at the schedule measured (TTP and PFS medians are published
        at the preset trial's scans: judged only when the protocol scans at that interval).
    virtual, lower, upper
        The pooled value and its simultaneous sampling interval.
    per_seed
        The figure in each trial alone (nan where a median is not reached).
    """

    arm: str
    key: str
    target: Target | None
    judged: bool
    virtual: float
    lower: float
    upper: float
    per_seed: tuple[float, ...]

    @property
    def inside(self) -> bool | None:
        """Whether the target lies within the interval (None where none is judged)."""
        if self.target is None or not self.judged:
            return None
        low, high = self.target.bounds
        return self.lower <= high and low <= self.upper

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        finite = [v for v in self.per_seed if math.isfinite(v)]
        return {
            "arm": self.arm,
            "key": self.key,
            "target": None if self.target is None else self.target.value,
            "source": None if self.target is None else self.target.source,
            "virtual": self.virtual,
            "lower": self.lower if math.isfinite(self.lower) else None,
            "upper": self.upper if math.isfinite(self.upper) else None,
            "inside": self.inside,
            "per_seed_min": min(finite) if finite else None,
            "per_seed_max": max(finite) if finite else None,
        }


@dataclass(frozen=True)
class PooledTrials:
    """The pooled table.

    Attributes
    ----------
    preset, seeds, subjects, scan_interval_days, level
        What was run: the control arm's preset, the seeds, randomized subjects per arm
        (pooled), the tumour-assessment interval and the simultaneous level.
    rows
        One per arm and figure.
    """

    preset: str
    seeds: tuple[int, ...]
    subjects: dict[str, int]
    scan_interval_days: int
    level: float
    rows: tuple[PooledRow, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "preset": self.preset,
            "seeds": list(self.seeds),
            "subjects": self.subjects,
            "scan_interval_days": self.scan_interval_days,
            "level": self.level,
            "rows": [row.to_dict() for row in self.rows],
        }


def pooled_trials(
    seeds: Sequence[int],
    *,
    scenario: VirtualScenario = DEFAULT_SCENARIO,
    protocol: Protocol | None = None,
    level: float = 0.95,
) -> PooledTrials:
    """Plan one virtual trial per seed and pool each arm's response rates and medians.

    Parameters
    ----------
    seeds
        Seeds of the trials (as ``metsor demo --seed``), 1 to 200 of them, each ≥ 0.
    scenario
        The truth the outcomes are drawn under.
    protocol
        The trial (default the built-in protocol): size, calendar, arms, scan schedule and
        endpoint rules.
    level
        Simultaneous level of the sampling intervals over the table's figures, in (0, 1).

    Returns
    -------
    PooledTrials
        A row per arm and figure.

    Raises
    ------
    InputError
        For no seeds or too many, a negative seed, or a level outside (0, 1).
    """
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise InputError(f"give 1 to {MAX_SEEDS} seeds, got {len(seeds)}", field="seeds")
    if any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds):
        raise InputError("every seed must be a non-negative integer", field="seeds")
    if not 0.0 < level < 1.0:
        raise InputError(f"level must lie in (0, 1), got {level!r}", field="level")
    trial = protocol or builtin()
    scenario = scenario.validated()
    interval = trial.endpoint_rules.tumour_interval_days
    by_seed = [_one_trial(seed, scenario, trial) for seed in seeds]
    pooled = {arm: [p for plans in by_seed for p in plans[arm]] for arm in _ARMS}
    confidence = 1.0 - (1.0 - level) / (len(FIGURES) * len(_ARMS))
    criterion = _CRITERIA[scenario.preset]
    measure = _Measures(pooled, criterion, interval, confidence)
    alone = [_Measures(plans, criterion, interval, confidence) for plans in by_seed]
    wanted = _targets(scenario)
    scheduled = outcome_preset(scenario.preset).scan_interval_days
    rows = []
    for arm in _ARMS:
        for key in FIGURES:
            target = wanted.get((arm, key)) or Target(key, arm, math.nan, "")
            row = measure.row(target)
            rows.append(
                PooledRow(
                    arm=arm,
                    key=key,
                    target=wanted.get((arm, key)),
                    judged=key not in _SCAN_SCHEDULED or interval == scheduled,
                    virtual=row.virtual,
                    lower=row.lower,
                    upper=row.upper,
                    per_seed=tuple(m.row(target).virtual for m in alone),
                )
            )
    subjects = {arm: len(plans) for arm, plans in pooled.items()}
    return PooledTrials(scenario.preset, tuple(seeds), subjects, interval, level, tuple(rows))


_ARMS = ("control", "experimental")


def _targets(scenario: VirtualScenario) -> dict[tuple[str, str], Target]:
    """The preset's figures by (arm, key); the experimental arm's response rates where the
    scenario leaves them the control arm's."""
    found = {(t.arm, t.key): t for t in targets(scenario.preset) if t.key in FIGURES}
    if scenario.response_experimental is None:
        for key in ("orr_mrecist", "orr_recist"):
            control = found.get(("control", key))
            if control is not None:
                source = f"the control arm's rate (the scenario sets none): {control.source}"
                found["experimental", key] = Target(
                    key, "experimental", control.value, source, control.digits
                )
    if ("control", "ttp_median") not in found and ("control", "pfs_median") in found:
        preset = outcome_preset(scenario.preset)
        pfs = found["control", "pfs_median"]
        found["control", "ttp_median"] = Target(
            "ttp_median", "control", preset.ttp_median, f"{preset.derivation}", pfs.digits
        )
    return found


def _one_trial(
    seed: int, scenario: VirtualScenario, trial: Protocol
) -> dict[str, list[CoursePlan]]:
    """The courses of one virtual trial's randomized subjects, by arm."""
    assumptions = trial.assumptions
    start = trial.trial_start
    if assumptions is None or start is None:
        raise InputError(
            f"protocol {trial.nct_id} states no trial start, accrual or follow-up",
            field="protocol",
        )
    n_target = trial.design.target_enrollment
    plan = plan_recruitment(
        n_target=n_target,
        scenario=scenario,
        start=start,
        accrual_months=assumptions.accrual_months,
        follow_up_months=assumptions.follow_up_months,
        rng=np.random.default_rng([seed, 0]),
        protocol=trial,
    )
    allocation = np.random.default_rng([seed, 1])
    experimental_code = trial.experimental_arm.code
    if experimental_code is None:
        raise InputError(f"protocol {trial.nct_id} gives its arms no codes", field="protocol")
    control_code = next(code for code in trial.arm_codes if code != experimental_code)
    eligible = [c for c in plan.candidates if c.outcomes is not None][:n_target]
    plans: dict[str, list[CoursePlan]] = {arm: [] for arm in _ARMS}
    for position, candidate in enumerate(eligible):
        if position % 2 == 0:
            block = allocation.permutation(2)
        experimental = bool(block[position % 2])
        rng = np.random.default_rng([seed, 2, candidate.index])
        randomized_on = candidate.screened_on + timedelta(days=int(rng.integers(4, 12)))
        baseline = plan_baseline(candidate.record, candidate.screened_on, rng)
        course = plan_course(
            subject_id=f"S{seed:04d}-{position + 1:03d}",
            arm=experimental_code if experimental else control_code,
            stratum="all",
            site="V01",
            randomized_on=randomized_on,
            cutoff=plan.cutoff,
            baseline=baseline,
            outcome=candidate.outcome(experimental),
            lost_share=scenario.lost_share,
            rng=rng,
            profile=toxicity_profile(scenario.preset),
            scan_interval_days=trial.endpoint_rules.tumour_interval_days,
        )
        plans["experimental" if experimental else "control"].append(course)
    return plans
