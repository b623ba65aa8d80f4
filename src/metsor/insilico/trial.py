"""A virtual trial of a protocol: virtual patients through the very services a site uses.

:func:`run_virtual_trial` sets up the trial database (the protocol's sites with an
investigator and a coordinator each, the concealed allocation list, a data manager), then lives
the trial day by day on its own calendar: candidates are screened and registered (screen
failures as such), each at the site that recruited them by its staff
(:mod:`metsor.insilico.recruiting_sites`); eligible ones consent, have their baseline work-up
and are randomized; each randomized
subject's course — drawn for their arm — is entered page by page through the casebook
services up to the data cut-off. On the cut-off day each site's investigator signs the casebook
of every subject whose follow-up has ended, and the data manager may lock the study
(:mod:`metsor.insilico.closeout`). The data manager then exports the analysis datasets and the
trial is analysed from those files, as a statistician would.
"""

from __future__ import annotations

import hashlib
import heapq
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from metsor.errors import ConflictError, InputError
from metsor.export.datasets import export_datasets
from metsor.insilico.analysis import compare_endpoints, compare_responses, read_rows
from metsor.insilico.baseline import Baseline, plan_baseline
from metsor.insilico.closeout import lock_study, sign_ended_casebooks
from metsor.insilico.course import plan_course
from metsor.insilico.plan import CoursePlan, PlannedEntry
from metsor.insilico.presets import ToxicityProfile, inactive_drug_profile, toxicity_profile
from metsor.insilico.recording import record_page
from metsor.insilico.recruitment import Candidate, RecruitmentPlan, plan_recruitment
from metsor.insilico.result import VirtualTrialResult, consort_flow
from metsor.insilico.scenario import VirtualScenario, scenario_for
from metsor.protocol import Protocol, builtin
from metsor.services.access import SITE_ROLES
from metsor.services.allocation_seed import SeedSource
from metsor.services.context import Database, unit_of_work
from metsor.services.enrollment import record_consent, register_subject
from metsor.services.randomize import randomize_subject
from metsor.services.reports import randomization_report, verify_audit
from metsor.services.setup import initialize, protocol_sites
from metsor.services.users import add_user, reset_password

__all__ = [
    "DEMO_PASSWORDS",
    "SITE_USERS",
    "TrialUser",
    "allocation_seed",
    "demo_password",
    "run_virtual_trial",
    "site_users",
    "trial_users",
]

SITE_USERS: dict[str, str] = {
    "investigator": "investigator",
    "coordinator": "coordinator",
    "data_manager": "data_manager",
    "monitor": "monitor",
    "statistician": "statistician",
}
"""Username of each user of the virtual trial (role → username); the site roles belong to the
protocol's first site (each further site has its own, :func:`site_users`)."""


def demo_password(username: str) -> str:
    """The known password of a virtual trial's user."""
    return f"metsor-demo-{username}"


DEMO_PASSWORDS: dict[str, str] = {
    username: demo_password(username) for username in ("admin", *SITE_USERS.values())
}
"""The known password of each user of a virtual trial's database (username → password), so
that a person can log in to it (``metsor login``, ``metsor serve``). A virtual trial's
database holds no real patient; never use these passwords for a real one."""

_OFFICE_HOURS = time(2, 0, tzinfo=UTC)  # 10:00 in Tianjin


def site_users(code: str, first: bool) -> dict[str, str]:
    """The investigator and coordinator of site ``code`` (role → username): those of
    :data:`SITE_USERS` at the first site, suffixed with the site's code at any other."""
    return {
        role: username if first else f"{username}-{code.lower()}"
        for role, username in SITE_USERS.items()
        if role in SITE_ROLES
    }


@dataclass(frozen=True)
class TrialUser:
    """A user of a virtual trial's database: username, role, site (None: the whole trial)."""

    username: str
    role: str
    site: str | None

    @property
    def password(self) -> str:
        """The user's known password (:func:`demo_password`)."""
        return demo_password(self.username)


def trial_users(site_codes: Sequence[str]) -> tuple[TrialUser, ...]:
    """Every user of a virtual trial whose sites are ``site_codes`` (the protocol's, in order):
    the administrator, the users of :data:`SITE_USERS` (the site roles at the first site,
    the others for the whole trial), then each further site's investigator and coordinator
    (:func:`site_users`)."""
    users = [TrialUser("admin", "admin", None)]
    users.extend(
        TrialUser(username, role, site_codes[0] if role in SITE_ROLES else None)
        for role, username in SITE_USERS.items()
    )
    users.extend(
        TrialUser(username, role, code)
        for code in site_codes[1:]
        for role, username in site_users(code, first=False).items()
    )
    return tuple(users)


def allocation_seed(seed: int) -> SeedSource:
    """The secret seed of the virtual trial's concealed list, derived from its seed."""
    digest = hashlib.sha256(f"metsor virtual trial allocation seed {seed}".encode()).digest()
    return SeedSource(digest, f"virtual trial seed {seed}")


@dataclass(order=True)
class _Step:
    """One thing the site does on a day; ``phase`` orders the kinds of step within a day."""

    on: date
    phase: int
    sequence: int
    action: str = field(compare=False)
    subject: str = field(compare=False, default="")
    candidate: Candidate | None = field(compare=False, default=None)
    entries: list[PlannedEntry] = field(compare=False, default_factory=list)


@dataclass
class _Site:
    """The state of the site while the virtual trial runs."""

    database: Database
    plan: RecruitmentPlan
    scenario: VirtualScenario
    seed: int
    codes: tuple[str, ...]
    protocol: Protocol
    verdicts: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    baselines: dict[str, tuple[Candidate, Baseline, np.random.Generator]] = field(
        default_factory=dict
    )
    plans: list[CoursePlan] = field(default_factory=list)
    consented: int = 0
    entries: int = 0
    calendar: list[_Step] = field(default_factory=list)
    site_of: dict[str, int] = field(default_factory=dict)
    _sequence: int = 0

    def users(self, subject: str) -> dict[str, str]:
        """The investigator and coordinator of the subject's site."""
        index = self.site_of[subject]
        return site_users(self.codes[index], index == 0)

    def on(self, day: date) -> Database:
        """The database as the site works on it on ``day``: the services' clock reads that
        day (10:00 in Tianjin), so the allocation is stamped with it and no date may lie
        after it."""
        moment = datetime.combine(day, _OFFICE_HOURS)
        return replace(self.database, clock=lambda: moment)

    def schedule(self, step: _Step) -> None:
        self._sequence += 1
        step.sequence = self._sequence
        heapq.heappush(self.calendar, step)

    def run(self) -> None:
        for candidate in self.plan.candidates:
            self.schedule(_Step(candidate.screened_on, 0, 0, "screen", candidate=candidate))
        while self.calendar:
            step = heapq.heappop(self.calendar)
            getattr(self, f"_{step.action}")(step)

    def _screen(self, step: _Step) -> None:
        candidate = step.candidate
        assert candidate is not None
        code = self.codes[candidate.site]
        investigator = site_users(code, candidate.site == 0)["investigator"]
        with unit_of_work(self.on(step.on), investigator) as ctx:
            result = register_subject(ctx, record=candidate.record, site=code, screened_on=step.on)
        self.verdicts.append((result.verdict, result.failed))
        if result.verdict == "eligible":
            self.site_of[result.subject_id] = candidate.site
            rng = np.random.default_rng([self.seed, 1, candidate.index])
            consent_on = step.on + timedelta(days=int(rng.integers(0, 4)))
            self.schedule(_Step(consent_on, 1, 0, "consent", result.subject_id, candidate))
            self.baselines[result.subject_id] = (candidate, _empty_baseline(), rng)

    def _consent(self, step: _Step) -> None:
        with unit_of_work(self.on(step.on), self.users(step.subject)["investigator"]) as ctx:
            record_consent(ctx, step.subject, consent_date=step.on)
        self.consented += 1
        candidate, _, rng = self.baselines[step.subject]
        baseline = plan_baseline(candidate.record, step.on, rng)
        self.baselines[step.subject] = (candidate, baseline, rng)
        self.schedule(_Step(step.on, 2, 0, "page", step.subject, entries=list(baseline.entries)))
        randomize_on = step.on + timedelta(days=int(rng.integers(1, 6)))
        self.schedule(_Step(randomize_on, 3, 0, "randomize", step.subject))

    def _randomize(self, step: _Step) -> None:
        with unit_of_work(self.on(step.on), self.users(step.subject)["investigator"]) as ctx:
            allocation = randomize_subject(ctx, step.subject)
        candidate, baseline, rng = self.baselines.pop(step.subject)
        plan = plan_course(
            subject_id=step.subject,
            arm=allocation.arm,
            stratum=allocation.stratum,
            site=self.codes[self.site_of[step.subject]],
            randomized_on=allocation.randomized_at.date(),
            cutoff=self.plan.cutoff,
            baseline=baseline,
            outcome=candidate.outcome(self._effect_arm(allocation.arm)),
            lost_share=self.scenario.lost_share,
            rng=rng,
            profile=self._toxicity(allocation.arm),
            protocol=self.protocol,
        )
        self.plans.append(plan)
        for on, entries in plan.by_day():
            if on >= plan.randomized_on:
                self.schedule(_Step(on, 4, 0, "page", step.subject, entries=entries))

    def _effect_arm(self, arm: str) -> bool:
        """Whether the arm lives the scenario's effect (the arm that is not the preset's)."""
        experimental = arm == self.protocol.experimental_arm.code
        return experimental if self.scenario.preset_arm == "control" else not experimental

    def _toxicity(self, arm: str) -> ToxicityProfile:
        """The preset's adverse events, or placebo's for an arm whose drugs are all inactive."""
        drugs = self.protocol.drugs_of(arm)
        if drugs and not any(drug.active for drug in drugs):
            return inactive_drug_profile(self.scenario.preset)
        return toxicity_profile(self.scenario.preset)

    def _page(self, step: _Step) -> None:
        self.entries += record_page(
            self.on(step.on),
            step.subject,
            step.on,
            step.entries,
            investigator=self.users(step.subject)["investigator"],
            coordinator=self.users(step.subject)["coordinator"],
        )


def _empty_baseline() -> Baseline:
    from metsor.insilico.lesions import TumourBurden

    return Baseline(0, {}, TumourBurden((), portal_vein_thrombus=False), "CT", ())


def _calendar_of(
    protocol: Protocol,
    n_target: int | None,
    start: date | None,
    accrual_months: float | None,
    follow_up_months: float | None,
) -> tuple[int, date, float, float]:
    """The calendar asked for, each part not given taken from the protocol."""
    assumptions = protocol.assumptions
    start = start or protocol.trial_start
    if accrual_months is None and assumptions is not None:
        accrual_months = assumptions.accrual_months
    if follow_up_months is None and assumptions is not None:
        follow_up_months = assumptions.follow_up_months
    if start is None or accrual_months is None or follow_up_months is None:
        raise InputError(
            f"protocol {protocol.nct_id} states no trial start, accrual or follow-up: give them",
            field="start",
        )
    target = protocol.design.target_enrollment if n_target is None else n_target
    return target, start, accrual_months, follow_up_months


def _reference(protocol: Protocol) -> str:
    experimental = protocol.experimental_arm.code
    return next(code for code in protocol.arm_codes if code != experimental)


def _check_calendar(n_target: int, accrual_months: float, follow_up_months: float) -> None:
    if isinstance(n_target, bool) or not isinstance(n_target, int) or n_target < 4:
        raise InputError(f"n_target must be a whole number ≥ 4, got {n_target!r}", field="n_target")
    if not 1.0 <= accrual_months <= 120.0:
        raise InputError(
            f"accrual_months must lie in [1, 120], got {accrual_months!r}", field="accrual_months"
        )
    if not 0.0 <= follow_up_months <= 120.0:
        raise InputError(
            f"follow_up_months must lie in [0, 120], got {follow_up_months!r}",
            field="follow_up_months",
        )


def _set_up(database: Database, seed: int, n_target: int, protocol: Protocol) -> tuple[str, ...]:
    init = initialize(
        database, seed=allocation_seed(seed), target_enrollment=n_target, protocol=protocol
    )
    if not init.scheme_created:
        raise ConflictError(
            f"the database {database.url} already holds a trial; the virtual trial needs an "
            "empty database",
            field="database_url",
        )
    codes = tuple(code for code, _ in protocol_sites(protocol))
    with unit_of_work(database, init.admin) as ctx:
        reset_password(
            ctx,
            init.admin,
            password=DEMO_PASSWORDS["admin"],
            reason="known password",
        )
        for user in trial_users(codes)[1:]:
            add_user(
                ctx, username=user.username, role=user.role, site=user.site, password=user.password
            )
    return codes


def run_virtual_trial(
    database: Database,
    *,
    seed: int,
    n_target: int | None = None,
    scenario: VirtualScenario | str | None = None,
    start: date | None = None,
    accrual_months: float | None = None,
    follow_up_months: float | None = None,
    datasets_dir: Path | None = None,
    protocol: Protocol | None = None,
    sign: bool = True,
    lock: bool = False,
) -> VirtualTrialResult:
    """Run the virtual trial of a protocol on an empty database through the services.

    Parameters
    ----------
    database
        An empty (or not yet migrated) trial database.
    seed
        Seed of every random draw: the same seed gives the same trial.
    n_target
        Subjects to randomize (default the protocol's target enrollment).
    scenario
        The truth outcomes are drawn under, or the name of a control-arm preset (default the
        protocol's scenario, :func:`metsor.insilico.scenario.scenario_for`).
    start
        First day of accrual (default the protocol's trial start).
    accrual_months, follow_up_months
        Accrual period, and follow-up after it to the data cut-off (default the protocol's
        design assumptions).
    datasets_dir
        Folder to export ADSL, ADTTE, ADRS and ADAE into; default a temporary one.
    protocol
        The protocol the trial runs, stored with it (default the built-in protocol).
    sign
        Whether the investigator signs, on the cut-off day, the casebook of every subject
        whose follow-up has ended.
    lock
        Whether the data manager then locks the study (nothing may change afterwards).

    Returns
    -------
    VirtualTrialResult
        CONSORT flow, randomization balance, endpoints, response, audit verification.

    Raises
    ------
    ConflictError
        When the database already holds a trial.
    InputError
        For an unusable scenario or calendar, or a cut-off in the future.
    """
    trial = protocol or builtin()
    scenario = VirtualScenario.of(scenario_for(trial.nct_id) if scenario is None else scenario)
    n_target, start, accrual_months, follow_up_months = _calendar_of(
        trial, n_target, start, accrual_months, follow_up_months
    )
    _check_calendar(n_target, accrual_months, follow_up_months)
    plan = plan_recruitment(
        n_target=n_target,
        scenario=scenario,
        start=start,
        accrual_months=accrual_months,
        follow_up_months=follow_up_months,
        rng=np.random.default_rng([seed, 0]),
        protocol=trial,
    )
    if plan.cutoff > datetime.now(UTC).date():
        raise InputError(
            f"the data cut-off {plan.cutoff} lies in the future; start the virtual trial earlier",
            field="start",
        )
    codes = _set_up(database, seed, n_target, trial)
    site = _Site(database, plan, scenario, seed, codes, trial)
    site.run()
    signed = (
        sign_ended_casebooks(
            database,
            site.plans,
            plan.cutoff,
            investigators={
                code: site_users(code, index == 0)["investigator"]
                for index, code in enumerate(codes)
            },
            passwords={
                **DEMO_PASSWORDS,
                **{
                    username: demo_password(username)
                    for index, code in enumerate(codes)
                    for username in site_users(code, index == 0).values()
                },
            },
        )
        if sign
        else {}
    )
    if lock:
        lock_study(database, plan.cutoff, data_manager=SITE_USERS["data_manager"])
    with tempfile.TemporaryDirectory(prefix="metsor-insilico-") as scratch:
        folder = datasets_dir or Path(scratch)
        with unit_of_work(database, SITE_USERS["data_manager"], readonly=True) as ctx:
            written = export_datasets(ctx, folder, cutoff=plan.cutoff)
            balance = randomization_report(ctx)
            audit = verify_audit(ctx)
        adsl = read_rows(written["adsl"])
        arms = (trial.experimental_arm.code or "", _reference(trial))
        endpoints = compare_endpoints(read_rows(written["adtte"]), arms)
        responses = compare_responses(read_rows(written["adrs"]), arms)
    first = audit.first_problem
    return VirtualTrialResult(
        seed=seed,
        scenario=scenario.to_dict(),
        start=plan.start,
        accrual_end=plan.accrual_end,
        cutoff=plan.cutoff,
        consort=consort_flow(site.verdicts, site.consented, adsl, site.plans, arms),
        balance=balance,
        endpoints=tuple(endpoints),
        responses=tuple(responses),
        audit={
            "intact": audit.intact,
            "audit_rows": audit.audit_rows,
            "field_changes": audit.field_changes,
            "transactions": audit.transactions,
            "records": audit.records,
            "counts": audit.counts,
            "first_problem": None if first is None else str(first),
        },
        entries=site.entries,
        sign_off={"casebooks_signed": sum(signed.values()), "study_locked": lock},
        datasets={} if datasets_dir is None else {k: str(v) for k, v in written.items()},
        plans=tuple(sorted(site.plans, key=lambda p: p.subject_id)),
        protocol={
            "nct_id": trial.nct_id,
            "acronym": trial.acronym,
            "arms": list(arms),
            "arm_labels": {code: trial.arm_by_code(code).display for code in arms},
        },
    )
