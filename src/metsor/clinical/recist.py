"""Tumour response by RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228–247).

- Baseline: at most 5 target lesions, at most 2 per organ; a non-nodal target measures
  ≥ 10 mm in longest diameter; a lymph node is a target when its short axis is ≥ 15 mm.
  Nodes are measured by short axis, other lesions by longest diameter.
- CR: every non-nodal target gone (0 mm) and every nodal target < 10 mm short axis.
- PR: the sum of diameters ≥ 30% below the baseline sum.
- PD: the sum ≥ 20% above the nadir (the smallest sum on study, baseline included) and at
  least 5 mm above it; or unequivocal progression of non-target disease; or a new lesion.
- SD: neither PR nor PD. NE: a target not measured, unless the measured ones already show PD.

Overall response combines targets and non-targets as in tables 1 and 2 of the paper: target
CR with non-target disease still present (or not evaluated) is PR; with non-target disease
only, "non-CR/non-PD" is reported as SD. Non-target status counts only when the baseline
lists non-target lesions.
"""

from __future__ import annotations

from collections.abc import Sequence

from metsor.clinical import _response
from metsor.clinical.best_response import best_overall_response
from metsor.clinical.tumour import Assessment, Lesion, Response
from metsor.errors import InputError

__all__ = [
    "NODE_NORMAL_MM",
    "NODE_TARGET_MIN_MM",
    "TARGET_MIN_MM",
    "best_overall_response",
    "sum_of_diameters",
    "timepoint_response",
    "validate_baseline",
]

TARGET_MIN_MM = 10.0
"""Smallest longest diameter of a measurable non-nodal lesion."""
NODE_TARGET_MIN_MM = 15.0
"""Smallest short axis of a lymph node that may be a target."""
NODE_NORMAL_MM = _response.NODE_NORMAL_MM
"""A node whose short axis falls below this is normal (counts as gone for CR)."""


def _measure(lesion: Lesion) -> float | None:
    return lesion.short_axis_mm if lesion.is_lymph_node else lesion.diameter_mm


def _check_baseline_target(lesion: Lesion) -> None:
    length = _measure(lesion)
    if lesion.is_lymph_node:
        if length is None or length < NODE_TARGET_MIN_MM:
            raise InputError(
                f"lesion {lesion.lesion_id!r}: a lymph node is a RECIST 1.1 target only with a "
                f"short axis ≥ {NODE_TARGET_MIN_MM:g} mm, got {length}",
                field="lesions",
            )
    elif length is None or length < TARGET_MIN_MM:
        raise InputError(
            f"lesion {lesion.lesion_id!r}: a RECIST 1.1 target must measure "
            f"≥ {TARGET_MIN_MM:g} mm, got {length}",
            field="lesions",
        )


RECIST_1_1 = _response.Criteria(
    name="RECIST 1.1",
    measure=_measure,
    check_baseline_target=_check_baseline_target,
    new_lesion_counts=lambda lesion: True,
    min_increase_mm=5.0,
)


def validate_baseline(baseline: Assessment) -> tuple[Lesion, ...]:
    """Check the baseline target lesions against RECIST 1.1 and return them.

    Parameters
    ----------
    baseline
        The baseline assessment.

    Returns
    -------
    tuple of Lesion
        The target lesions, in the order given.

    Raises
    ------
    InputError
        Naming the lesion: more than 5 targets or 2 in one organ, a non-nodal target under
        10 mm, a nodal target under 15 mm short axis, a target not measured, or a new lesion.
    """
    return _response.baseline_targets(RECIST_1_1, baseline)


def sum_of_diameters(baseline: Assessment, assessment: Assessment) -> float | None:
    """The RECIST 1.1 sum of diameters of the baseline targets at ``assessment``, in mm.

    Returns None when a target was not measured.
    """
    return _response.target_sum(RECIST_1_1, validate_baseline(baseline), assessment)


def timepoint_response(
    baseline: Assessment, history: Sequence[Assessment], current: Assessment
) -> Response:
    """Overall RECIST 1.1 response at one time point.

    Parameters
    ----------
    baseline
        The baseline assessment, which fixes the target lesions.
    history
        Earlier follow-up assessments; those dated after baseline and before ``current``
        give the nadir.
    current
        The assessment to classify.

    Returns
    -------
    {"CR", "PR", "SD", "PD", "NE"}

    Raises
    ------
    InputError
        For an invalid baseline (see :func:`validate_baseline`), a follow-up target that was
        not a baseline target, or a current date not after baseline.

    References
    ----------
    Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid
    tumours: revised RECIST guideline (version 1.1). Eur J Cancer 2009;45:228–247.
    """
    return _response.timepoint_response(RECIST_1_1, baseline, history, current)
