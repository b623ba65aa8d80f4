"""Recording tumour assessments with their lesions; RECIST 1.1 and mRECIST responses on entry.

The assessment dated on or before randomization is the baseline: it fixes the target lesions,
and is adequate only when it lists a target or non-target lesion (a baseline listing none,
whatever its non-target status, documents no disease to follow). Its targets must qualify
under both criteria (≤ 5 targets, ≤ 2 per organ, ≥ 10 mm; for mRECIST
arterially enhancing with a viable diameter ≥ 10 mm). Each later assessment gets its
time-point response by RECIST 1.1 (Eisenhauer et al. 2009) and by mRECIST (Lencioni & Llovet
2010), against the baseline sum and the nadir of the assessments before it.

What a time point's response needs is the baseline (its lesions), the target measurements of
the follow-ups dated before it (their sums give the nadir) and itself; nothing dated after
it. So an assessment dated after every other one is classified alone, from those values read
as plain rows (:mod:`~.tumour_history`); one dated before another, or a correction, may move a
later nadir, and recomputes every assessment of the subject (:func:`recompute_responses`).
Confirmation of a response is the best overall response's (:mod:`metsor.clinical.best_response`),
read from the stored time points; nothing stored depends on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from sqlalchemy import bindparam, select

from metsor.clinical import tumour
from metsor.clinical.plausibility import check_tumour_measure
from metsor.errors import ConflictError, InputError
from metsor.services.access import require
from metsor.services.casebook._boundary import CasebookInput, Day, FrozenRecord, checked, one_of
from metsor.services.casebook._timeline import Timeline, load_timeline, read_rows, words
from metsor.services.casebook.tumour_responses import (
    LESION_FIELDS,
    StoredAssessment,
    classify_latest,
    recompute_responses,
    stored_assessments,
)
from metsor.services.context import ServiceContext
from metsor.store.audit.hooks import insert_records
from metsor.store.models.casebook import TumourAssessment, TumourLesion

__all__ = [
    "IMAGING_METHODS",
    "MAX_LESIONS",
    "LesionInput",
    "TumourAssessmentInput",
    "TumourAssessmentRecord",
    "TumourLesionRecord",
    "recompute_responses",
    "record_tumour_assessment",
    "revalidate_tumour_assessment",
    "revalidate_tumour_lesion",
]

IMAGING_METHODS: tuple[str, ...] = ("CT", "MRI")
"""Imaging by which an assessment is made (contrast-enhanced, multiphase)."""

MAX_LESIONS = 50
"""The most lesions one tumour assessment may list."""


def _not_a_bool(value: object) -> object:
    """True and False refused as lengths (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number, got {value!r}")
    return value


_Length = Annotated[float | None, BeforeValidator(_not_a_bool)]


class LesionInput(CasebookInput):
    """One lesion of a tumour assessment as given (a row of the web's form, an item of the
    JSON body's ``lesions``); what depends on several lengths (a viable part within the
    lesion, none in a non-enhancing one) is :class:`metsor.clinical.tumour.Lesion`'s."""

    lesion_id: Annotated[str, words(32)]
    organ: Annotated[str, words(64)]
    kind: Annotated[str, one_of(tumour.LESION_KINDS)]
    diameter_mm: _Length = None
    viable_diameter_mm: _Length = None
    is_lymph_node: bool = False
    short_axis_mm: _Length = None
    enhancing: bool | None = None

    @field_validator("diameter_mm", "viable_diameter_mm", "short_axis_mm")
    @classmethod
    def _plausible(cls, value: float | None, info: ValidationInfo) -> float | None:
        """A length within its plausible range (:data:`metsor.clinical.plausibility.TUMOUR_RANGES`),
        the lesion named in the message."""
        if value is None:
            return None
        try:
            return check_tumour_measure(str(info.field_name), value)
        except InputError as exc:
            raise ValueError(f"lesion {info.data.get('lesion_id')!r}: {exc.message}") from None


class TumourAssessmentInput(CasebookInput):
    """A tumour assessment as given, with its lesions (the web's JSON body too)."""

    assessed_on: Day
    method: Annotated[str, one_of(IMAGING_METHODS)] = "CT"
    non_target_status: Annotated[str, one_of(tumour.NON_TARGET_STATUSES)] = "present"
    new_lesion: bool = False
    lesions: tuple[LesionInput, ...] = Field(max_length=MAX_LESIONS)


@dataclass(frozen=True)
class TumourLesionRecord(FrozenRecord):
    """A lesion as stored with its assessment (fields as :class:`LesionInput`)."""

    lesion_id: str
    organ: str
    kind: str
    diameter_mm: float | None
    viable_diameter_mm: float | None
    is_lymph_node: bool
    short_axis_mm: float | None
    enhancing: bool | None


@dataclass(frozen=True)
class TumourAssessmentRecord(FrozenRecord):
    """A stored tumour assessment with its lesions, sums and responses.

    Attributes
    ----------
    id, subject_id
        The record and its subject.
    assessed_on, method, non_target_status, new_lesion
        As :class:`TumourAssessmentInput`.
    is_baseline
        Dated on or before randomization.
    sum_diameters_mm, sum_viable_diameters_mm
        The RECIST 1.1 and mRECIST sums of the baseline targets (None: a target not measured).
    recist_response, mrecist_response
        The time-point responses (None at baseline).
    adequate
        Whether the assessment counts for the endpoints (see :func:`recompute_responses`).
    recorded_by
        Who entered it.
    lesions
        Its lesions, in the order given.
    """

    id: int
    subject_id: str
    assessed_on: date
    method: str
    is_baseline: bool
    non_target_status: str
    new_lesion: bool
    sum_diameters_mm: float | None
    sum_viable_diameters_mm: float | None
    recist_response: str | None
    mrecist_response: str | None
    adequate: bool
    recorded_by: str
    lesions: tuple[TumourLesionRecord, ...]


#: The fields an assessment may be corrected in (its lesions are corrected one by one).
_CORRECTED = ("assessed_on", "method", "non_target_status", "new_lesion")


def record_tumour_assessment(
    ctx: ServiceContext,
    *,
    subject_id: str,
    assessed_on: date | str,
    lesions: Sequence[Mapping[str, Any]],
    method: str = "CT",
    non_target_status: str = "present",
    new_lesion: bool = False,
) -> TumourAssessmentRecord:
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
        ``is_lymph_node``, ``short_axis_mm``, ``enhancing`` (at most :data:`MAX_LESIONS`).
    method
        ``CT`` or ``MRI``.
    non_target_status
        ``absent``, ``present``, ``unequivocal_progression`` or ``not_evaluated``.
    new_lesion
        Whether a new lesion was seen (listed or not).

    Returns
    -------
    TumourAssessmentRecord
        The stored assessment with its lesions, sums and responses (none at baseline).

    Raises
    ------
    InputError
        A malformed value (a lesion's names its row), targets that do not qualify at
        baseline, a follow-up target that was not a baseline target.
    ConflictError
        An assessment already recorded that day, a second baseline, a follow-up without a
        baseline, or a date breaking the date-order rules.
    """
    require(ctx, "enter_casebook")
    given = _checked_assessment(
        {
            "assessed_on": assessed_on,
            "method": method,
            "non_target_status": non_target_status,
            "new_lesion": new_lesion,
            "lesions": lesions,
        }
    )
    current = tumour.Assessment(
        date=given.assessed_on,
        lesions=tuple(_as_lesion(index, item) for index, item in enumerate(given.lesions, 1)),
        non_target_status=given.non_target_status,  # type: ignore[arg-type]  # checked
        new_lesion=given.new_lesion,
    )
    timeline = load_timeline(ctx, subject_id)
    on = given.assessed_on
    is_baseline = timeline.randomized_on is None or on <= timeline.randomized_on
    timeline.check(on, field="assessed_on", after_randomization=not is_baseline)
    stored = stored_assessments(ctx, subject_id)  # flushes what is pending first
    _check_unique(timeline, on, is_baseline, stored)
    assessment = TumourAssessment(
        subject_id=subject_id,
        assessed_on=on,
        method=given.method,
        is_baseline=is_baseline,
        non_target_status=given.non_target_status,
        new_lesion=given.new_lesion,
        adequate=True,
        recorded_by=ctx.username,
    )
    rows = [TumourLesion(**dict(item)) for item in given.lesions]
    with ctx.session.no_autoflush:
        if all(other.assessed_on < on for other in stored.values()) and not (
            is_baseline and stored
        ):
            classify_latest(assessment, current, stored)  # raises before any write
        else:  # a nadir after it may move: every assessment again, before any write
            recompute_responses(ctx, subject_id, new=(assessment, rows))
        insert_records(ctx.session, [assessment])
        for row in rows:
            row.assessment_id = assessment.id
        insert_records(ctx.session, rows)
    return _record_of(assessment, rows)


def _checked_assessment(values: Mapping[str, Any]) -> TumourAssessmentInput:
    """The assessment checked by its model; a lesion's fault names its field and row."""
    try:
        return checked(TumourAssessmentInput, values)
    except InputError as exc:
        where = (exc.field or "").split(".")
        if len(where) < 2 or where[0] != "lesions" or not where[1].isdigit():
            raise
        row = int(where[1]) + 1
        field = where[2] if len(where) > 2 else "lesions"
        message = exc.message.removeprefix(f"unknown field '{exc.field}'")
        if message != exc.message:
            message = f"unknown field '{field}'{message}; expected {', '.join(LESION_FIELDS)}"
        elif message.startswith("lesion "):  # names the lesion already
            raise InputError(message, field=field, row=row) from None
        elif len(where) > 2:
            message = f"{field} {message}"
        raise InputError(f"lesion {row}: {message}", field=field, row=row) from None


def _as_lesion(index: int, given: LesionInput) -> tumour.Lesion:
    """The checked lesion as the response rules read it; its fault placed on its row."""
    try:
        return tumour.Lesion(**dict(given))
    except InputError as exc:
        # a measure the lesion refuses (a viable part larger than the lesion…) is on its row
        raise InputError(exc.message, field=exc.field, row=index) from None


def _record_of(
    assessment: TumourAssessment, rows: Sequence[TumourLesion]
) -> TumourAssessmentRecord:
    values = {name: getattr(assessment, name) for name in _ASSESSMENT_FIELDS}
    lesions = tuple(TumourLesionRecord.of(row) for row in rows)
    return TumourAssessmentRecord(**values, lesions=lesions)


_ASSESSMENT_FIELDS = tuple(
    name for name in TumourAssessmentRecord.__dataclass_fields__ if name != "lesions"
)


def _check_unique(
    timeline: Timeline, on: date, is_baseline: bool, stored: Mapping[int, StoredAssessment]
) -> None:
    for other in stored.values():
        if other.assessed_on == on:
            raise ConflictError(
                f"subject {timeline.subject_id} already has a tumour assessment on "
                f"{other.assessed_on} (record {other.id})",
                field="assessed_on",
            )
        if is_baseline and other.is_baseline:
            raise ConflictError(
                f"subject {timeline.subject_id} already has a baseline tumour assessment on "
                f"{other.assessed_on}",
                field="assessed_on",
            )
    if not is_baseline and not any(other.is_baseline for other in stored.values()):
        raise ConflictError(
            f"subject {timeline.subject_id} has no baseline tumour assessment; record it first",
            field="assessed_on",
        )


#: Another assessment of the subject on the same day, in one statement built once.
_SAME_DAY = (
    select(TumourAssessment.id)
    .where(
        TumourAssessment.subject_id == bindparam("subject_id"),
        TumourAssessment.assessed_on == bindparam("on"),
        TumourAssessment.id != bindparam("id"),
    )
    .limit(1)
)


def revalidate_tumour_assessment(ctx: ServiceContext, record: TumourAssessment) -> None:
    """Check a corrected assessment again, as if it were entered so, and recompute the
    subject's responses."""
    checked(
        TumourAssessmentInput,
        {name: getattr(record, name) for name in _CORRECTED} | {"lesions": ()},
    )
    with ctx.session.no_autoflush:  # the corrected day is checked before it is written
        timeline = load_timeline(ctx, record.subject_id)
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
        clash = read_rows(
            ctx,
            _SAME_DAY,
            {"subject_id": record.subject_id, "on": record.assessed_on, "id": record.id},
        ).scalar()
        if clash is not None:
            raise ConflictError(
                f"subject {record.subject_id} already has a tumour assessment on "
                f"{record.assessed_on} (record {clash})",
                field="assessed_on",
            )
    ctx.session.flush()
    recompute_responses(ctx, record.subject_id)


def revalidate_tumour_lesion(ctx: ServiceContext, row: TumourLesion) -> None:
    """Check a corrected lesion again, as if it were entered so, and recompute the subject's
    responses."""
    given = checked(LesionInput, {name: getattr(row, name) for name in LESION_FIELDS})
    _as_lesion(1, given)
    ctx.session.flush()
    record = ctx.session.get(TumourAssessment, row.assessment_id)
    if record is not None:
        recompute_responses(ctx, record.subject_id)
