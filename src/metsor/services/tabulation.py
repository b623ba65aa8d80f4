"""The casebook as recorded, read once for tabulation (SDTM) and the analysis datasets.

A read-only use case: :func:`casebook_records` returns a frozen :class:`CasebookRecords`
holding every registered subject the acting user may see (site, status, screening, consent,
allocation) and every record of their course (visits, visits recorded as not done, doses,
laboratory values, vital signs, adverse events with relatedness and action per drug, tumour
assessments with their lesions, deaths, withdrawals, new anticancer therapies, survival
contacts), each row a read-only mapping of the table's columns. At a data cut-off, what is
dated after it is left out, so that the tabulation and the analysis datasets (ADSL, ADTTE, ADRS
and ADAE of the trial's snapshot at the same cut-off,
:func:`metsor.services.trial_data.trial_snapshot`, which the study report reads too) describe
the same trial.

The export layer (:mod:`metsor.export`) turns these rows into files; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import select

from metsor import endpoints
from metsor.endpoints.adverse_events import adae_columns
from metsor.protocol import Protocol
from metsor.services.access import require, visible
from metsor.services.casebook.datasets import AnalysisDatasets
from metsor.services.context import ServiceContext
from metsor.services.trial_data import TrialSnapshot, trial_snapshot
from metsor.store.models.casebook import (
    AdverseEvent,
    AdverseEventDrug,
    AnticancerTherapy,
    Death,
    DoseEvent,
    LabResult,
    MissedVisit,
    SurvivalContact,
    TumourAssessment,
    TumourLesion,
    Visit,
    VitalSigns,
    Withdrawal,
)
from metsor.store.models.core import (
    Allocation,
    Consent,
    Screening,
    Site,
    Subject,
)

__all__ = ["CasebookRecords", "Record", "casebook_records"]

Record = Mapping[str, Any]
"""One stored row: column name → value (dates as :class:`datetime.date`), read-only."""

_DATED: tuple[tuple[str, type[Any], str], ...] = (
    ("visits", Visit, "actual_date"),
    ("missed_visits", MissedVisit, "missed_on"),
    ("doses", DoseEvent, "event_date"),
    ("labs", LabResult, "collected_on"),
    ("vital_signs", VitalSigns, "measured_on"),
    ("adverse_events", AdverseEvent, "onset_date"),
    ("tumour_assessments", TumourAssessment, "assessed_on"),
    ("deaths", Death, "death_date"),
    ("withdrawals", Withdrawal, "withdrawn_on"),
    ("therapies", AnticancerTherapy, "started_on"),
    ("survival_contacts", SurvivalContact, "contact_on"),
)


@dataclass(frozen=True)
class CasebookRecords:
    """What is recorded of the visible subjects, up to a data cut-off.

    Attributes
    ----------
    cutoff
        The data cut-off, or None for everything recorded.
    arms
        The arm codes of the randomization scheme, in its order.
    subjects
        One row per registered subject, by subject id: ``subject_id``, ``site`` (code),
        ``site_name``, ``status``, ``registered_on``, ``screened_on``, ``verdict``,
        ``screening`` (the latest screening record as entered), ``consented_on``, and for a
        randomized subject ``arm``, ``stratum``, ``randomized_on`` (else None).
    visits, missed_visits, doses, labs, vital_signs, adverse_events, tumour_assessments,
    deaths, withdrawals, therapies, survival_contacts
        The rows of each casebook table, by subject, date and id (of ``missed_visits``, the
        marks that stand: a retracted one says nothing of the visit). An adverse event row has
        ``drugs``: a mapping of study drug → ``{"relatedness", "action_taken"}``; a tumour
        assessment row has ``lesions``: its lesion rows by lesion id.
    datasets
        ADSL, ADTTE, ADRS and ADAE rows at the same cut-off, those of ``snapshot``.
    snapshot
        The trial read at the cut-off (:func:`metsor.services.trial_data.trial_snapshot`):
        protocol, scheme, CONSORT flow, the analysis datasets; the study report reads the same.
    """

    cutoff: date | None
    arms: tuple[str, ...]
    subjects: tuple[Record, ...]
    visits: tuple[Record, ...]
    missed_visits: tuple[Record, ...]
    doses: tuple[Record, ...]
    labs: tuple[Record, ...]
    vital_signs: tuple[Record, ...]
    adverse_events: tuple[Record, ...]
    tumour_assessments: tuple[Record, ...]
    deaths: tuple[Record, ...]
    withdrawals: tuple[Record, ...]
    therapies: tuple[Record, ...]
    survival_contacts: tuple[Record, ...]
    datasets: AnalysisDatasets
    snapshot: TrialSnapshot


def casebook_records(
    ctx: ServiceContext, *, cutoff: date | None = None, protocol: Protocol | None = None
) -> CasebookRecords:
    """Read the casebook of every subject the acting user may see, up to ``cutoff``.

    Parameters
    ----------
    ctx
        The service context (a role allowed to extract datasets).
    cutoff
        Data cut-off: records dated after it are left out; None keeps everything.
    protocol
        The trial's protocol; the built-in one by default.

    Returns
    -------
    CasebookRecords

    Raises
    ------
    InputError
        Naming ``cutoff`` when it lies after the trial's today.
    """
    require(ctx, "extract_datasets")
    snapshot = trial_snapshot(ctx, cutoff=cutoff, protocol=protocol)
    subjects = _subjects(ctx, cutoff)
    ids = {row["subject_id"] for row in subjects}
    tables: dict[str, tuple[Record, ...]] = {}
    for name, model, column in _DATED:
        query = select(model).where(model.subject_id.in_(ids))
        if cutoff is not None:
            query = query.where(getattr(model, column) <= cutoff)
        rows = [_columns(obj) for obj in ctx.session.scalars(query)]
        tables[name] = tuple(sorted(rows, key=_ordering(column)))
    return CasebookRecords(
        cutoff=cutoff,
        arms=tuple(snapshot.scheme.arms),
        subjects=tuple(MappingProxyType(row) for row in subjects),
        visits=_frozen(tables["visits"]),
        missed_visits=_frozen(tuple(r for r in tables["missed_visits"] if not r["retracted"])),
        doses=_frozen(tables["doses"]),
        labs=_frozen(tables["labs"]),
        vital_signs=_frozen(tables["vital_signs"]),
        adverse_events=_frozen(_with_drugs(ctx, tables["adverse_events"])),
        tumour_assessments=_frozen(_with_lesions(ctx, tables["tumour_assessments"])),
        deaths=_frozen(tables["deaths"]),
        withdrawals=_frozen(tables["withdrawals"]),
        therapies=_frozen(tables["therapies"]),
        survival_contacts=_frozen(tables["survival_contacts"]),
        datasets=AnalysisDatasets(
            cutoff=cutoff,
            courses=tuple(snapshot.courses),
            columns=MappingProxyType(
                {"adsl": endpoints.adsl_columns(snapshot.protocol.stratification),
                 "adtte": endpoints.ADTTE_COLUMNS, "adrs": endpoints.ADRS_COLUMNS,
                 "adae": adae_columns(tuple(d.code for d in snapshot.protocol.study_drugs))}
            ),
            rows=MappingProxyType(
                {"adsl": snapshot.adsl, "adtte": snapshot.adtte, "adrs": snapshot.adrs,
                 "adae": snapshot.adae}
            ),
        ),
        snapshot=snapshot,
    )  # fmt: skip


def _ordering(column: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Sort key of a table's rows: subject, then the date column, then id."""

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return (row["subject_id"], row[column], row["id"])

    return key


def _columns(obj: Any) -> dict[str, Any]:
    return {column.key: getattr(obj, column.key) for column in obj.__table__.columns}


def _frozen(rows: tuple[Record, ...]) -> tuple[Record, ...]:
    return tuple(MappingProxyType(dict(row)) for row in rows)


def _subjects(ctx: ServiceContext, cutoff: date | None) -> list[dict[str, Any]]:
    session = ctx.session
    found = session.execute(
        visible(
            ctx,
            select(Subject, Site.code, Site.name).join(Site, Site.id == Subject.site_id),
        ).order_by(Subject.subject_id)
    ).all()
    screenings: dict[str, Screening] = {}
    for stored in session.scalars(select(Screening).order_by(Screening.screened_on, Screening.id)):
        screenings[stored.subject_id] = stored
    consents = {c.subject_id: c.consent_date for c in session.scalars(select(Consent))}
    allocations = {a.subject_id: a for a in session.scalars(select(Allocation))}
    rows = []
    for subject, site_code, site_name in found:
        screening = screenings.get(subject.subject_id)
        if screening is not None and cutoff is not None and screening.screened_on > cutoff:
            continue
        allocation = allocations.get(subject.subject_id)
        randomized_on = None if allocation is None else allocation.randomized_at.date()
        if randomized_on is not None and cutoff is not None and randomized_on > cutoff:
            allocation, randomized_on = None, None
        consented = consents.get(subject.subject_id)
        if consented is not None and cutoff is not None and consented > cutoff:
            consented = None
        rows.append(
            {
                "subject_id": subject.subject_id,
                "site": site_code,
                "site_name": site_name,
                "status": subject.status,
                "registered_on": subject.registered_at.date(),
                "screened_on": None if screening is None else screening.screened_on,
                "verdict": None if screening is None else screening.verdict,
                "screening": MappingProxyType(dict(screening.record)) if screening else None,
                "consented_on": consented,
                "arm": None if allocation is None else allocation.arm,
                "stratum": None if allocation is None else allocation.stratum,
                "randomized_on": randomized_on,
            }
        )
    return rows


def _with_drugs(ctx: ServiceContext, events: tuple[Record, ...]) -> tuple[Record, ...]:
    drugs: dict[int, dict[str, Mapping[str, str]]] = {}
    ids = [event["id"] for event in events]
    for assessed in ctx.session.scalars(
        select(AdverseEventDrug).where(AdverseEventDrug.adverse_event_id.in_(ids))
    ):
        drugs.setdefault(assessed.adverse_event_id, {})[assessed.drug] = MappingProxyType(
            {"relatedness": assessed.relatedness, "action_taken": assessed.action_taken}
        )
    return tuple(
        {**event, "drugs": MappingProxyType(drugs.get(event["id"], {}))} for event in events
    )


def _with_lesions(ctx: ServiceContext, assessments: tuple[Record, ...]) -> tuple[Record, ...]:
    lesions: dict[int, list[Record]] = {}
    ids = [assessment["id"] for assessment in assessments]
    for lesion in ctx.session.scalars(
        select(TumourLesion)
        .where(TumourLesion.assessment_id.in_(ids))
        .order_by(TumourLesion.assessment_id, TumourLesion.lesion_id)
    ):
        lesions.setdefault(lesion.assessment_id, []).append(MappingProxyType(_columns(lesion)))
    return tuple(
        {**assessment, "lesions": tuple(lesions.get(assessment["id"], ()))}
        for assessment in assessments
    )
