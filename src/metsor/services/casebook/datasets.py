"""Analysis datasets from the stored casebook: ADSL, ADTTE, ADRS and ADAE.

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
- baseline characteristics come from the latest screening record: age, sex, ECOG,
  macrovascular invasion, extrahepatic spread, and the Child-Pugh points and BCLC stage (2022)
  derived from it as screening derives them (:mod:`metsor.eligibility.derived`), with the
  eligibility settings in force (:func:`metsor.config.eligibility_settings`: the albumin
  cut-off of ``METSOR_CHILD_PUGH_ALBUMIN_CUTOFF``).

ADSL, ADTTE and ADRS are built by :mod:`metsor.endpoints.datasets`, all three at the same data
cut-off; ADAE, one row per adverse event, here. :func:`export_datasets` writes the four as CSV
files that ``metsor analyze survival --input adtte.csv --param OS --time AVAL --event EVENT
--group ARM`` reads as they are.

References
----------
CDISC Analysis Data Model (ADaM) Implementation Guide v1.3; ADaM Structure for Occurrence
Data (OCCDS) v1.1 (ADAE).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from metsor import endpoints
from metsor.config import eligibility_settings
from metsor.eligibility import EligibilitySettings, parse_record
from metsor.eligibility.derived import bclc_of, child_pugh_bounds
from metsor.errors import ConflictError, InputError
from metsor.services.access import require, visible
from metsor.services.casebook.dose_levels import DOSE_LEVELS
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

__all__ = ["ADAE_COLUMNS", "adae_rows", "export_datasets", "subject_courses"]

_DRUG_COLUMNS = tuple(
    f"{prefix}_{drug.upper()}" for drug in DOSE_LEVELS for prefix in ("AREL", "AACN")
)

ADAE_COLUMNS: tuple[str, ...] = (
    "STUDYID", "USUBJID", "SITEID", "ARMCD", "ARM", "AESEQ", "AETERM", "AETOXGR", "ATOXGRV",
    "AESER", "ASTDT", "AENDT", "ASTDY", "AEOUT", "TRTEMFL", "AREL", *_DRUG_COLUMNS,
)  # fmt: skip
"""Columns of ADAE: per study drug its relatedness (``AREL_<DRUG>``) and action
(``AACN_<DRUG>``); ``AREL`` is ``Y`` when any drug is possibly, probably or definitely
related; ``TRTEMFL`` is ``Y`` for an onset on or after the first dose."""

_RELATED = ("possible", "probable", "definite")


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
    chosen = eligibility_settings()
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
        "ecog": record.ecog,
        "macrovascular_invasion": None if tumour is None else tumour.macrovascular_invasion,
        "extrahepatic_spread": None if tumour is None else tumour.extrahepatic_spread,
        "child_pugh_score": None if bounds.known is None else bounds.known.points,
        "bclc_stage": bclc_of(record, bounds),
    }


def adae_rows(
    ctx: ServiceContext,
    courses: Sequence[endpoints.SubjectCourse],
    *,
    cutoff: date | None = None,
    study_id: str = endpoints.STUDY_ID,
    arm_labels: Mapping[str, str] = endpoints.METSOR_ARM_LABELS,
) -> list[dict[str, Any]]:
    """Adverse-event analysis dataset: one row per adverse event of the given subjects.

    Parameters
    ----------
    ctx
        The service context.
    courses
        The subjects whose events to list (from :func:`subject_courses`).
    cutoff
        Leave out events with onset after this date.
    study_id, arm_labels
        As for :func:`metsor.endpoints.adsl`.

    Returns
    -------
    list of dict
        Rows with the columns of :data:`ADAE_COLUMNS`, by subject then onset.
    """
    by_subject = {course.subject_id: course for course in courses}
    first_dose = {
        subject_id: day
        for subject_id, day in ctx.session.execute(
            select(DoseEvent.subject_id, func.min(DoseEvent.event_date))
            .where(DoseEvent.event == "start")
            .group_by(DoseEvent.subject_id)
        )
    }
    per_drug: dict[int, dict[str, AdverseEventDrug]] = defaultdict(dict)
    for assessed in ctx.session.scalars(select(AdverseEventDrug)):
        per_drug[assessed.adverse_event_id][assessed.drug] = assessed
    events = ctx.session.scalars(
        select(AdverseEvent).order_by(
            AdverseEvent.subject_id, AdverseEvent.onset_date, AdverseEvent.id
        )
    )
    rows: list[dict[str, Any]] = []
    sequence: dict[str, int] = defaultdict(int)
    for event in events:
        course = by_subject.get(event.subject_id)
        if course is None or (cutoff is not None and event.onset_date > cutoff):
            continue
        sequence[event.subject_id] += 1
        drugs = per_drug.get(event.id, {})
        dosed = first_dose.get(event.subject_id)
        row: dict[str, Any] = {
            "STUDYID": study_id,
            "USUBJID": f"{study_id}-{event.subject_id}",
            "SITEID": course.site,
            "ARMCD": course.arm,
            "ARM": arm_labels.get(course.arm, course.arm),
            "AESEQ": sequence[event.subject_id],
            "AETERM": event.term,
            "AETOXGR": event.grade,
            "ATOXGRV": event.ctcae_version,
            "AESER": "Y" if event.serious else "N",
            "ASTDT": event.onset_date,
            "AENDT": event.resolution_date,
            "ASTDY": _study_day(event.onset_date, course.randomized_on),
            "AEOUT": event.outcome,
            "TRTEMFL": "Y" if dosed is not None and event.onset_date >= dosed else "N",
            "AREL": "Y" if any(d.relatedness in _RELATED for d in drugs.values()) else "N",
        }
        for drug in DOSE_LEVELS:
            found = drugs.get(drug)
            row[f"AREL_{drug.upper()}"] = None if found is None else found.relatedness
            row[f"AACN_{drug.upper()}"] = None if found is None else found.action_taken
        rows.append({column: row[column] for column in ADAE_COLUMNS})
    return rows


def _study_day(day: date, start: date) -> int:
    """ADaM study day: 1 on the reference date, -1 the day before (no day 0)."""
    offset = (day - start).days
    return offset + 1 if offset >= 0 else offset


def export_datasets(
    ctx: ServiceContext, out_dir: Path | str, *, cutoff: date | None = None
) -> dict[str, Path]:
    """Write ADSL, ADTTE, ADRS and ADAE of the randomized subjects as CSV files.

    Parameters
    ----------
    ctx
        The service context (a role allowed to extract datasets).
    out_dir
        The folder to write ``adsl.csv``, ``adtte.csv``, ``adrs.csv`` and ``adae.csv`` into;
        created if missing.
    cutoff
        Data cut-off date: events after it are not counted, follow-up is censored at it (in
        ADSL too: a death, withdrawal or therapy after it is not shown).

    Returns
    -------
    dict
        Dataset name → path written.

    Raises
    ------
    InputError
        Naming ``out_dir`` when the folder cannot be created or a file cannot be written (a
        path that is a file, a read-only or missing location), with the reason.
    """
    courses = [
        course
        for course in subject_courses(ctx)
        if cutoff is None or course.randomized_on <= cutoff
    ]
    datasets: dict[str, tuple[tuple[str, ...], list[dict[str, Any]]]] = {
        "adsl": (endpoints.ADSL_COLUMNS, endpoints.adsl(courses, cutoff=cutoff)),
        "adtte": (endpoints.ADTTE_COLUMNS, endpoints.adtte(courses, cutoff=cutoff)),
        "adrs": (endpoints.ADRS_COLUMNS, endpoints.adrs(courses, cutoff=cutoff)),
        "adae": (ADAE_COLUMNS, adae_rows(ctx, courses, cutoff=cutoff)),
    }
    folder = _output_folder(out_dir)
    written = {}
    for name, (columns, rows) in datasets.items():
        path = folder / f"{name}.csv"
        try:
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(columns))
                writer.writeheader()
                for row in rows:
                    writer.writerow({key: _cell(value) for key, value in row.items()})
        except OSError as exc:
            raise InputError(f"cannot write {path}: {_why(exc)}", field="out_dir") from None
        written[name] = path
    return written


def _output_folder(out_dir: Path | str) -> Path:
    """The folder to write into, created if missing; InputError naming ``out_dir`` otherwise."""
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"out_dir {folder} exists and is not a folder", field="out_dir")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the folder {folder}: {_why(exc)}", field="out_dir"
        ) from None
    return folder


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return value
