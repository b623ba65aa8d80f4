"""Analysis datasets from the stored casebook: ADSL, ADTTE, ADRS and ADAE, as rows.

Each randomized subject's records become a :class:`metsor.endpoints.SubjectCourse`:

- time zero is the randomization date; the arm, stratum and site come from the allocation;
- ``last_known_alive_on`` is the latest date of any clinical record (visit, dose, laboratory
  sample, vital signs, adverse event, tumour assessment), start of an anticancer therapy,
  survival contact with status ``alive``, or the last contact noted at withdrawal;
- ``new_anticancer_therapy_on`` is the earliest start of an anticancer therapy recorded
  besides the study treatment (:mod:`~metsor.services.casebook.therapies`);
- the post-baseline tumour assessments carry their stored RECIST 1.1 and mRECIST responses;
- a withdrawal of kind ``lost_to_follow_up`` gives ``lost_to_follow_up_on``, any other kind
  ``withdrawn_on``;
- baseline characteristics come from the latest screening record: age, sex, race, ECOG,
  macrovascular invasion, extrahepatic spread, AFP, aetiology, and the Child-Pugh points and
  BCLC stage (2022) derived from it as screening derives them
  (:mod:`metsor.eligibility.derived`), with the eligibility settings in force
  (:attr:`metsor.services.context.ServiceContext.eligibility`, resolved when the database is
  opened: the albumin cut-off of ``METSOR_CHILD_PUGH_ALBUMIN_CUTOFF``).

ADSL, ADTTE and ADRS are derived by :mod:`metsor.endpoints.datasets`, ADAE by
:mod:`metsor.endpoints.adverse_events`, all four at the same data cut-off
(:func:`analysis_datasets`). Writing them to files is the export layer's job
(:func:`metsor.export.export_datasets`).

References
----------
CDISC Analysis Data Model (ADaM) Implementation Guide v1.3; ADaM Structure for Occurrence
Data (OCCDS) v1.1 (ADAE).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select

from metsor import endpoints
from metsor.eligibility import EligibilitySettings, parse_record
from metsor.eligibility.derived import bclc_of, child_pugh_bounds
from metsor.endpoints.adverse_events import RecordedAdverseEvent, adae, adae_columns
from metsor.errors import ConflictError, InputError
from metsor.services.access import require, visible
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import (
    AdverseEvent,
    AdverseEventDrug,
    AnticancerTherapy,
    Death,
    DoseEvent,
    LabResult,
    SurvivalContact,
    TumourAssessment,
    Visit,
    VitalSigns,
    Withdrawal,
)
from metsor.store.models.core import Allocation, Screening, Site, Subject

__all__ = [
    "AnalysisDatasets",
    "adae_rows",
    "analysis_datasets",
    "subject_courses",
]


def subject_courses(ctx: ServiceContext) -> list[endpoints.SubjectCourse]:
    """The course of every randomized subject the user may see, in subject order.

    Parameters
    ----------
    ctx
        The service context (a role allowed to extract datasets).

    Returns
    -------
    list of SubjectCourse
        One per randomized subject.
    """
    require(ctx, "extract_datasets")
    session = ctx.session
    rows = session.execute(
        visible(
            ctx,
            select(Subject.subject_id, Site.code, Allocation)
            .join(Allocation, Allocation.subject_id == Subject.subject_id)
            .join(Site, Site.id == Subject.site_id),
        ).order_by(Subject.subject_id)
    ).all()
    ids = [row[0] for row in rows]
    deaths = {
        subject_id: day
        for subject_id, day in session.execute(select(Death.subject_id, Death.death_date))
    }
    withdrawals = {w.subject_id: w for w in session.scalars(select(Withdrawal))}
    therapies = {
        subject_id: day
        for subject_id, day in session.execute(
            select(AnticancerTherapy.subject_id, func.min(AnticancerTherapy.started_on)).group_by(
                AnticancerTherapy.subject_id
            )
        )
    }
    last_seen = _last_dates(ctx)
    assessments: dict[str, list[endpoints.TumourAssessmentResult]] = defaultdict(list)
    for record in session.scalars(
        select(TumourAssessment).where(TumourAssessment.is_baseline.is_(False))
    ):
        if record.recist_response is None or record.mrecist_response is None:
            continue
        assessments[record.subject_id].append(
            endpoints.TumourAssessmentResult(
                date=record.assessed_on,
                mrecist=record.mrecist_response,  # type: ignore[arg-type]  # computed on entry
                recist=record.recist_response,  # type: ignore[arg-type]  # computed on entry
                adequate=record.adequate,
            )
        )
    baselines = _baselines(ctx, ids)
    courses = []
    for subject_id, site_code, allocation in rows:
        withdrawal = withdrawals.get(subject_id)
        lost = withdrawal is not None and withdrawal.kind == "lost_to_follow_up"
        alive = [d for d in (last_seen.get(subject_id), _contact(withdrawal)) if d is not None]
        courses.append(
            endpoints.SubjectCourse(
                subject_id=subject_id,
                arm=allocation.arm,
                site=site_code,
                stratum=allocation.stratum,
                randomized_on=allocation.randomized_at.date(),
                last_known_alive_on=max(alive) if alive else None,
                death_on=deaths.get(subject_id),
                tumour_assessments=tuple(assessments.get(subject_id, ())),
                new_anticancer_therapy_on=therapies.get(subject_id),
                withdrawn_on=None if withdrawal is None or lost else withdrawal.withdrawn_on,
                lost_to_follow_up_on=_lost_on(withdrawal),
                baseline=baselines.get(subject_id, {}),
            )
        )
    return courses


def _lost_on(withdrawal: Withdrawal | None) -> date | None:
    if withdrawal is None or withdrawal.kind != "lost_to_follow_up":
        return None
    return withdrawal.withdrawn_on


def _contact(withdrawal: Withdrawal | None) -> date | None:
    return None if withdrawal is None else withdrawal.last_contact_date


def _last_dates(ctx: ServiceContext) -> dict[str, date]:
    columns: tuple[tuple[Any, Any], ...] = (
        (Visit.subject_id, Visit.actual_date),
        (DoseEvent.subject_id, DoseEvent.event_date),
        (LabResult.subject_id, LabResult.collected_on),
        (VitalSigns.subject_id, VitalSigns.measured_on),
        (AdverseEvent.subject_id, AdverseEvent.onset_date),
        (TumourAssessment.subject_id, TumourAssessment.assessed_on),
        (AnticancerTherapy.subject_id, AnticancerTherapy.started_on),
    )
    queries = [select(owner, func.max(column)).group_by(owner) for owner, column in columns]
    queries.append(
        select(SurvivalContact.subject_id, func.max(SurvivalContact.contact_on))
        .where(SurvivalContact.status == "alive")
        .group_by(SurvivalContact.subject_id)
    )
    latest: dict[str, date] = {}
    for query in queries:
        for subject_id, day in ctx.session.execute(query):
            if day is not None and (subject_id not in latest or day > latest[subject_id]):
                latest[subject_id] = day
    return latest


def _baselines(ctx: ServiceContext, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, Screening] = {}
    for screening in ctx.session.scalars(
        select(Screening).order_by(Screening.screened_on, Screening.id)
    ):
        found[screening.subject_id] = screening
    chosen = ctx.eligibility
    result = {}
    for subject_id in ids:
        latest = found.get(subject_id)
        if latest is not None:
            result[subject_id] = _baseline(subject_id, latest.record, chosen)
    return result


def _baseline(
    subject_id: str, stored: Mapping[str, Any], chosen: EligibilitySettings
) -> dict[str, Any]:
    """ADSL baseline values of one screening record, scores derived as screening derives them."""
    try:
        record = parse_record(stored)
    except InputError as exc:
        raise ConflictError(
            f"the screening record of subject {subject_id} cannot be read: {exc}",
            field="subject_id",
        ) from None
    bounds = child_pugh_bounds(record, chosen.albumin_cutoff_g_dl)
    tumour = record.tumour
    return {
        "age": record.age_years,
        "sex": record.sex,
        "race": record.race,
        "ecog": record.ecog,
        "macrovascular_invasion": None if tumour is None else tumour.macrovascular_invasion,
        "extrahepatic_spread": None if tumour is None else tumour.extrahepatic_spread,
        "child_pugh_score": None if bounds.known is None else bounds.known.points,
        "bclc_stage": bclc_of(record, bounds),
        "afp_ng_ml": None if tumour is None else tumour.afp_ng_ml,
        "aetiology": None if record.history is None else record.history.aetiology,
    }


def adae_rows(
    ctx: ServiceContext,
    courses: Sequence[endpoints.SubjectCourse],
    *,
    cutoff: date | None = None,
    study_id: str | None = None,
    arm_labels: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Adverse-event analysis dataset: one row per adverse event of the given subjects.

    The events, their relatedness and action per study drug and each subject's first dose
    are read here; the rows are derived by :func:`metsor.endpoints.adverse_events.adae`.

    Parameters
    ----------
    ctx
        The service context.
    courses
        The subjects whose events to list (from :func:`subject_courses`).
    cutoff
        Leave out events with onset after this date.
    study_id, arm_labels
        As for :func:`metsor.endpoints.adsl` (default the protocol stored with the trial's).

    Returns
    -------
    list of dict
        Rows with the columns of :func:`metsor.endpoints.adverse_events.adae_columns` of the
        protocol's study drugs, by subject then onset.
    """
    ids = [course.subject_id for course in courses]
    first_dose = {
        subject_id: day
        for subject_id, day in ctx.session.execute(
            select(DoseEvent.subject_id, func.min(DoseEvent.event_date))
            .where(DoseEvent.event == "start", DoseEvent.subject_id.in_(ids))
            .group_by(DoseEvent.subject_id)
        )
    }
    per_drug: dict[int, dict[str, tuple[str, str]]] = defaultdict(dict)
    for assessed in ctx.session.scalars(select(AdverseEventDrug)):
        per_drug[assessed.adverse_event_id][assessed.drug] = (
            assessed.relatedness,
            assessed.action_taken,
        )
    events = [
        RecordedAdverseEvent(
            subject_id=event.subject_id,
            term=event.term,
            grade=event.grade,
            ctcae_version=event.ctcae_version,
            serious=event.serious,
            onset_date=event.onset_date,
            resolution_date=event.resolution_date,
            outcome=event.outcome,
            drugs=MappingProxyType(per_drug.get(event.id, {})),
        )
        for event in ctx.session.scalars(
            select(AdverseEvent)
            .where(AdverseEvent.subject_id.in_(ids))
            .order_by(AdverseEvent.subject_id, AdverseEvent.onset_date, AdverseEvent.id)
        )
    ]
    protocol = ctx.protocol
    return adae(
        events,
        courses,
        first_dose=first_dose,
        drugs=tuple(drug.code for drug in protocol.study_drugs),
        cutoff=cutoff,
        study_id=protocol.nct_id if study_id is None else study_id,
        arm_labels=protocol.arm_labels if arm_labels is None else arm_labels,
    )


@dataclass(frozen=True)
class AnalysisDatasets:
    """ADSL, ADTTE, ADRS and ADAE of the randomized subjects at one data cut-off.

    ``columns`` gives each dataset's columns in order, ``rows`` its rows (dicts of those
    columns; dates as :class:`datetime.date`, unknown values None), both keyed by the
    lower-case dataset name (``adsl``, ``adtte``, ``adrs``, ``adae``).
    """

    cutoff: date | None
    courses: tuple[endpoints.SubjectCourse, ...]
    columns: Mapping[str, tuple[str, ...]]
    rows: Mapping[str, tuple[Mapping[str, Any], ...]]


def analysis_datasets(ctx: ServiceContext, *, cutoff: date | None = None) -> AnalysisDatasets:
    """ADSL, ADTTE, ADRS and ADAE of the randomized subjects the user may see.

    Parameters
    ----------
    ctx
        The service context (a role allowed to extract datasets).
    cutoff
        Data cut-off date: events after it are not counted, follow-up is censored at it (in
        ADSL too: a death, withdrawal or therapy after it is not shown); subjects randomized
        after it are left out.

    Returns
    -------
    AnalysisDatasets
    """
    courses = tuple(
        course
        for course in subject_courses(ctx)
        if cutoff is None or course.randomized_on <= cutoff
    )
    protocol = ctx.protocol
    study, labels = protocol.nct_id, protocol.arm_labels
    drugs = tuple(drug.code for drug in protocol.study_drugs)
    built: dict[str, tuple[tuple[str, ...], list[dict[str, Any]]]] = {
        "adsl": (
            endpoints.adsl_columns(protocol.stratification),
            endpoints.adsl(
                courses,
                cutoff=cutoff,
                study_id=study,
                arm_labels=labels,
                stratification=protocol.stratification,
            ),
        ),
        "adtte": (
            endpoints.ADTTE_COLUMNS,
            endpoints.adtte(
                courses,
                cutoff=cutoff,
                study_id=study,
                arm_labels=labels,
                rules=protocol.endpoint_rules,
            ),
        ),
        "adrs": (
            endpoints.ADRS_COLUMNS,
            endpoints.adrs(
                courses,
                cutoff=cutoff,
                study_id=study,
                arm_labels=labels,
                rules=protocol.endpoint_rules,
            ),
        ),
        "adae": (adae_columns(drugs), adae_rows(ctx, courses, cutoff=cutoff)),
    }
    return AnalysisDatasets(
        cutoff=cutoff,
        courses=courses,
        columns=MappingProxyType({name: columns for name, (columns, _) in built.items()}),
        rows=MappingProxyType(
            {
                name: tuple(MappingProxyType(row) for row in rows)
                for name, (_, rows) in built.items()
            }
        ),
    )
