"""One subject's course through the trial, as the endpoints need it.

Independent of any database: the services build these values from the records, the design
engine and the tests build them directly. Construction checks the order of the dates and
raises :class:`~metsor.errors.InputError` naming the subject and the field.

Conventions
-----------
- ``tumour_assessments`` are the post-baseline assessments, kept sorted by date; one per date.
  An assessment dated on or before randomization is a baseline scan and is rejected, because
  the endpoints would otherwise count it.
- ``last_known_alive_on`` is the last date the subject was known to be alive (visit, call,
  scan). The last contact used for censoring is the latest of it, the assessment dates and the
  withdrawal date (a withdrawal is itself a contact).
- ``withdrawn_on`` is withdrawal of consent to further follow-up; ``lost_to_follow_up_on`` is
  the date the subject was declared lost (not a contact, so not counted as known alive).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Literal, get_args

from metsor.clinical.tumour import Response
from metsor.errors import InputError

__all__ = ["Response", "SubjectCourse", "TumourAssessmentResult", "check_cutoff"]

_RESPONSES = frozenset(get_args(Response))


@dataclass(frozen=True)
class TumourAssessmentResult:
    """The overall response at one post-baseline tumour assessment.

    Attributes
    ----------
    date
        Date of the imaging.
    mrecist
        Time-point response by mRECIST (Lencioni & Llovet 2010).
    recist
        Time-point response by RECIST 1.1 (Eisenhauer et al. 2009).
    adequate
        Whether the assessment was adequate: all target and non-target lesions imaged and
        evaluable, so that a response other than NE could be determined. Only adequate
        assessments serve as censoring dates of TTP and PFS.
    """

    date: date
    mrecist: Response
    recist: Response
    adequate: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.date, date):
            raise InputError(f"assessment date must be a date, got {self.date!r}", field="date")
        for name in ("mrecist", "recist"):
            value = getattr(self, name)
            if value not in _RESPONSES:
                raise InputError(
                    f"{name} response must be one of CR, PR, SD, PD, NE, got {value!r}",
                    field=name,
                )
        if not isinstance(self.adequate, bool):
            raise InputError(
                f"adequate must be true or false, got {self.adequate!r}", field="adequate"
            )

    def response(self, criterion: Literal["mrecist", "recist"]) -> Response:
        """Return the response by one criterion."""
        return self.mrecist if criterion == "mrecist" else self.recist


@dataclass(frozen=True)
class SubjectCourse:
    """Everything the endpoints need about one randomized subject.

    Attributes
    ----------
    subject_id, arm, site, stratum
        Identifiers: subject, arm code, site code, stratum label.
    randomized_on
        Date of randomization: time zero of every endpoint.
    last_known_alive_on
        Last date known alive, if recorded.
    death_on
        Date of death from any cause, if the subject died.
    tumour_assessments
        Post-baseline assessments (sorted by date on construction).
    new_anticancer_therapy_on
        Start of a new anticancer therapy, if any.
    withdrawn_on
        Withdrawal of consent to follow-up, if any.
    lost_to_follow_up_on
        Date declared lost to follow-up, if so.
    baseline
        Baseline characteristics for ADSL (``age``, ``sex``, ``ecog``, …).
    """

    subject_id: str
    arm: str
    site: str
    stratum: str
    randomized_on: date
    last_known_alive_on: date | None = None
    death_on: date | None = None
    tumour_assessments: tuple[TumourAssessmentResult, ...] = ()
    new_anticancer_therapy_on: date | None = None
    withdrawn_on: date | None = None
    lost_to_follow_up_on: date | None = None
    baseline: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not isinstance(self.subject_id, str) or not self.subject_id.strip():
            raise InputError(
                f"subject_id must be a non-empty text, got {self.subject_id!r}", field="subject_id"
            )
        for name in ("arm", "site", "stratum"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                self._fail(name, f"must be a non-empty text, got {value!r}")
        if not isinstance(self.randomized_on, date):
            self._fail("randomized_on", f"must be a date, got {self.randomized_on!r}")
        assessments = tuple(self.tumour_assessments)
        for index, item in enumerate(assessments):
            if not isinstance(item, TumourAssessmentResult):
                self._fail(f"tumour_assessments[{index}]", "must be a TumourAssessmentResult")
        object.__setattr__(
            self, "tumour_assessments", tuple(sorted(assessments, key=lambda a: a.date))
        )
        object.__setattr__(self, "baseline", MappingProxyType(dict(self.baseline)))
        self._check_dates()

    def _fail(self, field_name: str, problem: str) -> None:
        raise InputError(f"subject {self.subject_id}: {field_name} {problem}", field=field_name)

    def _check_dates(self) -> None:
        start = self.randomized_on
        optional = {
            "last_known_alive_on": self.last_known_alive_on,
            "death_on": self.death_on,
            "new_anticancer_therapy_on": self.new_anticancer_therapy_on,
            "withdrawn_on": self.withdrawn_on,
            "lost_to_follow_up_on": self.lost_to_follow_up_on,
        }
        for name, value in optional.items():
            if value is None:
                continue
            if not isinstance(value, date):
                self._fail(name, f"must be a date, got {value!r}")
            if value < start:
                self._fail(name, f"{value} is before randomized_on {start}")
        death = self.death_on
        if death is not None:
            for name in ("last_known_alive_on", "new_anticancer_therapy_on", "withdrawn_on"):
                value = optional[name]
                if value is not None and value > death:
                    self._fail(name, f"{value} is after death_on {death}")
        seen: set[date] = set()
        for index, item in enumerate(self.tumour_assessments):
            where = f"tumour_assessments[{index}].date"
            if item.date <= start:
                self._fail(where, f"{item.date} is not after randomized_on {start}")
            if death is not None and item.date > death:
                self._fail(where, f"{item.date} is after death_on {death}")
            if item.date in seen:
                self._fail(where, f"{item.date} holds more than one assessment")
            seen.add(item.date)

    @property
    def last_contact_on(self) -> date:
        """Last date the subject is known to have been alive (randomization at the least)."""
        dates = [self.randomized_on, *(a.date for a in self.tumour_assessments)]
        for value in (self.last_known_alive_on, self.withdrawn_on):
            if value is not None:
                dates.append(value)
        return max(dates)


def check_cutoff(course: SubjectCourse, cutoff: date | None) -> None:
    """InputError naming ``cutoff`` unless it is a date on or after the subject's randomization."""
    if cutoff is None:
        return
    if not isinstance(cutoff, date):
        raise InputError(f"cutoff must be a date, got {cutoff!r}", field="cutoff")
    if cutoff < course.randomized_on:
        raise InputError(
            f"subject {course.subject_id}: cutoff {cutoff} is before randomized_on "
            f"{course.randomized_on}",
            field="cutoff",
        )
