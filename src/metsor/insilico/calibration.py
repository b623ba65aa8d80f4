"""Calibration of the virtual patients against the published sorafenib arms.

:func:`calibrate` draws a large virtual population of the preset's trial
(:func:`metsor.insilico.population.population_of`) that passes the screening of that trial's
built-in protocol (the default protocol's where the trial has none), draws
its outcomes under both arms (:func:`metsor.design.outcomes.draw_outcomes`), plans every
subject's course with the same code as the virtual trial (:func:`~metsor.insilico.course.
plan_course`, on the tumour-assessment schedule of the trial the preset comes from), reads each
course as the endpoints do (:meth:`~metsor.insilico.plan.CoursePlan.subject_course`) and derives
OS, TTP, PFS and best response with :mod:`metsor.endpoints`; adverse events, dose reductions and
discontinuations are counted from the planned casebook entries. No database is involved, and
nothing is computed any other way than the virtual trial computes it.

Each virtual figure comes with its sampling interval: Wilson's score interval for a share,
the Brookmeyer–Crowley interval of the Kaplan–Meier median (log-log) for a median. The
intervals are simultaneous: each is at level ``1 − (1 − level) / k`` for the ``k`` figures of
the table (Bonferroni), so that with a perfectly calibrated model every target lies inside its
interval with probability at least ``level``. A target outside its interval is marked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np

from metsor import endpoints
from metsor.design.outcomes import Outcomes, draw_outcomes
from metsor.errors import InputError
from metsor.insilico.baseline import plan_baseline
from metsor.insilico.course import MISSED_ASSESSMENT_SHARE, plan_course
from metsor.insilico.plan import CoursePlan
from metsor.insilico.population import population_of
from metsor.insilico.presets import (
    DEFAULT_PRESET,
    Target,
    outcome_preset,
    targets,
    toxicity_profile,
)
from metsor.insilico.recruitment import eligible_candidates, outcome_of
from metsor.insilico.scenario import DEFAULT_SCENARIO, PROTOCOL_SCENARIOS
from metsor.protocol import Protocol
from metsor.protocol.builtin import DEFAULT_NCT_ID, builtin
from metsor.stats import kaplan_meier

__all__ = ["ARMS", "Calibration", "CalibrationRow", "calibrate"]

_PROTOCOL = builtin(DEFAULT_NCT_ID)
ARMS: dict[str, str] = {
    "control": next(a for a in _PROTOCOL.arm_codes if a != _PROTOCOL.experimental_arm.code),
    "experimental": str(_PROTOCOL.experimental_arm.code),
}
"""Arm code of each arm of a target (the built-in protocol's)."""
_REFERENCE_DRUG = _PROTOCOL.drugs_of(ARMS["control"])[0]
"""The drug of the control arm, whose discontinuations and reductions are compared."""

MAX_N = 100_000
"""Largest population per arm."""

_DAY0 = date(2016, 1, 4)
_FOLLOW_UP_DAYS = 15 * 366
_CRITERIA: dict[str, endpoints.Criterion] = {
    "sharp": "recist",
    "asia-pacific": "recist",
    "reflect": "mrecist",
    "metsor": "mrecist",
}
"""Criterion of progression in each trial's TTP and PFS."""

_OFF_TREATMENT = ("radiological progression", "consent withdrawn")


@dataclass(frozen=True)
class CalibrationRow:
    """A target beside the virtual value and its sampling interval."""

    target: Target
    virtual: float
    lower: float
    upper: float

    @property
    def inside(self) -> bool:
        """Whether the target, as far as its rounding goes, lies within the interval."""
        low, high = self.target.bounds
        return self.lower <= high and low <= self.upper

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "key": self.target.key,
            "arm": self.target.arm,
            "target": self.target.value,
            "source": self.target.source,
            "virtual": self.virtual,
            "lower": self.lower if math.isfinite(self.lower) else None,
            "upper": self.upper if math.isfinite(self.upper) else None,
            "inside": self.inside,
        }


@dataclass(frozen=True)
class Calibration:
    """The calibration table of a preset.

    Attributes
    ----------
    preset, n, seed
        What was run: virtual patients per arm and the seed.
    level
        Simultaneous level of the intervals.
    scan_interval_days
        The tumour-assessment interval the courses were planned on.
    rows
        One per target.
    """

    preset: str
    n: int
    seed: int
    level: float
    scan_interval_days: int
    rows: tuple[CalibrationRow, ...]

    @property
    def all_inside(self) -> bool:
        """Whether every target lies within its interval."""
        return all(row.inside for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "preset": self.preset,
            "source": outcome_preset(self.preset).source,
            "derivation": outcome_preset(self.preset).derivation,
            "n_per_arm": self.n,
            "seed": self.seed,
            "level": self.level,
            "interval": "Bonferroni-simultaneous sampling interval of the virtual value",
            "scan_interval_days": self.scan_interval_days,
            "all_inside": self.all_inside,
            "rows": [row.to_dict() for row in self.rows],
        }


def calibrate(
    preset: str = DEFAULT_PRESET, *, n: int = 10_000, seed: int = 20160203, level: float = 0.95
) -> Calibration:
    """Run ``n`` virtual patients per arm and set each target beside its virtual value.

    Parameters
    ----------
    preset
        A key of :data:`metsor.design.outcomes.PRESETS`.
    n
        Virtual patients per arm (20 to :data:`MAX_N`).
    seed
        Seed of the random draws.
    level
        Simultaneous level of the sampling intervals, in (0, 1).

    Returns
    -------
    Calibration
        The table.

    Raises
    ------
    InputError
        For an unknown preset, a size out of range, a negative seed or a level outside
        (0, 1).
    """
    wanted = targets(preset)
    if isinstance(n, bool) or not isinstance(n, int) or not 20 <= n <= MAX_N:
        raise InputError(f"n must be an integer from 20 to {MAX_N}, got {n!r}", field="n")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}", field="seed")
    if not 0.0 < level < 1.0:
        raise InputError(f"level must lie in (0, 1), got {level!r}", field="level")
    p = outcome_preset(preset)
    rng = np.random.default_rng(seed)
    cohort, records = eligible_candidates(
        n, rng, _screening_protocol(preset), population_of(preset)
    )
    scenario = DEFAULT_SCENARIO
    plans: dict[str, list[CoursePlan]] = {}
    for arm, code in ARMS.items():
        experimental = arm == "experimental"
        drawn = draw_outcomes(
            cohort,
            np.full(n, experimental),
            rng,
            preset=preset,
            hr_death=scenario.hr_death,
            hr_progression=scenario.hr_progression,
            dropout_per_year=scenario.dropout_per_year,
            first_scan_days=p.scan_interval_days,
            missed_scan_share=MISSED_ASSESSMENT_SHARE,
        )
        plans[arm] = [
            _plan(records[i], code, drawn, i, preset, p.scan_interval_days, rng) for i in range(n)
        ]
    confidence = 1.0 - (1.0 - level) / len(wanted)
    measure = _Measures(plans, _CRITERIA[preset], p.scan_interval_days, confidence)
    rows = tuple(measure.row(target) for target in wanted)
    return Calibration(preset, n, seed, level, p.scan_interval_days, rows)


def _screening_protocol(preset: str) -> Protocol:
    """The built-in protocol whose scenario is calibrated by ``preset`` (SHARP's for
    ``sharp``), or the default protocol."""
    for nct_id, scenario in PROTOCOL_SCENARIOS.items():
        if scenario.preset == preset:
            return builtin(nct_id)
    return _PROTOCOL


def _plan(
    record: dict[str, Any],
    arm: str,
    drawn: Outcomes,
    i: int,
    preset: str,
    interval: int,
    rng: np.random.Generator,
) -> CoursePlan:
    baseline = plan_baseline(record, _DAY0 - timedelta(days=3), rng)
    return plan_course(
        subject_id=f"V{i + 1:06d}",
        arm=arm,
        stratum="all",
        site="V01",
        randomized_on=_DAY0,
        cutoff=_DAY0 + timedelta(days=_FOLLOW_UP_DAYS),
        baseline=baseline,
        outcome=outcome_of(drawn, i),
        lost_share=DEFAULT_SCENARIO.lost_share,
        rng=rng,
        profile=toxicity_profile(preset),
        scan_interval_days=interval,
    )


class _Measures:
    """The virtual value and interval of each target, from the planned courses."""

    def __init__(
        self,
        plans: dict[str, list[CoursePlan]],
        criterion: endpoints.Criterion,
        interval: int,
        confidence: float,
    ) -> None:
        self.plans = plans
        self.criterion = criterion
        self.schedule = endpoints.AssessmentSchedule(interval_days=interval)
        self.confidence = confidence
        self.z = NormalDist().inv_cdf(0.5 + confidence / 2.0)

    def row(self, target: Target) -> CalibrationRow:
        plans = self.plans[target.arm]
        if target.is_median:
            return CalibrationRow(target, *self._median(target.key, plans))
        hits = sum(1 for plan in plans if self._counts(target.key, plan))
        return CalibrationRow(target, hits / len(plans), *self._wilson(hits, len(plans)))

    def _median(self, key: str, plans: list[CoursePlan]) -> tuple[float, float, float]:
        endpoint: Callable[[endpoints.SubjectCourse], endpoints.TimeToEvent] = {
            "os_median": lambda c: endpoints.overall_survival(c),
            "ttp_median": lambda c: endpoints.time_to_progression(
                c, criterion=self.criterion, schedule=self.schedule
            ),
            "pfs_median": lambda c: endpoints.progression_free_survival(
                c, criterion=self.criterion, schedule=self.schedule
            ),
        }[key]
        results = [endpoint(plan.subject_course()) for plan in plans]
        fit = kaplan_meier(
            [r.months for r in results],
            [1 if r.event else 0 for r in results],
            conf_level=self.confidence,
        )
        median = fit.median()
        upper = median.upper if math.isfinite(median.upper) else math.inf
        return median.median, median.lower, upper

    def _wilson(self, hits: int, n: int) -> tuple[float, float]:
        share, z = hits / n, self.z
        centre = (share + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def _counts(self, key: str, plan: CoursePlan) -> bool:
        if key.startswith(("orr_", "dcr_")):
            criterion: endpoints.Criterion = "mrecist" if key.endswith("_mrecist") else "recist"
            best = endpoints.best_response(
                plan.subject_course(), criterion=criterion, window_months=None
            )
            wanted = ("CR", "PR") if key.startswith("orr_") else ("CR", "PR", "SD")
            return best.response in wanted
        if key.startswith(("ae_any:", "ae_g3:")):
            least = 3 if key.startswith("ae_g3:") else 1
            term = key.split(":", 1)[1]
            return any(
                e.kind == "adverse_event"
                and e.fields["term"] == term
                and int(e.fields["grade"]) >= least
                for e in plan.entries
            )
        doses = [e.fields for e in plan.entries if e.kind == "dose"]
        if key == "discontinued_ae":
            return any(
                d["drug"] == _REFERENCE_DRUG.code
                and d["event"] == "discontinue"
                and d["reason"] not in _OFF_TREATMENT
                for d in doses
            )
        if key == "dose_reduced":
            return any(
                d["drug"] == _REFERENCE_DRUG.code
                and d["event"] in ("reduce", "resume")
                and d["level"] not in (None, _REFERENCE_DRUG.full_dose.code)
                for d in doses
            )
        raise InputError(f"no measure for target {key!r}", field="key")
