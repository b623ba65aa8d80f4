"""A subject's tumour responses: a new latest time point classified alone, or all again.

A time point's RECIST 1.1 and mRECIST responses (:mod:`metsor.clinical.recist`,
:mod:`metsor.clinical.mrecist`) read the baseline (every lesion: the targets, whether there is
non-target disease), the targets of the follow-ups dated before it (their sums give the nadir)
and the time point itself; nothing dated after it, and no other time point's response
(confirmation belongs to the best overall response, :mod:`metsor.clinical.best_response`,
which reads the stored time points). So:

- an assessment dated after every stored one changes nothing stored: it is classified alone
  (:func:`classify_latest`) from those values, read as plain rows by one statement built once
  (:func:`stored_assessments`);
- one dated before another, or a correction of a date, a status or a lesion, may move a later
  nadir or the baseline's targets: every assessment of the subject is classified again
  (:func:`recompute_responses`).

Both go through one rule (:func:`_classify`), so what is stored is the same either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, or_, select

from metsor.clinical import mrecist, recist, tumour
from metsor.services.casebook._timeline import read_rows
from metsor.services.context import ServiceContext
from metsor.store.models.casebook import TumourAssessment, TumourLesion

__all__ = [
    "LESION_FIELDS",
    "StoredAssessment",
    "classify_latest",
    "recompute_responses",
    "stored_assessments",
]

_LESION_COLUMNS = (
    TumourLesion.lesion_id,
    TumourLesion.organ,
    TumourLesion.kind,
    TumourLesion.diameter_mm,
    TumourLesion.viable_diameter_mm,
    TumourLesion.is_lymph_node,
    TumourLesion.short_axis_mm,
    TumourLesion.enhancing,
)

#: The subject's assessments, with what a later time point's response reads of them: every
#: lesion of the baseline, the targets of each follow-up (for the nadir). One statement,
#: built once; an assessment without such lesions comes as one row of nulls.
_STORED = (
    select(
        TumourAssessment.id,
        TumourAssessment.assessed_on,
        TumourAssessment.is_baseline,
        TumourAssessment.non_target_status,
        TumourAssessment.new_lesion,
        *_LESION_COLUMNS,
    )
    .select_from(TumourAssessment)
    .outerjoin(
        TumourLesion,
        and_(
            TumourLesion.assessment_id == TumourAssessment.id,
            or_(TumourAssessment.is_baseline.is_(True), TumourLesion.kind == "target"),
        ),
    )
    .where(TumourAssessment.subject_id == bindparam("subject_id"))
    .order_by(TumourAssessment.assessed_on, TumourLesion.id)
)

#: The lesion fields, as the columns and :class:`metsor.clinical.tumour.Lesion` name them.
LESION_FIELDS = tuple(column.key for column in _LESION_COLUMNS)


@dataclass(frozen=True)
class StoredAssessment:
    """A stored assessment as :data:`_STORED` reads it: its lesions are the baseline's all,
    a follow-up's targets, as rows of :data:`LESION_FIELDS`."""

    id: int
    assessed_on: date
    is_baseline: bool
    non_target_status: str
    new_lesion: bool
    lesions: list[tuple[Any, ...]]

    def as_assessment(self) -> tumour.Assessment:
        """The assessment as the response rules read it."""
        return tumour.Assessment(
            date=self.assessed_on,
            lesions=tuple(
                tumour.Lesion(**dict(zip(LESION_FIELDS, row, strict=True))) for row in self.lesions
            ),
            non_target_status=self.non_target_status,  # type: ignore[arg-type]  # checked
            new_lesion=self.new_lesion,
        )


def stored_assessments(ctx: ServiceContext, subject_id: str) -> dict[int, StoredAssessment]:
    """The subject's stored assessments by id, in date order (:data:`_STORED`)."""
    stored: dict[int, StoredAssessment] = {}
    row: Any
    for row in read_rows(ctx, _STORED, {"subject_id": subject_id}):
        found = stored.get(row[0])
        if found is None:
            found = stored[row[0]] = StoredAssessment(
                id=row[0],
                assessed_on=row[1],
                is_baseline=row[2],
                non_target_status=row[3],
                new_lesion=row[4],
                lesions=[],
            )
        if row[5] is not None:
            found.lesions.append(tuple(row[5:]))
    return stored


@dataclass(frozen=True)
class _Classified:
    """What is stored of an assessment's classification (the columns' names)."""

    sum_diameters_mm: float | None
    sum_viable_diameters_mm: float | None
    recist_response: str | None
    mrecist_response: str | None
    adequate: bool

    def store(self, record: TumourAssessment) -> None:
        for name in _CLASSIFICATION:
            setattr(record, name, getattr(self, name))


_CLASSIFICATION = tuple(_Classified.__dataclass_fields__)


def _classify(
    baseline: tumour.Assessment,
    history: Sequence[tumour.Assessment],
    value: tumour.Assessment,
    *,
    is_baseline: bool,
) -> _Classified:
    """Sums, responses and adequacy of ``value`` (``history``: the follow-ups; those dated
    before ``value`` give the nadir).

    The baseline is adequate when it documents disease; a follow-up when both responses are
    evaluable and, after a baseline without disease, only when one of them is progression (a
    new lesion). Raises InputError as the response rules do (targets that do not qualify at
    baseline, a follow-up target that was not one at baseline).
    """
    total = recist.sum_of_diameters(baseline, value)  # validates the baseline's targets
    viable = mrecist.sum_of_viable_diameters(baseline, value)
    documented = baseline.documents_disease
    if is_baseline:
        return _Classified(total, viable, None, None, documented)
    responses = (
        recist.timepoint_response(baseline, history, value),
        mrecist.timepoint_response(baseline, history, value),
    )
    adequate = "NE" not in responses and (documented or "PD" in responses)
    return _Classified(total, viable, *responses, adequate)


def classify_latest(
    assessment: TumourAssessment, current: tumour.Assessment, stored: Mapping[int, StoredAssessment]
) -> None:
    """Classify an assessment dated after every stored one (the baseline when none is)."""
    if assessment.is_baseline:
        _classify(current, (), current, is_baseline=True).store(assessment)
        return
    baseline = next(other for other in stored.values() if other.is_baseline).as_assessment()
    history = [other.as_assessment() for other in stored.values() if not other.is_baseline]
    _classify(baseline, history, current, is_baseline=False).store(assessment)


#: The subject's assessments as records (their classification is stored anew), each with
#: the columns of one of its lesions (all nulls for none), in one statement built once.
_RECORDS = (
    select(TumourAssessment, *_LESION_COLUMNS)
    .outerjoin(TumourLesion, TumourLesion.assessment_id == TumourAssessment.id)
    .where(TumourAssessment.subject_id == bindparam("subject_id"))
    .order_by(TumourAssessment.id, TumourLesion.id)
)


def _records_of(
    ctx: ServiceContext, subject_id: str
) -> list[tuple[TumourAssessment, list[tuple[Any, ...]]]]:
    """The subject's stored assessments (:data:`_RECORDS`), each with its lesions' rows of
    :data:`LESION_FIELDS`."""
    records: dict[int, tuple[TumourAssessment, list[tuple[Any, ...]]]] = {}
    row: Any
    for row in ctx.session.execute(_RECORDS, {"subject_id": subject_id}):
        record = row[0]
        _, lesions = records.setdefault(record.id, (record, []))
        if row[1] is not None:
            lesions.append(tuple(row[1:]))
    return list(records.values())


def _as_assessment(record: TumourAssessment, lesions: Sequence[Sequence[Any]]) -> tumour.Assessment:
    """``record`` with its ``lesions`` (rows of :data:`LESION_FIELDS`) as the response rules
    read it."""
    return tumour.Assessment(
        date=record.assessed_on,
        lesions=tuple(
            tumour.Lesion(**dict(zip(LESION_FIELDS, row, strict=True))) for row in lesions
        ),
        non_target_status=record.non_target_status,  # type: ignore[arg-type]  # checked on entry
        new_lesion=record.new_lesion,
    )


def recompute_responses(
    ctx: ServiceContext,
    subject_id: str,
    *,
    new: tuple[TumourAssessment, Sequence[TumourLesion]] | None = None,
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

    Raises
    ------
    InputError
        When the baseline targets do not qualify, or a follow-up lists a target that was not
        one at baseline.
    """
    pairs = [
        (record, _as_assessment(record, rows)) for record, rows in _records_of(ctx, subject_id)
    ]
    if new is not None:
        record, lesions = new
        rows = [tuple(getattr(lesion, name) for name in LESION_FIELDS) for lesion in lesions]
        pairs.append((record, _as_assessment(record, rows)))
    pairs.sort(key=lambda pair: pair[0].assessed_on)
    baseline = next((value for record, value in pairs if record.is_baseline), None)
    if baseline is None:
        return
    history = [value for record, value in pairs if not record.is_baseline]
    results = [
        (record, _classify(baseline, history, value, is_baseline=record.is_baseline))
        for record, value in pairs
    ]
    for record, classified in results:
        classified.store(record)
