"""Recording tumour assessments with their lesions; RECIST 1.1 and mRECIST responses on entry.

The assessment dated on or before randomization is the baseline: it fixes the target lesions,
and is adequate only when it lists a target or non-target lesion (a baseline listing none,
whatever its non-target status, documents no disease to follow). Its targets must qualify
under both criteria (≤ 5 targets, ≤ 2 per organ, ≥ 10 mm; for mRECIST
arterially enhancing with a viable diameter ≥ 10 mm). Each later assessment gets its
time-point response by RECIST 1.1 (Eisenhauer et al. 2009) and by mRECIST (Lencioni & Llovet
2010), against the baseline sum and the nadir of the assessments before it. Adding or
correcting an assessment recomputes every later one, since the nadir may move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from metsor.clinical import mrecist, recist, tumour
from metsor.errors import ConflictError, InputError
from metsor.services.access import require
from metsor.services.casebook._timeline import Timeline, as_date, choice, load_timeline
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import TumourAssessment, TumourLesion

__all__ = [
    "IMAGING_METHODS",
    "recompute_responses",
    "record_tumour_assessment",
    "revalidate_tumour_assessment",
    "revalidate_tumour_lesion",
]

IMAGING_METHODS: tuple[str, ...] = ("CT", "MRI")
"""Imaging by which an assessment is made (contrast-enhanced, multiphase)."""

_LESION_FIELDS = (
    "lesion_id",
    "organ",
    "kind",
    "diameter_mm",
    "viable_diameter_mm",
    "is_lymph_node",
    "short_axis_mm",
    "enhancing",
)


def record_tumour_assessment(
    ctx: ServiceContext,
    *,
    subject_id: str,
    assessed_on: date | str,
    lesions: Sequence[Mapping[str, Any]],
    method: str = "CT",
    non_target_status: str = "present",
    new_lesion: bool = False,
) -> TumourAssessment:
    """Record a tumour assessment and compute its responses.

    Parameters
    ----------
    ctx
        The service context (role allowed to enter casebook data).
    subject_id
        The subject.
    assessed_on
        Date of the imaging; on or before randomization for the baseline, after it otherwise.
    lesions
        One mapping per lesion with keys ``lesion_id``, ``organ``, ``kind`` (``target``,
        ``non_target``, ``new``), ``diameter_mm``, and as needed ``viable_diameter_mm``,
        ``is_lymph_node``, ``short_axis_mm``, ``enhancing``.
    method
        ``CT`` or ``MRI``.
    non_target_status
        ``absent``, ``present``, ``unequivocal_progression`` or ``not_evaluated``.
    new_lesion
        Whether a new lesion was seen (listed or not).

    Returns
    -------
    TumourAssessment
        The stored assessment with its sums and responses (none at baseline).

    Raises
    ------
    InputError
        A malformed lesion, targets that do not qualify at baseline, a follow-up target that
        was not a baseline target.
    ConflictError
        An assessment already recorded that day, a second baseline, a follow-up without a
        baseline, or a date breaking the date-order rules.
    """
    require(ctx, "enter_casebook")
    timeline = load_timeline(ctx, subject_id)
    on = as_date(assessed_on, "assessed_on")
    is_baseline = timeline.randomized_on is None or on <= timeline.randomized_on
    assessment = TumourAssessment(
        subject_id=subject_id,
        assessed_on=on,
        method=choice(method, "method", IMAGING_METHODS),
        is_baseline=is_baseline,
        non_target_status=choice(
            non_target_status, "non_target_status", tumour.NON_TARGET_STATUSES
        ),
        new_lesion=new_lesion,
        adequate=True,
        recorded_by=ctx.username,
    )
    if not isinstance(new_lesion, bool):
        raise InputError(
            f"new_lesion must be true or false, got {new_lesion!r}", field="new_lesion"
        )
    rows = [_lesion_row(index, item) for index, item in enumerate(lesions, start=1)]
    with ctx.session.no_autoflush:
        timeline.check(on, field="assessed_on", after_randomization=not is_baseline)
        records = _assessments_of(ctx, subject_id)
        _check_unique(timeline, assessment, records)
        # raises before any write
        recompute_responses(ctx, subject_id, new=(assessment, rows), records=records)
        ctx.session.add(assessment)
        ctx.session.flush()
        for row in rows:
            row.assessment_id = assessment.id
            ctx.session.add(row)
    ctx.session.flush()
    return assessment


def _assessments_of(ctx: ServiceContext, subject_id: str) -> list[TumourAssessment]:
    """The subject's stored tumour assessments."""
    return list(
        ctx.session.scalars(
            select(TumourAssessment).where(TumourAssessment.subject_id == subject_id)
        )
    )


def _check_unique(
    timeline: Timeline, assessment: TumourAssessment, others: Sequence[TumourAssessment]
) -> None:
    for other in others:
        if other.assessed_on == assessment.assessed_on:
            raise ConflictError(
                f"subject {timeline.subject_id} already has a tumour assessment on "
                f"{other.assessed_on} (record {other.id})",
                field="assessed_on",
            )
        if assessment.is_baseline and other.is_baseline:
            raise ConflictError(
                f"subject {timeline.subject_id} already has a baseline tumour assessment on "
                f"{other.assessed_on}",
                field="assessed_on",
            )
    if not assessment.is_baseline and not any(other.is_baseline for other in others):
        raise ConflictError(
            f"subject {timeline.subject_id} has no baseline tumour assessment; record it first",
            field="assessed_on",
        )


def _lesion_row(index: int, item: Mapping[str, Any]) -> TumourLesion:
    if not isinstance(item, Mapping):
        raise InputError(f"lesion {index} must be an object", field="lesions", row=index)
    unknown = sorted(set(item) - set(_LESION_FIELDS))
    if unknown:
        raise InputError(
            f"lesion {index} has unknown field(s) {', '.join(unknown)}; expected "
            f"{', '.join(_LESION_FIELDS)}",
            field=unknown[0],
            row=index,
        )
    try:
        lesion = _as_lesion_from(item, index)
    except InputError as exc:
        if exc.row is not None:
            raise
        # a measure the lesion refuses (a negative diameter…) is placed on its row
        raise InputError(exc.message, field=exc.field, row=index) from None
    return TumourLesion(
        lesion_id=lesion.lesion_id,
        organ=lesion.organ,
        kind=lesion.kind,
        diameter_mm=lesion.diameter_mm,
        viable_diameter_mm=lesion.viable_diameter_mm,
        is_lymph_node=lesion.is_lymph_node,
        short_axis_mm=lesion.short_axis_mm,
        enhancing=lesion.enhancing,
    )


def _as_lesion_from(item: Mapping[str, Any], index: int) -> tumour.Lesion:
    organ = item.get("organ")
    if not isinstance(organ, str) or not organ.strip():
        raise InputError(
            f"lesion {index}: organ must be a non-empty text", field="organ", row=index
        )
    node = item.get("is_lymph_node", False)
    enhancing = item.get("enhancing")
    if not isinstance(node, bool) or not (enhancing is None or isinstance(enhancing, bool)):
        raise InputError(
            f"lesion {index}: is_lymph_node and enhancing must be true or false",
            field="is_lymph_node" if not isinstance(node, bool) else "enhancing",
            row=index,
        )
    return tumour.Lesion(
        lesion_id=item.get("lesion_id"),  # type: ignore[arg-type]  # checked by Lesion
        organ=organ.strip(),
        kind=item.get("kind"),  # type: ignore[arg-type]  # checked by Lesion
        diameter_mm=item.get("diameter_mm"),
        viable_diameter_mm=item.get("viable_diameter_mm"),
        is_lymph_node=node,
        short_axis_mm=item.get("short_axis_mm"),
        enhancing=enhancing,
    )


def _as_assessment(record: TumourAssessment, lesions: Sequence[TumourLesion]) -> tumour.Assessment:
    return tumour.Assessment(
        date=record.assessed_on,
        lesions=tuple(
            tumour.Lesion(
                lesion_id=row.lesion_id,
                organ=row.organ,
                kind=row.kind,  # type: ignore[arg-type]  # checked on entry
                diameter_mm=row.diameter_mm,
                viable_diameter_mm=row.viable_diameter_mm,
                is_lymph_node=row.is_lymph_node,
                short_axis_mm=row.short_axis_mm,
                enhancing=row.enhancing,
            )
            for row in lesions
        ),
        non_target_status=record.non_target_status,  # type: ignore[arg-type]  # checked on entry
        new_lesion=record.new_lesion,
    )


def recompute_responses(
    ctx: ServiceContext,
    subject_id: str,
    *,
    new: tuple[TumourAssessment, Sequence[TumourLesion]] | None = None,
    records: Sequence[TumourAssessment] | None = None,
) -> None:
    """Validate the baseline and compute sums and responses of every assessment again.

    Everything is computed before any record is changed, so a refusal leaves them as they were.

    Parameters
    ----------
    ctx
        The service context.
    subject_id
        The subject.
    new
        An assessment about to be stored, with its lesions, to include.
    records
        The subject's stored assessments when the caller has just read them in this
        transaction (default: read here).

    Raises
    ------
    InputError
        When the baseline targets do not qualify, or a follow-up lists a target that was not
        one at baseline.
    """
    if records is None:
        records = _assessments_of(ctx, subject_id)
    ids = [record.id for record in records]
    rows = ctx.session.scalars(
        select(TumourLesion)
        .where(TumourLesion.assessment_id.in_(ids))
        .order_by(TumourLesion.assessment_id, TumourLesion.id)
    ).all()
    lesions_of: dict[int, list[TumourLesion]] = {record.id: [] for record in records}
    for row in rows:
        lesions_of[row.assessment_id].append(row)
    pairs = [(record, _as_assessment(record, lesions_of[record.id])) for record in records]
    if new is not None:
        pairs.append((new[0], _as_assessment(new[0], new[1])))
    pairs.sort(key=lambda pair: pair[0].assessed_on)
    baseline = next((value for record, value in pairs if record.is_baseline), None)
    if baseline is None:
        return
    recist.validate_baseline(baseline)
    mrecist.validate_baseline(baseline)
    history = [value for record, value in pairs if not record.is_baseline]
    results: list[
        tuple[TumourAssessment, tuple[float | None, float | None], str | None, str | None]
    ] = []
    for record, value in pairs:
        sums = (
            recist.sum_of_diameters(baseline, value),
            mrecist.sum_of_viable_diameters(baseline, value),
        )
        if record.is_baseline:
            results.append((record, sums, None, None))
            continue
        results.append(
            (
                record,
                sums,
                recist.timepoint_response(baseline, history, value),
                mrecist.timepoint_response(baseline, history, value),
            )
        )
    documented = baseline.documents_disease
    for record, (total, viable), by_recist, by_mrecist in results:
        record.sum_diameters_mm, record.sum_viable_diameters_mm = total, viable
        record.recist_response, record.mrecist_response = by_recist, by_mrecist
        if record.is_baseline:
            record.adequate = documented
        else:  # after a baseline without disease, only progression (a new lesion) is seen
            responses = (by_recist, by_mrecist)
            record.adequate = "NE" not in responses and (documented or "PD" in responses)


def revalidate_tumour_assessment(ctx: ServiceContext, record: TumourAssessment) -> None:
    """Check a corrected assessment again and recompute the subject's responses."""
    timeline = load_timeline(ctx, record.subject_id)
    with ctx.session.no_autoflush:
        choice(record.method, "method", IMAGING_METHODS)
        choice(record.non_target_status, "non_target_status", tumour.NON_TARGET_STATUSES)
        timeline.check(
            record.assessed_on,
            field="assessed_on",
            after_randomization=not record.is_baseline,
            until_randomization=record.is_baseline and timeline.randomized_on is not None,
        )
        if not record.is_baseline and record.assessed_on == timeline.randomized_on:
            raise ConflictError(
                "a follow-up tumour assessment is dated after randomization", field="assessed_on"
            )
        clash = ctx.session.scalars(
            select(TumourAssessment.id).where(
                TumourAssessment.subject_id == record.subject_id,
                TumourAssessment.assessed_on == record.assessed_on,
                TumourAssessment.id != record.id,
            )
        ).first()
        if clash is not None:
            raise ConflictError(
                f"subject {record.subject_id} already has a tumour assessment on "
                f"{record.assessed_on} (record {clash})",
                field="assessed_on",
            )
    ctx.session.flush()
    recompute_responses(ctx, record.subject_id)


def revalidate_tumour_lesion(ctx: ServiceContext, row: TumourLesion) -> None:
    """Check a corrected lesion again and recompute the subject's responses."""
    _as_lesion_from({k: getattr(row, k) for k in _LESION_FIELDS}, 1)
    ctx.session.flush()
    record = ctx.session.get(TumourAssessment, row.assessment_id)
    if record is not None:
        recompute_responses(ctx, record.subject_id)
