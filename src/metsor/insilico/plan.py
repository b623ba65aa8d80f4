"""A virtual subject's course as planned: the casebook entries a site would make, by date.

A :class:`CoursePlan` is pure data. The virtual trial records its entries through the casebook
services (:mod:`metsor.insilico.recording`); :meth:`CoursePlan.subject_course` reads the same
plan directly as a :class:`metsor.endpoints.SubjectCourse`, without any database, so that the
endpoints of both paths can be held equal.

A subject is known alive on the date of every contact entry: a visit, a dosing event, a
laboratory sample, vital signs, the onset of an adverse event, a tumour assessment, and the
last contact noted at withdrawal, the start of a new anticancer therapy (:data:`CONTACT_KINDS`),
as the casebook's datasets count them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from metsor.clinical.tumour import Response
from metsor.endpoints import SubjectCourse, TumourAssessmentResult

__all__ = ["CONTACT_KINDS", "ENTRY_KINDS", "CoursePlan", "PlannedEntry", "PlannedScan"]

ENTRY_KINDS: tuple[str, ...] = (
    "visit",
    "missed_visit",
    "lab",
    "vital_signs",
    "tumour_assessment",
    "adverse_event",
    "dose",
    "therapy",
    "withdrawal",
    "death",
)
"""Kinds of casebook entry, in the order they are made within one day."""

CONTACT_KINDS: frozenset[str] = frozenset(
    {"visit", "lab", "vital_signs", "tumour_assessment", "adverse_event", "dose", "therapy"}
)
"""Entries whose date shows the subject alive."""


@dataclass(frozen=True)
class PlannedEntry:
    """One casebook entry: its kind, its date and the fields the service takes.

    Attributes
    ----------
    on
        The entry's date (visit, sample, scan, onset, dosing, death or withdrawal date).
    kind
        One of :data:`ENTRY_KINDS`.
    fields
        Keyword arguments of the recording service, the subject excepted.
    """

    on: date
    kind: str
    fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def order(self) -> int:
        """Position of the entry among the kinds made on one day."""
        return ENTRY_KINDS.index(self.kind)


@dataclass(frozen=True)
class PlannedScan:
    """A post-baseline tumour assessment with the responses its lesions read as."""

    on: date
    mrecist: Response
    recist: Response


@dataclass(frozen=True)
class CoursePlan:
    """Everything planned for one randomized virtual subject.

    Attributes
    ----------
    subject_id, arm, stratum, site
        As allocated.
    randomized_on
        Day of randomization.
    entries
        Casebook entries in date order (baseline included).
    scans
        The post-baseline tumour assessments and their intended responses.
    death_on
        Day of death, if it falls on or before the data cut-off.
    withdrawal_kind
        ``consent_withdrawn`` or ``lost_to_follow_up`` when follow-up ended early.
    """

    subject_id: str
    arm: str
    stratum: str
    site: str
    randomized_on: date
    entries: tuple[PlannedEntry, ...]
    scans: tuple[PlannedScan, ...] = ()
    death_on: date | None = None
    withdrawal_kind: str | None = None

    def by_day(self) -> list[tuple[date, list[PlannedEntry]]]:
        """The entries grouped by date, each day's in the order of :data:`ENTRY_KINDS`."""
        days: dict[date, list[PlannedEntry]] = {}
        for entry in sorted(self.entries, key=lambda e: (e.on, e.order)):
            days.setdefault(entry.on, []).append(entry)
        return sorted(days.items())

    def _withdrawal(self) -> PlannedEntry | None:
        return next((e for e in self.entries if e.kind == "withdrawal"), None)

    @property
    def last_known_alive_on(self) -> date:
        """The latest contact: a contact entry, or the last contact noted at withdrawal."""
        dates = [e.on for e in self.entries if e.kind in CONTACT_KINDS]
        withdrawal = self._withdrawal()
        if withdrawal is not None and withdrawal.fields.get("last_contact_date") is not None:
            dates.append(withdrawal.fields["last_contact_date"])
        return max(dates)

    def subject_course(self) -> SubjectCourse:
        """The course as the endpoints read it, straight from the plan."""
        withdrawal = self._withdrawal()
        lost = withdrawal is not None and withdrawal.fields["kind"] == "lost_to_follow_up"
        therapies = [e.on for e in self.entries if e.kind == "therapy"]
        return SubjectCourse(
            subject_id=self.subject_id,
            arm=self.arm,
            site=self.site,
            stratum=self.stratum,
            randomized_on=self.randomized_on,
            last_known_alive_on=self.last_known_alive_on,
            death_on=self.death_on,
            tumour_assessments=tuple(
                TumourAssessmentResult(date=s.on, mrecist=s.mrecist, recist=s.recist)
                for s in self.scans
            ),
            new_anticancer_therapy_on=min(therapies, default=None),
            withdrawn_on=None if withdrawal is None or lost else withdrawal.on,
            lost_to_follow_up_on=withdrawal.on if withdrawal is not None and lost else None,
        )
