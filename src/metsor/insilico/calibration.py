"""Calibration of the virtual patients against the published sorafenib arms.

:func:`calibrate` draws a large virtual population of the preset's trial
(:func:`metsor.insilico.population.population_of`) that passes the screening of that trial's
built-in protocol (the default protocol's where the trial has none), draws
its outcomes under both arms of that protocol and its scenario
(:func:`metsor.design.outcomes.draw_outcomes`: the arm of the preset's drug, and the other arm
with the scenario's effect), plans every
subject's course with the same code as the virtual trial (:func:`~metsor.insilico.course.
plan_course`, on the tumour-assessment schedule of the trial the preset comes from), reads each
course as the endpoints do (:meth:`~metsor.insilico.plan.CoursePlan.subject_course`) and derives
OS, TTP, PFS and best response with :mod:`metsor.endpoints`; adverse events, dose reductions and
discontinuations are counted from the planned casebook entries. No database is involved, and
nothing is computed any other way than the virtual trial computes it. The other arm is compared
with what is published of it: METSOR's metformin arm with the Glucophage label's excess events,
SHARP's placebo arm with the label's placebo column and its discontinuation
(:func:`calibration_targets`).

Each virtual figure comes with its sampling interval: Wilson's score interval for a share,
the Brookmeyer–Crowley interval of the Kaplan–Meier median (log-log) for a median. The
intervals are simultaneous: each is at level ``1 − (1 − level) / k`` for the ``k`` figures of
the table (Bonferroni), so that with a perfectly calibrated model every target lies inside its
interval with probability at least ``level``. A target outside its interval is marked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    ToxicityProfile,
    inactive_drug_profile,
    outcome_preset,
    targets,
    toxicity_profile,
)
from metsor.insilico.recruitment import eligible_candidates, outcome_of
from metsor.insilico.scenario import DEFAULT_SCENARIO, PROTOCOL_SCENARIOS, VirtualScenario
from metsor.protocol import Protocol
from metsor.protocol.builtin import DEFAULT_NCT_ID, builtin
from metsor.protocol.treatment import StudyDrug
from metsor.stats import kaplan_meier

__all__ = ["ARMS", "Calibration", "CalibrationRow", "calibrate", "calibration_targets"]

_PROTOCOL = builtin(DEFAULT_NCT_ID)
ARMS: dict[str, str] = {
    "control": next(a for a in _PROTOCOL.arm_codes if a != _PROTOCOL.experimental_arm.code),
    "experimental": str(_PROTOCOL.experimental_arm.code),
}
"""Arm code of each arm of a target in the default protocol (a preset run in another trial
takes that trial's arms, :func:`_trial_of`)."""

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
    nct_id
        The trial whose protocol screened the virtual patients and gave the arms.
    arm_codes
        The protocol's arm code of each arm of a target (``control``: the preset's arm).
    arm_abbreviations
        A short name of each arm of a target: the initials of its drugs (``S``, ``M+S``), or
        ``P`` for an arm whose drugs are all inactive.
    """

    preset: str
    n: int
    seed: int
    level: float
    scan_interval_days: int
    rows: tuple[CalibrationRow, ...]
    nct_id: str = DEFAULT_NCT_ID
    arm_codes: Mapping[str, str] = field(default_factory=lambda: dict(ARMS))
    arm_abbreviations: Mapping[str, str] = field(
        default_factory=lambda: {"control": "S", "experimental": "M+S"}
    )

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
            "nct_id": self.nct_id,
            "arm_codes": dict(self.arm_codes),
            "all_inside": self.all_inside,
            "rows": [
                {**row.to_dict(), "arm_code": self.arm_codes[row.target.arm]} for row in self.rows
            ],
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
    if isinstance(n, bool) or not isinstance(n, int) or not 20 <= n <= MAX_N:
        raise InputError(f"n must be an integer from 20 to {MAX_N}, got {n!r}", field="n")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}", field="seed")
    if not 0.0 < level < 1.0:
        raise InputError(f"level must lie in (0, 1), got {level!r}", field="level")
    wanted = calibration_targets(preset)
    p = outcome_preset(preset)
    trial = _trial_of(preset)
    rng = np.random.default_rng(seed)
    cohort, records = eligible_candidates(n, rng, trial.protocol, population_of(preset))
    plans: dict[str, list[CoursePlan]] = {}
    for arm, code in trial.arm_codes.items():
        drawn = draw_outcomes(
            cohort,
            np.full(n, arm == "experimental"),
            rng,
            preset=preset,
            hr_death=trial.scenario.hr_death,
            hr_progression=trial.scenario.hr_progression,
            response_experimental=trial.scenario.response_experimental,
            dropout_per_year=trial.scenario.dropout_per_year,
            first_scan_days=p.scan_interval_days,
            missed_scan_share=MISSED_ASSESSMENT_SHARE,
            progression_shape=trial.scenario.progression_shape,
            progression_frailty=trial.scenario.progression_frailty,
        )
        profile = trial.profile(arm, preset)
        plans[arm] = [
            _plan(records[i], code, drawn, i, trial, profile, p.scan_interval_days, rng)
            for i in range(n)
        ]
    confidence = 1.0 - (1.0 - level) / len(wanted)
    drugs = {arm: trial.protocol.drugs_of(code)[0] for arm, code in trial.arm_codes.items()}
    measure = _Measures(plans, _CRITERIA[preset], p.scan_interval_days, confidence, drugs)
    rows = tuple(measure.row(target) for target in wanted)
    return Calibration(
        preset,
        n,
        seed,
        level,
        p.scan_interval_days,
        rows,
        trial.protocol.nct_id,
        dict(trial.arm_codes),
        {arm: trial.abbreviation(code) for arm, code in trial.arm_codes.items()},
    )


def calibration_targets(preset: str) -> tuple[Target, ...]:
    """The targets :func:`calibrate` compares for ``preset``: the preset's arm, and the other arm
    of the trial it is run in (placebo's events in SHARP, metformin's excess in METSOR)."""
    trial = _trial_of(preset)
    if trial.inactive("experimental"):
        return targets(preset, inactive_other_arm=True)
    control = {drug.code for drug in trial.protocol.drugs_of(trial.arm_codes["control"])}
    added = tuple(
        drug.code
        for drug in trial.protocol.drugs_of(trial.arm_codes["experimental"])
        if drug.code not in control
    )
    return targets(preset, added_drugs=added)


@dataclass(frozen=True)
class _Trial:
    """The trial a preset is calibrated in: its protocol, scenario and arms."""

    protocol: Protocol
    scenario: VirtualScenario
    arm_codes: Mapping[str, str]

    def inactive(self, arm: str) -> bool:
        """Whether every drug of ``arm`` (a target's arm) is inactive (a placebo)."""
        drugs = self.protocol.drugs_of(self.arm_codes[arm])
        return bool(drugs) and not any(drug.active for drug in drugs)

    def profile(self, arm: str, preset: str) -> ToxicityProfile:
        """The adverse events of ``arm``: placebo's for an inactive arm, else the preset's."""
        return inactive_drug_profile(preset) if self.inactive(arm) else toxicity_profile(preset)

    def abbreviation(self, code: str) -> str:
        """``P`` for a placebo arm, else the initials of the arm's drugs (``M+S``)."""
        drugs = self.protocol.drugs_of(code)
        if drugs and not any(drug.active for drug in drugs):
            return "P"
        return "+".join(drug.code[:1].upper() for drug in drugs)


def _trial_of(preset: str) -> _Trial:
    """The built-in protocol whose scenario runs ``preset`` (SHARP's for ``sharp``), with that
    scenario; the default protocol and scenario for a preset no protocol runs. ``control`` is
    the arm of the preset's drug, ``experimental`` the other."""
    protocol, scenario = _PROTOCOL, DEFAULT_SCENARIO
    for nct_id, candidate in PROTOCOL_SCENARIOS.items():
        if candidate.preset == preset:
            protocol, scenario = builtin(nct_id), candidate
            break
    experimental = str(protocol.experimental_arm.code)
    other = next(code for code in protocol.arm_codes if code != experimental)
    if scenario.preset_arm == "experimental":
        return _Trial(protocol, scenario, {"control": experimental, "experimental": other})
    return _Trial(protocol, scenario, {"control": other, "experimental": experimental})


def _plan(
    record: dict[str, Any],
    arm: str,
    drawn: Outcomes,
    i: int,
    trial: _Trial,
    profile: ToxicityProfile,
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
        lost_share=trial.scenario.lost_share,
        rng=rng,
        profile=profile,
        scan_interval_days=interval,
        protocol=trial.protocol,
    )


class _Measures:
    """The virtual value and interval of each target, from the planned courses.

    ``drugs`` gives the drug of each arm whose discontinuations and reductions are counted
    (default the default protocol's first drug of each arm).
    """

    def __init__(
        self,
        plans: dict[str, list[CoursePlan]],
        criterion: endpoints.Criterion,
        interval: int,
        confidence: float,
        drugs: Mapping[str, StudyDrug] | None = None,
    ) -> None:
        self.plans = plans
        self.criterion = criterion
        self.schedule = endpoints.AssessmentSchedule(interval_days=interval)
        self.confidence = confidence
        self.z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
        self.drugs = drugs or {arm: _PROTOCOL.drugs_of(code)[0] for arm, code in ARMS.items()}

    def row(self, target: Target) -> CalibrationRow:
        plans = self.plans[target.arm]
        if target.is_median:
            return CalibrationRow(target, *self._median(target.key, plans))
        hits = sum(1 for plan in plans if self._counts(target.key, plan, self.drugs[target.arm]))
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

    def _counts(self, key: str, plan: CoursePlan, drug: StudyDrug) -> bool:
        if key.startswith(("orr_", "cr_pr_sd_")):
            # Any assessment counts, and stable disease of any duration (sd_min_days 0): the
            # definition of the targets (the trials' best responses as tabulated).
            criterion: endpoints.Criterion = "mrecist" if key.endswith("_mrecist") else "recist"
            best = endpoints.best_response(
                plan.subject_course(), criterion=criterion, window_months=None, sd_min_days=0
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
                d["drug"] == drug.code
                and d["event"] == "discontinue"
                and d["reason"] not in _OFF_TREATMENT
                for d in doses
            )
        if key == "dose_reduced":
            return any(
                d["drug"] == drug.code
                and d["event"] in ("reduce", "resume")
                and d["level"] not in (None, drug.full_dose.code)
                for d in doses
            )
        raise InputError(f"no measure for target {key!r}", field="key")
