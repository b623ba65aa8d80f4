"""The machinery RECIST 1.1 and mRECIST share: baseline checks, sums, nadir and the
time-point response table (Eisenhauer et al. 2009, tables 1 and 2)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from metsor.clinical.tumour import Assessment, Lesion, Response
from metsor.errors import InputError

__all__: list[str] = []

NODE_NORMAL_MM = 10.0
"""A node whose short axis falls below this is normal (counts as gone for CR)."""
MAX_TARGETS = 5
MAX_TARGETS_PER_ORGAN = 2
PARTIAL_RESPONSE_CHANGE = -0.30
PROGRESSION_CHANGE = 0.20
_DECIMALS = 9


@dataclass(frozen=True)
class Criteria:
    """What differs between RECIST 1.1 and mRECIST.

    Attributes
    ----------
    name
        Shown in messages.
    measure
        The length a target lesion adds to the sum, in mm; None when not measured.
    check_baseline_target
        Raises InputError when a lesion cannot be a target at baseline.
    new_lesion_counts
        Whether a lesion listed as new makes the time point progression.
    min_increase_mm
        Absolute increase over the nadir that progression also needs (5 mm in RECIST 1.1).
    """

    name: str
    measure: Callable[[Lesion], float | None]
    check_baseline_target: Callable[[Lesion], None]
    new_lesion_counts: Callable[[Lesion], bool]
    min_increase_mm: float


def is_gone(criteria: Criteria, lesion: Lesion) -> bool:
    """Whether a target counts as gone for a complete response: a node under 10 mm short
    axis, any other lesion measuring 0 mm."""
    length = criteria.measure(lesion)
    if length is None:
        return False
    return length < NODE_NORMAL_MM if lesion.is_lymph_node else length == 0


def baseline_targets(criteria: Criteria, baseline: Assessment) -> tuple[Lesion, ...]:
    """Check the baseline target lesions and return them."""
    if new := baseline.of_kind("new"):
        raise InputError(
            f"lesion {new[0].lesion_id!r}: a baseline assessment has no new lesions",
            field="lesions",
        )
    targets = baseline.of_kind("target")
    per_organ: Counter[str] = Counter()
    for number, lesion in enumerate(targets, start=1):
        if number > MAX_TARGETS:
            raise InputError(
                f"lesion {lesion.lesion_id!r} is target number {number}; {criteria.name} allows "
                f"at most {MAX_TARGETS} target lesions",
                field="lesions",
            )
        organ = lesion.organ.strip().casefold()
        per_organ[organ] += 1
        if per_organ[organ] > MAX_TARGETS_PER_ORGAN:
            raise InputError(
                f"lesion {lesion.lesion_id!r} is target number {per_organ[organ]} in "
                f"{lesion.organ!r}; {criteria.name} allows at most {MAX_TARGETS_PER_ORGAN} "
                "target lesions per organ",
                field="lesions",
            )
        criteria.check_baseline_target(lesion)
    return targets


def _matched_targets(targets: tuple[Lesion, ...], assessment: Assessment) -> list[Lesion | None]:
    """The assessment's measurement of each baseline target (None where it is missing)."""
    found = {lesion.lesion_id: lesion for lesion in assessment.of_kind("target")}
    ids = {target.lesion_id for target in targets}
    for lesion_id in found:
        if lesion_id not in ids:
            raise InputError(
                f"lesion {lesion_id!r} on {assessment.date} is a target but was not one at "
                "baseline; targets are chosen at baseline only",
                field="lesions",
            )
    return [found.get(target.lesion_id) for target in targets]


def target_sum(
    criteria: Criteria, targets: tuple[Lesion, ...], assessment: Assessment
) -> float | None:
    """Sum of the target measurements, or None if any target was not measured."""
    total = 0.0
    for lesion in _matched_targets(targets, assessment):
        length = None if lesion is None else criteria.measure(lesion)
        if length is None:
            return None
        total += length
    return total


def _is_progression(criteria: Criteria, total: float, nadir: float) -> bool:
    increase = total - nadir
    if increase <= 0 or increase < criteria.min_increase_mm:
        return False
    return nadir == 0 or round(increase / nadir, _DECIMALS) >= PROGRESSION_CHANGE


def _target_response(
    criteria: Criteria,
    targets: tuple[Lesion, ...],
    baseline: Assessment,
    history: Sequence[Assessment],
    current: Assessment,
) -> Response:
    baseline_sum = target_sum(criteria, targets, baseline)
    if baseline_sum is None or baseline_sum <= 0:
        raise InputError("every baseline target lesion must be measured", field="lesions")
    sums = [
        target_sum(criteria, targets, earlier)
        for earlier in history
        if baseline.date < earlier.date < current.date
    ]
    nadir = min([baseline_sum, *(s for s in sums if s is not None)])
    matched = _matched_targets(targets, current)
    lengths = [None if lesion is None else criteria.measure(lesion) for lesion in matched]
    total = sum(length for length in lengths if length is not None)
    if _is_progression(criteria, total, nadir):
        return "PD"  # even a partial sum can show progression
    if any(length is None for length in lengths):
        return "NE"
    if all(lesion is not None and is_gone(criteria, lesion) for lesion in matched):
        return "CR"
    change = round((total - baseline_sum) / baseline_sum, _DECIMALS)
    return "PR" if change <= PARTIAL_RESPONSE_CHANGE else "SD"


def _combine(target: Response | None, non_target: str) -> Response:
    """Overall response from target and non-target responses when neither shows progression."""
    if target is None:  # non-target disease only (table 2); non-CR/non-PD reported as SD
        if non_target == "absent":
            return "CR"
        return "SD" if non_target == "present" else "NE"
    if target == "CR" and non_target != "absent":
        return "PR"
    return target


def timepoint_response(
    criteria: Criteria,
    baseline: Assessment,
    history: Sequence[Assessment],
    current: Assessment,
) -> Response:
    """Overall response at ``current`` (see the public wrappers for the rules)."""
    if current.date <= baseline.date:
        raise InputError(
            f"assessment of {current.date} is not after the baseline of {baseline.date}",
            field="date",
        )
    targets = baseline_targets(criteria, baseline)
    new_lesion = current.new_lesion or any(
        criteria.new_lesion_counts(lesion) for lesion in current.of_kind("new")
    )
    if new_lesion or current.non_target_status == "unequivocal_progression":
        return "PD"
    target = _target_response(criteria, targets, baseline, history, current) if targets else None
    if target == "PD":
        return "PD"
    non_target = current.non_target_status if baseline.of_kind("non_target") else "absent"
    return _combine(target, non_target)
