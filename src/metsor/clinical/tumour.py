"""Tumour measurements at one imaging time point, as RECIST 1.1 and mRECIST read them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from metsor.clinical.plausibility import check_tumour_measure, check_viable_within_whole
from metsor.errors import InputError

__all__ = [
    "LESION_KINDS",
    "NON_TARGET_STATUSES",
    "RESPONSES",
    "Assessment",
    "Lesion",
    "LesionKind",
    "NonTargetStatus",
    "Response",
]

LesionKind = Literal["target", "non_target", "new"]
NonTargetStatus = Literal["absent", "present", "unequivocal_progression", "not_evaluated"]
Response = Literal["CR", "PR", "SD", "PD", "NE"]

LESION_KINDS: tuple[str, ...] = ("target", "non_target", "new")
NON_TARGET_STATUSES: tuple[str, ...] = (
    "absent",
    "present",
    "unequivocal_progression",
    "not_evaluated",
)
RESPONSES: tuple[str, ...] = ("CR", "PR", "SD", "PD", "NE")
"""Time-point responses, best first except NE (not evaluable)."""


def _check_length(lesion_id: str, name: str, value: float | None) -> None:
    if value is None:
        return
    try:
        check_tumour_measure(name, value)
    except InputError as exc:
        raise InputError(f"lesion {lesion_id!r}: {exc.message}", field=name) from None


@dataclass(frozen=True)
class Lesion:
    """One lesion as measured at one time point.

    Attributes
    ----------
    lesion_id
        The lesion's identifier, the same at every time point.
    organ
        Where it lies, e.g. "liver", "lung", "lymph node".
    kind
        "target", "non_target" or "new".
    diameter_mm
        Longest diameter in mm (0 when the lesion has disappeared); None when not measured.
    viable_diameter_mm
        mRECIST: longest diameter of the arterially enhancing (viable) part, in mm.
    is_lymph_node
        A lymph node, measured by its short axis.
    short_axis_mm
        Short axis of a lymph node in mm.
    enhancing
        mRECIST: whether the lesion shows intratumoral arterial enhancement.
    """

    lesion_id: str
    organ: str
    kind: LesionKind
    diameter_mm: float | None
    viable_diameter_mm: float | None = None
    is_lymph_node: bool = False
    short_axis_mm: float | None = None
    enhancing: bool | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.lesion_id, str) or not self.lesion_id.strip():
            raise InputError("lesion_id must be a non-empty string", field="lesion_id")
        if self.kind not in LESION_KINDS:
            raise InputError(
                f"lesion {self.lesion_id!r}: kind must be one of {', '.join(LESION_KINDS)}, "
                f"got {self.kind!r}",
                field="kind",
            )
        for name in ("diameter_mm", "viable_diameter_mm", "short_axis_mm"):
            _check_length(self.lesion_id, name, getattr(self, name))
        check_viable_within_whole(self.diameter_mm, self.viable_diameter_mm, lesion=self.lesion_id)
        if self.enhancing is False and self.viable_diameter_mm:
            raise InputError(
                f"lesion {self.lesion_id!r}: a non-enhancing lesion has no viable diameter, "
                f"got {self.viable_diameter_mm} mm",
                field="viable_diameter_mm",
            )


@dataclass(frozen=True)
class Assessment:
    """The lesions seen at one imaging time point.

    Attributes
    ----------
    date
        Date of the scan.
    lesions
        Target, non-target and new lesions; each lesion_id at most once.
    non_target_status
        State of the non-target lesions: "absent" (all gone; mRECIST: none enhancing),
        "present" (neither gone nor unequivocally progressing), "unequivocal_progression",
        or "not_evaluated".
    new_lesion
        A new lesion was seen (whether or not it is listed in ``lesions``).
    """

    date: datetime.date
    lesions: tuple[Lesion, ...]
    non_target_status: NonTargetStatus = "present"
    new_lesion: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.date, datetime.date):
            raise InputError(f"assessment date must be a date, got {self.date!r}", field="date")
        if self.non_target_status not in NON_TARGET_STATUSES:
            raise InputError(
                f"non_target_status must be one of {', '.join(NON_TARGET_STATUSES)}, "
                f"got {self.non_target_status!r}",
                field="non_target_status",
            )
        seen: set[str] = set()
        for lesion in self.lesions:
            if lesion.lesion_id in seen:
                raise InputError(
                    f"lesion {lesion.lesion_id!r} appears twice in the assessment of {self.date}",
                    field="lesions",
                )
            seen.add(lesion.lesion_id)

    @property
    def documents_disease(self) -> bool:
        """Whether the assessment lists a target or non-target lesion.

        A baseline that lists none documents no disease to follow, whatever its
        ``non_target_status`` says ("present" with nothing listed is a contradiction): it is
        not an adequate baseline, and later assessments are judged against nothing.
        """
        return bool(self.of_kind("target") or self.of_kind("non_target"))

    def of_kind(self, kind: LesionKind) -> tuple[Lesion, ...]:
        """The lesions of one kind, in the order given."""
        return tuple(lesion for lesion in self.lesions if lesion.kind == kind)
