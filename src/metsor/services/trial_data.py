"""A trial read at a data cut-off: one frozen snapshot for the study report and the exports.

:func:`trial_snapshot` reads, in one read-only unit of work, everything the clinical study
report and the files handed to the world need, so that each of them formats the same data:

- the protocol (the built-in record of the trial, corrected) and the randomization scheme:
  arm codes and labels (experimental first, reference last, as the scheme stores them), ratio,
  strata, target enrollment, enrollment cap, method and the seed's fingerprint;
- the CONSORT 2010 flow (:class:`ConsortFlow`, :mod:`metsor.services.consort_flow`): assessed
  for eligibility, excluded with reasons, randomized and allocated per arm, received the
  allocated intervention, discontinued it (with reasons), died, withdrew, lost to follow-up,
  analysed; :meth:`ConsortFlow.problems` checks that the boxes add up;
- the analysis datasets ADSL, ADTTE, ADRS (:mod:`metsor.endpoints`) and ADAE
  (:func:`metsor.services.casebook.adae_rows`), at the cut-off; baseline AFP (ng/mL, the last
  ``afp`` laboratory value up to randomization) is added to each subject's course so that ADSL
  carries it;
- the inputs of dose intensity: every dosing event up to the cut-off with its daily dose, and
  each drug's full daily dose;
- deaths with their cause, withdrawals with their kind and reason;
- the audit chain's verification (when the acting role may verify it) and the database's lock
  state (the study's lock: "locked on … by …", else "not locked");
- the investigators' electronic signatures at the cut-off and each subject's lock state
  (:func:`metsor.services.sign_off.read_sign_off`).

Subjects are those the acting user may see (site isolation), randomized on or before the
cut-off; events after the cut-off are not counted. Rows are read-only mappings.

References
----------
Schulz KF, Altman DG, Moher D, for the CONSORT Group. CONSORT 2010 Statement. BMJ
2010;340:c332. ICH E3, Structure and Content of Clinical Study Reports (1995).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select

from metsor import endpoints
from metsor.errors import InputError
from metsor.protocol import Protocol
from metsor.services.access import PERMISSIONS, require
from metsor.services.casebook.datasets import adae_rows, subject_courses
from metsor.services.consort_flow import ConsortFlow, count_consort_flow
from metsor.services.context import ServiceContext
from metsor.services.scheme import current_scheme, enrollment_cap
from metsor.services.sign_off import SignOff, read_sign_off
from metsor.store.audit import verify
from metsor.store.models.casebook import Death, DoseEvent, LabResult, Withdrawal

__all__ = [
    "AuditSummary",
    "ConsortFlow",
    "DeathRecord",
    "DoseRecord",
    "LockState",
    "SchemeSummary",
    "TrialSnapshot",
    "WithdrawalRecord",
    "trial_snapshot",
]

Row = Mapping[str, Any]


@dataclass(frozen=True)
class SchemeSummary:
    """The randomization scheme as stored: arms (experimental first, reference last)."""

    method: str
    arms: tuple[str, ...]
    arm_labels: Mapping[str, str]
    ratio: tuple[int, ...]
    strata: tuple[str, ...]
    target_enrollment: int
    enrollment_cap: int
    seed_fingerprint: str

    @property
    def experimental(self) -> str:
        """Arm code of the experimental arm."""
        return self.arms[0]

    @property
    def reference(self) -> str:
        """Arm code of the reference (control) arm."""
        return self.arms[-1]

    def label(self, arm: str) -> str:
        """The arm's label (its code when it has none)."""
        return self.arm_labels.get(arm, arm)


@dataclass(frozen=True)
class DoseRecord:
    """One dosing event up to the cut-off; ``daily_mg`` is the level's mean daily dose
    (0 for an interruption or a discontinuation)."""

    subject_id: str
    arm: str
    drug: str
    event: str
    on: date
    level: str | None
    daily_mg: float
    reason: str | None


@dataclass(frozen=True)
class DeathRecord:
    """A death on or before the cut-off."""

    subject_id: str
    arm: str
    on: date
    cause: str


@dataclass(frozen=True)
class WithdrawalRecord:
    """A withdrawal or loss to follow-up on or before the cut-off."""

    subject_id: str
    arm: str
    kind: str
    on: date
    reason: str


@dataclass(frozen=True)
class AuditSummary:
    """The audit chain's verification; ``verified`` is False (with ``note``) when the acting
    role may not verify it.

    ``field_changes`` counts the field changes audited, ``audit_rows`` the rows they are
    stored in (one per record written) and ``transactions`` the chained transactions;
    ``counts`` says them all in words (:attr:`metsor.store.audit.VerifyReport.counts`).
    """

    verified: bool
    intact: bool | None
    audit_rows: int | None
    records: int | None
    first_problem: str | None
    note: str
    field_changes: int | None = None
    transactions: int | None = None
    counts: str | None = None


@dataclass(frozen=True)
class LockState:
    """Whether the database (the study) is locked (:mod:`metsor.services.monitoring.locks`)."""

    locked: bool = False
    description: str = "not locked"
    locked_at: datetime | None = None


@dataclass(frozen=True)
class TrialSnapshot:
    """Everything read from a trial database at one cut-off (see the module docstring)."""

    study_id: str
    protocol: Protocol
    cutoff: date | None
    as_of: date
    extracted_at: datetime
    extracted_by: str
    scheme: SchemeSummary
    consort: ConsortFlow
    courses: tuple[endpoints.SubjectCourse, ...] = field(repr=False)
    adsl: tuple[Row, ...] = field(repr=False)
    adtte: tuple[Row, ...] = field(repr=False)
    adrs: tuple[Row, ...] = field(repr=False)
    adae: tuple[Row, ...] = field(repr=False)
    dosing: tuple[DoseRecord, ...] = field(repr=False)
    full_daily_mg: Mapping[str, float]
    deaths: tuple[DeathRecord, ...]
    withdrawals: tuple[WithdrawalRecord, ...]
    audit: AuditSummary
    lock: LockState
    sign_off: SignOff

    def arm_of(self, subject_id: str) -> str:
        """The arm code of a randomized subject."""
        for course in self.courses:
            if course.subject_id == subject_id:
                return course.arm
        raise KeyError(subject_id)


def trial_snapshot(
    ctx: ServiceContext, *, cutoff: date | None = None, protocol: Protocol | None = None
) -> TrialSnapshot:
    """Read the trial at a data cut-off.

    Parameters
    ----------
    ctx
        A read-only service context of a role allowed to extract datasets.
    cutoff
        Data cut-off: nothing after it counts. ``None`` reads everything recorded.
    protocol
        The trial's protocol; the built-in NCT02672488 by default.

    Returns
    -------
    TrialSnapshot

    Raises
    ------
    InputError
        Naming ``cutoff`` when it lies after the trial's today.
    PermissionDeniedError
        When the acting role may not extract datasets.
    ConflictError
        When the database holds no randomization scheme.
    """
    require(ctx, "extract_datasets")
    today = ctx.today()
    if cutoff is not None and cutoff > today:
        raise InputError(f"cutoff {cutoff} lies after today ({today})", field="cutoff")
    protocol = ctx.protocol if protocol is None else protocol
    scheme = _scheme(ctx, protocol)
    courses = _with_afp(
        ctx,
        [c for c in subject_courses(ctx) if cutoff is None or c.randomized_on <= cutoff],
    )
    labels = scheme.arm_labels
    study_id = protocol.nct_id
    adsl = endpoints.adsl(
        courses,
        cutoff=cutoff,
        study_id=study_id,
        arm_labels=labels,
        stratification=protocol.stratification,
    )
    arms = {c.subject_id: c.arm for c in courses}
    dosing = _dosing(ctx, protocol, arms, cutoff)
    return TrialSnapshot(
        study_id=study_id,
        protocol=protocol,
        cutoff=cutoff,
        as_of=cutoff or today,
        extracted_at=ctx.now(),
        extracted_by=ctx.username,
        scheme=scheme,
        consort=count_consort_flow(
            ctx,
            scheme.arms,
            adsl,
            {d.subject_id for d in dosing if d.event == "start"},
            _discontinued(dosing),
            cutoff,
        ),
        courses=tuple(courses),
        adsl=_frozen(adsl),
        adtte=_frozen(
            endpoints.adtte(courses, cutoff=cutoff, study_id=study_id, arm_labels=labels)
        ),
        adrs=_frozen(endpoints.adrs(courses, cutoff=cutoff, study_id=study_id, arm_labels=labels)),
        adae=_frozen(adae_rows(ctx, courses, cutoff=cutoff, study_id=study_id, arm_labels=labels)),
        dosing=tuple(dosing),
        full_daily_mg=MappingProxyType(
            {drug.code: drug.full_dose.daily_mg for drug in protocol.study_drugs}
        ),
        deaths=tuple(
            DeathRecord(d.subject_id, arms[d.subject_id], d.death_date, d.cause)
            for d in ctx.session.scalars(select(Death).order_by(Death.subject_id))
            if d.subject_id in arms and (cutoff is None or d.death_date <= cutoff)
        ),
        withdrawals=tuple(
            WithdrawalRecord(w.subject_id, arms[w.subject_id], w.kind, w.withdrawn_on, w.reason)
            for w in ctx.session.scalars(select(Withdrawal).order_by(Withdrawal.subject_id))
            if w.subject_id in arms and (cutoff is None or w.withdrawn_on <= cutoff)
        ),
        audit=_audit(ctx),
        lock=_lock(ctx),
        sign_off=read_sign_off(ctx, cutoff=cutoff),
    )


def _lock(ctx: ServiceContext) -> LockState:
    from metsor.services.monitoring.locks import database_lock

    state = database_lock(ctx.session)
    return LockState(state.locked, state.description, state.locked_at)


def _frozen(rows: Sequence[Mapping[str, Any]]) -> tuple[Row, ...]:
    return tuple(MappingProxyType(dict(row)) for row in rows)


def _scheme(ctx: ServiceContext, protocol: Protocol) -> SchemeSummary:
    stored = current_scheme(ctx.session)
    arms = tuple(stored.arms)
    labels = protocol.arm_labels
    return SchemeSummary(
        method=stored.method,
        arms=arms,
        arm_labels=MappingProxyType({arm: labels.get(arm, arm) for arm in arms}),
        ratio=tuple(stored.ratio),
        strata=tuple(stored.strata),
        target_enrollment=stored.target_enrollment,
        enrollment_cap=enrollment_cap(ctx.session, stored),
        seed_fingerprint=stored.seed_fingerprint,
    )


def _with_afp(
    ctx: ServiceContext, courses: list[endpoints.SubjectCourse]
) -> list[endpoints.SubjectCourse]:
    """Each course with its baseline AFP (the last ``afp`` value up to randomization)."""
    values: dict[str, list[tuple[date, float]]] = {}
    for subject_id, day, value in ctx.session.execute(
        select(LabResult.subject_id, LabResult.collected_on, LabResult.standard_value)
        .where(LabResult.analyte == "afp")
        .order_by(LabResult.collected_on, LabResult.id)
    ):
        values.setdefault(subject_id, []).append((day, value))
    result = []
    for course in courses:
        before = [v for day, v in values.get(course.subject_id, ()) if day <= course.randomized_on]
        if before:
            course = replace(course, baseline={**course.baseline, "afp_ng_ml": before[-1]})
        result.append(course)
    return result


def _dosing(
    ctx: ServiceContext, protocol: Protocol, arms: Mapping[str, str], cutoff: date | None
) -> list[DoseRecord]:
    daily = {level.code: level.daily_mg for drug in protocol.study_drugs for level in drug.levels}
    records = []
    for event in ctx.session.scalars(
        select(DoseEvent).order_by(DoseEvent.subject_id, DoseEvent.event_date, DoseEvent.id)
    ):
        if event.subject_id not in arms or (cutoff is not None and event.event_date > cutoff):
            continue
        stopped = event.event in ("interrupt", "discontinue") or event.level is None
        records.append(
            DoseRecord(
                subject_id=event.subject_id,
                arm=arms[event.subject_id],
                drug=event.drug,
                event=event.event,
                on=event.event_date,
                level=event.level,
                daily_mg=0.0 if stopped else daily.get(str(event.level), 0.0),
                reason=event.reason,
            )
        )
    return records


def _discontinued(dosing: Sequence[DoseRecord]) -> dict[str, tuple[str, str]]:
    """Subject → (arm, reason) for those who stopped every study drug they started."""
    state: dict[str, dict[str, DoseRecord]] = {}
    for record in dosing:
        state.setdefault(record.subject_id, {})[record.drug] = record
    stopped = {}
    for subject_id, last in state.items():
        if all(r.event == "discontinue" for r in last.values()):
            final = max(last.values(), key=lambda r: r.on)
            why = (final.reason or "reason not given").strip().rstrip(".")
            stopped[subject_id] = (final.arm, why[:1].upper() + why[1:])
    return stopped


def _audit(ctx: ServiceContext) -> AuditSummary:
    if ctx.actor.role not in PERMISSIONS["verify_audit"]:
        return AuditSummary(
            verified=False,
            intact=None,
            audit_rows=None,
            records=None,
            first_problem=None,
            note=f"not verified: the role {ctx.actor.role} may not verify the audit chain",
        )
    report = verify(ctx.session)
    first = report.first_problem
    return AuditSummary(
        verified=True,
        intact=report.intact,
        audit_rows=report.audit_rows,
        records=report.records,
        first_problem=None if first is None else str(first),
        note="audit chain intact" if report.intact else "audit chain broken",
        field_changes=report.field_changes,
        transactions=report.transactions,
        counts=report.counts,
    )
