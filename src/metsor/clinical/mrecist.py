"""Tumour response by modified RECIST for hepatocellular carcinoma (Lencioni & Llovet,
Semin Liver Dis 2010;30:52–60).

- Targets: as RECIST 1.1 (at most 5, 2 per organ), and a non-nodal target must be
  arterially enhancing with a viable (enhancing) diameter ≥ 10 mm at baseline. Non-nodal
  targets are measured by their viable diameter; a non-enhancing lesion adds 0 mm. Lymph
  nodes are measured by short axis as in RECIST 1.1 (≥ 15 mm to be a target, < 10 mm normal).
- CR: no intratumoral arterial enhancement in any target (and nodal targets < 10 mm).
- PR: the sum of viable diameters ≥ 30% below the baseline sum.
- PD: the sum ≥ 20% above the nadir, with no absolute minimum; or unequivocal progression of
  non-target disease; or a new lesion.
- SD: neither.

A new lesion listed with a longest diameter under 10 mm does not count as progression (the
mRECIST requirement of ≥ 1 cm with the typical enhancement pattern); one listed without a
size, or flagged by ``Assessment.new_lesion``, does. Ascites or effusion should be recorded
as progression only when cytology proves malignancy: that is the reader's call, made through
``non_target_status``.
"""

from __future__ import annotations

from collections.abc import Sequence

from metsor.clinical import _response
from metsor.clinical.best_response import best_overall_response
from metsor.clinical.recist import NODE_TARGET_MIN_MM, TARGET_MIN_MM
from metsor.clinical.tumour import Assessment, Lesion, Response
from metsor.errors import InputError

__all__ = [
    "NEW_LESION_MIN_MM",
    "best_overall_response",
    "sum_of_viable_diameters",
    "timepoint_response",
    "validate_baseline",
]

NEW_LESION_MIN_MM = 10.0
"""Smallest longest diameter of a new intrahepatic lesion that counts as progression."""


def _measure(lesion: Lesion) -> float | None:
    if lesion.is_lymph_node:
        return lesion.short_axis_mm
    if lesion.enhancing is False:
        return 0.0
    return lesion.viable_diameter_mm


def _check_baseline_target(lesion: Lesion) -> None:
    if lesion.is_lymph_node:
        if lesion.short_axis_mm is None or lesion.short_axis_mm < NODE_TARGET_MIN_MM:
            raise InputError(
                f"lesion {lesion.lesion_id!r}: a lymph node is a target only with a short axis "
                f"≥ {NODE_TARGET_MIN_MM:g} mm, got {lesion.short_axis_mm}",
                field="lesions",
            )
        return
    if lesion.enhancing is False:
        raise InputError(
            f"lesion {lesion.lesion_id!r}: an mRECIST target must show arterial enhancement",
            field="lesions",
        )
    viable = lesion.viable_diameter_mm
    if viable is None or viable < TARGET_MIN_MM:
        raise InputError(
            f"lesion {lesion.lesion_id!r}: an mRECIST target needs a viable diameter "
            f"≥ {TARGET_MIN_MM:g} mm, got {viable}",
            field="lesions",
        )


def _new_lesion_counts(lesion: Lesion) -> bool:
    return lesion.diameter_mm is None or lesion.diameter_mm >= NEW_LESION_MIN_MM


MRECIST = _response.Criteria(
    name="mRECIST",
    measure=_measure,
    check_baseline_target=_check_baseline_target,
    new_lesion_counts=_new_lesion_counts,
    min_increase_mm=0.0,
)


def validate_baseline(baseline: Assessment) -> tuple[Lesion, ...]:
    """Check the baseline target lesions against mRECIST and return them.

    Raises
    ------
    InputError
        Naming the lesion: more than 5 targets or 2 in one organ, a non-enhancing target,
        a viable diameter under 10 mm or not given, a nodal target under 15 mm short axis.
    """
    return _response.baseline_targets(MRECIST, baseline)


def sum_of_viable_diameters(baseline: Assessment, assessment: Assessment) -> float | None:
    """The mRECIST sum of viable diameters of the baseline targets at ``assessment``, in mm.

    Returns None when a target was not measured.
    """
    return _response.target_sum(MRECIST, validate_baseline(baseline), assessment)


def timepoint_response(
    baseline: Assessment, history: Sequence[Assessment], current: Assessment
) -> Response:
    """Overall mRECIST response at one time point.

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
    Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular
    carcinoma. Semin Liver Dis 2010;30:52–60.
    """
    return _response.timepoint_response(MRECIST, baseline, history, current)
