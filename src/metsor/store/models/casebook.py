"""Casebook tables: what is recorded of a subject's course after consent.

Visits and the scheduled visits that did not take place (with the reason), dosing events,
laboratory results (with the CTCAE grade computed on entry), vital signs, adverse events (with
relatedness and action taken per study drug), tumour assessments and their lesions (with the
RECIST 1.1 and mRECIST time-point responses computed on entry), deaths, withdrawals, data
queries and corrections; and, from follow-up after study treatment, new anticancer therapies
and survival contacts.

Every table is audited (:class:`~metsor.store.base.AuditedMixin`): each insert and update is
written to ``audit_log`` in the same transaction, and no row is ever deleted. Coded values are
checked by the services (:mod:`metsor.services.casebook`), not by CHECK constraints, so that a
later protocol can add a code without a migration; the database holds the keys that make a
record unique, so that two concurrent entries of the same record cannot both land.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from metsor.store.base import AuditedMixin, Base, utcnow

__all__ = [
    "AdverseEvent",
    "AdverseEventDrug",
    "AnticancerTherapy",
    "DataCorrection",
    "DataQuery",
    "Death",
    "DoseEvent",
    "LabResult",
    "MissedVisit",
    "SurvivalContact",
    "TumourAssessment",
    "TumourLesion",
    "Visit",
    "VitalSigns",
    "Withdrawal",
]

_SUBJECT = "subjects.subject_id"


class Visit(AuditedMixin, Base):
    """A visit of the schedule (baseline, treatment, tumour assessment, follow-up) or not."""

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("subject_id", "visit_type", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    visit_type: Mapped[str] = mapped_column(String(24))
    number: Mapped[int] = mapped_column(Integer)
    planned_date: Mapped[date | None] = mapped_column(Date)
    actual_date: Mapped[date] = mapped_column(Date)
    in_window: Mapped[bool | None] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class MissedVisit(AuditedMixin, Base):
    """A visit of the schedule recorded as not done: it did not take place, and why.

    The schedule counts it as accounted for (neither due nor overdue). It is never deleted: a
    mark found wrong (the visit did take place) is retracted by a correction of
    ``retracted``, with its reason, and the visit is then recorded as any other.
    """

    __tablename__ = "missed_visits"
    __table_args__ = (UniqueConstraint("subject_id", "visit_type", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    visit_type: Mapped[str] = mapped_column(String(24))
    number: Mapped[int] = mapped_column(Integer)
    planned_date: Mapped[date | None] = mapped_column(Date)
    missed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class DoseEvent(AuditedMixin, Base):
    """A start, change, interruption, resumption or discontinuation of one study drug."""

    __tablename__ = "dose_events"
    __table_args__ = (UniqueConstraint("subject_id", "drug", "event_date", "event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    drug: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(16))
    event_date: Mapped[date] = mapped_column(Date)
    level: Mapped[str | None] = mapped_column(String(16))
    dose_mg: Mapped[float | None] = mapped_column(Float)
    frequency: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    egfr_override: Mapped[str | None] = mapped_column(Text)
    """Why metformin is started at an eGFR of 30 to 45 (label: not recommended); set only by
    the override parameter of a metformin start, never read from ``reason``."""
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class LabResult(AuditedMixin, Base):
    """One laboratory value, with its normal range and the CTCAE grade given on entry."""

    __tablename__ = "lab_results"
    __table_args__ = (UniqueConstraint("subject_id", "analyte", "collected_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    collected_on: Mapped[date] = mapped_column(Date)
    analyte: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    lln: Mapped[float | None] = mapped_column(Float)
    uln: Mapped[float | None] = mapped_column(Float)
    standard_value: Mapped[float] = mapped_column(Float)
    standard_unit: Mapped[str] = mapped_column(String(16))
    baseline_value: Mapped[float | None] = mapped_column(Float)
    ctcae_term: Mapped[str | None] = mapped_column(String(64))
    ctcae_grade: Mapped[int | None] = mapped_column(Integer)
    ctcae_version: Mapped[str | None] = mapped_column(String(8))
    ctcae_basis: Mapped[str | None] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class VitalSigns(AuditedMixin, Base):
    """Blood pressure, pulse, temperature, weight and ECOG status on one day."""

    __tablename__ = "vital_signs"
    __table_args__ = (UniqueConstraint("subject_id", "measured_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    measured_on: Mapped[date] = mapped_column(Date)
    systolic_mmhg: Mapped[int] = mapped_column(Integer)
    diastolic_mmhg: Mapped[int] = mapped_column(Integer)
    heart_rate_bpm: Mapped[int | None] = mapped_column(Integer)
    temperature_c: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    ecog: Mapped[int | None] = mapped_column(Integer)
    hypertension_grade: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdverseEvent(AuditedMixin, Base):
    """An adverse event: term, CTCAE grade and version, seriousness, dates and outcome."""

    __tablename__ = "adverse_events"
    __table_args__ = (UniqueConstraint("subject_id", "term", "onset_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    term: Mapped[str] = mapped_column(String(128))
    grade: Mapped[int] = mapped_column(Integer)
    ctcae_version: Mapped[str] = mapped_column(String(8))
    serious: Mapped[bool] = mapped_column(Boolean)
    onset_date: Mapped[date] = mapped_column(Date)
    resolution_date: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdverseEventDrug(AuditedMixin, Base):
    """For one adverse event and one study drug: relatedness and the action taken."""

    __tablename__ = "adverse_event_drugs"
    __table_args__ = (UniqueConstraint("adverse_event_id", "drug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adverse_event_id: Mapped[int] = mapped_column(ForeignKey("adverse_events.id"), index=True)
    drug: Mapped[str] = mapped_column(String(32))
    relatedness: Mapped[str] = mapped_column(String(16))
    action_taken: Mapped[str] = mapped_column(String(24))


class TumourAssessment(AuditedMixin, Base):
    """One imaging time point, with the responses computed on entry (none at baseline)."""

    __tablename__ = "tumour_assessments"
    __table_args__ = (UniqueConstraint("subject_id", "assessed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    assessed_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(8))
    is_baseline: Mapped[bool] = mapped_column(Boolean)
    non_target_status: Mapped[str] = mapped_column(String(32))
    new_lesion: Mapped[bool] = mapped_column(Boolean)
    sum_diameters_mm: Mapped[float | None] = mapped_column(Float)
    sum_viable_diameters_mm: Mapped[float | None] = mapped_column(Float)
    recist_response: Mapped[str | None] = mapped_column(String(2))
    mrecist_response: Mapped[str | None] = mapped_column(String(2))
    adequate: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class TumourLesion(AuditedMixin, Base):
    """One lesion as measured at one tumour assessment."""

    __tablename__ = "tumour_lesions"
    __table_args__ = (UniqueConstraint("assessment_id", "lesion_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("tumour_assessments.id"), index=True)
    lesion_id: Mapped[str] = mapped_column(String(32))
    organ: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    diameter_mm: Mapped[float | None] = mapped_column(Float)
    viable_diameter_mm: Mapped[float | None] = mapped_column(Float)
    is_lymph_node: Mapped[bool] = mapped_column(Boolean)
    short_axis_mm: Mapped[float | None] = mapped_column(Float)
    enhancing: Mapped[bool | None] = mapped_column(Boolean)


class Death(AuditedMixin, Base):
    """The death of a subject: date and cause."""

    __tablename__ = "deaths"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), unique=True)
    death_date: Mapped[date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(32))
    cause_detail: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Withdrawal(AuditedMixin, Base):
    """A subject's end of follow-up: consent withdrawn, lost to follow-up, or other."""

    __tablename__ = "withdrawals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    withdrawn_on: Mapped[date] = mapped_column(Date)
    last_contact_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataQuery(AuditedMixin, Base):
    """A question raised on one field of one record: open, answered, closed."""

    __tablename__ = "data_queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column()


class DataCorrection(AuditedMixin, Base):
    """A change of one recorded value, with its reason (the audit trail holds it too)."""

    __tablename__ = "data_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    query_id: Mapped[int | None] = mapped_column(ForeignKey("data_queries.id"))
    corrected_by: Mapped[str] = mapped_column(String(64))
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnticancerTherapy(AuditedMixin, Base):
    """An anticancer therapy other than the study treatment, started after randomization.

    Systemic therapy, locoregional therapy (TACE, radiotherapy, ablation), surgery or other;
    the earliest start is the subject's new anticancer therapy for the censoring of TTP and PFS.
    """

    __tablename__ = "anticancer_therapies"
    __table_args__ = (UniqueConstraint("subject_id", "name", "started_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    name: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(16))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurvivalContact(AuditedMixin, Base):
    """A contact of survival follow-up: the subject known alive, or known dead, on a day.

    A contact that learns of the death says only ``dead``: the date and cause are in the
    subject's death record.
    """

    __tablename__ = "survival_contacts"
    __table_args__ = (UniqueConstraint("subject_id", "contact_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey(_SUBJECT), index=True)
    contact_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
