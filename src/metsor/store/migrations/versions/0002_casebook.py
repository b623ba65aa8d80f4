"""Casebook tables: visits, dosing, labs, vital signs, adverse events, tumour assessments,
deaths, withdrawals, data queries and corrections.

Revision ID: 0002_casebook
Revises: 0001_core
Create Date: 2026-11-26

Every table is audited field by field (``metsor.store.models.casebook``); times are
``timestamp with time zone`` as in ``0001_core``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_casebook"
down_revision: str | None = "0001_core"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "adverse_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("term", sa.String(length=128), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("ctcae_version", sa.String(length=8), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("onset_date", sa.Date(), nullable=False),
        sa.Column("resolution_date", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_adverse_events_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_events")),
        sa.UniqueConstraint(
            "subject_id",
            "term",
            "onset_date",
            name=op.f("uq_adverse_events_subject_id_term_onset_date"),
        ),
    )
    op.create_index(
        op.f("ix_adverse_events_subject_id"), "adverse_events", ["subject_id"], unique=False
    )

    op.create_table(
        "data_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raised_by", sa.String(length=64), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_data_queries_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_queries")),
    )
    op.create_index(
        op.f("ix_data_queries_subject_id"), "data_queries", ["subject_id"], unique=False
    )

    op.create_table(
        "deaths",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("death_date", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("cause_detail", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.subject_id"], name=op.f("fk_deaths_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deaths")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_deaths_subject_id")),
    )
    op.create_table(
        "dose_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("drug", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("dose_mg", sa.Float(), nullable=True),
        sa.Column("frequency", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.subject_id"], name=op.f("fk_dose_events_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_events")),
        sa.UniqueConstraint(
            "subject_id",
            "drug",
            "event_date",
            "event",
            name=op.f("uq_dose_events_subject_id_drug_event_date_event"),
        ),
    )
    op.create_index(op.f("ix_dose_events_subject_id"), "dose_events", ["subject_id"], unique=False)

    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("visit_type", sa.String(length=24), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("actual_date", sa.Date(), nullable=False),
        sa.Column("in_window", sa.Boolean(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.subject_id"], name=op.f("fk_visits_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint(
            "subject_id",
            "visit_type",
            "number",
            name=op.f("uq_visits_subject_id_visit_type_number"),
        ),
    )
    op.create_index(op.f("ix_visits_subject_id"), "visits", ["subject_id"], unique=False)

    op.create_table(
        "withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=False),
        sa.Column("last_contact_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.subject_id"], name=op.f("fk_withdrawals_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawals")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_withdrawals_subject_id")),
    )
    op.create_table(
        "adverse_event_drugs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adverse_event_id", sa.Integer(), nullable=False),
        sa.Column("drug", sa.String(length=32), nullable=False),
        sa.Column("relatedness", sa.String(length=16), nullable=False),
        sa.Column("action_taken", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["adverse_event_id"],
            ["adverse_events.id"],
            name=op.f("fk_adverse_event_drugs_adverse_event_id_adverse_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_event_drugs")),
        sa.UniqueConstraint(
            "adverse_event_id", "drug", name=op.f("uq_adverse_event_drugs_adverse_event_id_drug")
        ),
    )
    op.create_index(
        op.f("ix_adverse_event_drugs_adverse_event_id"),
        "adverse_event_drugs",
        ["adverse_event_id"],
        unique=False,
    )

    op.create_table(
        "data_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("query_id", sa.Integer(), nullable=True),
        sa.Column("corrected_by", sa.String(length=64), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["data_queries.id"],
            name=op.f("fk_data_corrections_query_id_data_queries"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_data_corrections_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_corrections")),
    )
    op.create_index(
        op.f("ix_data_corrections_subject_id"), "data_corrections", ["subject_id"], unique=False
    )

    op.create_table(
        "lab_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("collected_on", sa.Date(), nullable=False),
        sa.Column("analyte", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("lln", sa.Float(), nullable=True),
        sa.Column("uln", sa.Float(), nullable=True),
        sa.Column("standard_value", sa.Float(), nullable=False),
        sa.Column("standard_unit", sa.String(length=16), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("ctcae_term", sa.String(length=64), nullable=True),
        sa.Column("ctcae_grade", sa.Integer(), nullable=True),
        sa.Column("ctcae_version", sa.String(length=8), nullable=True),
        sa.Column("ctcae_basis", sa.String(length=16), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.subject_id"], name=op.f("fk_lab_results_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_lab_results_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_results")),
        sa.UniqueConstraint(
            "subject_id",
            "analyte",
            "collected_on",
            name=op.f("uq_lab_results_subject_id_analyte_collected_on"),
        ),
    )
    op.create_index(op.f("ix_lab_results_subject_id"), "lab_results", ["subject_id"], unique=False)

    op.create_table(
        "tumour_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("is_baseline", sa.Boolean(), nullable=False),
        sa.Column("non_target_status", sa.String(length=32), nullable=False),
        sa.Column("new_lesion", sa.Boolean(), nullable=False),
        sa.Column("sum_diameters_mm", sa.Float(), nullable=True),
        sa.Column("sum_viable_diameters_mm", sa.Float(), nullable=True),
        sa.Column("recist_response", sa.String(length=2), nullable=True),
        sa.Column("mrecist_response", sa.String(length=2), nullable=True),
        sa.Column("adequate", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.subject_id"],
            name=op.f("fk_tumour_assessments_subject_id_subjects"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_tumour_assessments_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tumour_assessments")),
        sa.UniqueConstraint(
            "subject_id", "assessed_on", name=op.f("uq_tumour_assessments_subject_id_assessed_on")
        ),
    )
    op.create_index(
        op.f("ix_tumour_assessments_subject_id"), "tumour_assessments", ["subject_id"], unique=False
    )

    op.create_table(
        "vital_signs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("systolic_mmhg", sa.Integer(), nullable=False),
        sa.Column("diastolic_mmhg", sa.Integer(), nullable=False),
        sa.Column("heart_rate_bpm", sa.Integer(), nullable=True),
        sa.Column("temperature_c", sa.Float(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("ecog", sa.Integer(), nullable=True),
        sa.Column("hypertension_grade", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.subject_id"], name=op.f("fk_vital_signs_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_vital_signs_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vital_signs")),
        sa.UniqueConstraint(
            "subject_id", "measured_on", name=op.f("uq_vital_signs_subject_id_measured_on")
        ),
    )
    op.create_index(op.f("ix_vital_signs_subject_id"), "vital_signs", ["subject_id"], unique=False)

    op.create_table(
        "tumour_lesions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("lesion_id", sa.String(length=32), nullable=False),
        sa.Column("organ", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("diameter_mm", sa.Float(), nullable=True),
        sa.Column("viable_diameter_mm", sa.Float(), nullable=True),
        sa.Column("is_lymph_node", sa.Boolean(), nullable=False),
        sa.Column("short_axis_mm", sa.Float(), nullable=True),
        sa.Column("enhancing", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["tumour_assessments.id"],
            name=op.f("fk_tumour_lesions_assessment_id_tumour_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tumour_lesions")),
        sa.UniqueConstraint(
            "assessment_id", "lesion_id", name=op.f("uq_tumour_lesions_assessment_id_lesion_id")
        ),
    )
    op.create_index(
        op.f("ix_tumour_lesions_assessment_id"), "tumour_lesions", ["assessment_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_tumour_lesions_assessment_id"), table_name="tumour_lesions")

    op.drop_table("tumour_lesions")
    op.drop_index(op.f("ix_vital_signs_subject_id"), table_name="vital_signs")

    op.drop_table("vital_signs")
    op.drop_index(op.f("ix_tumour_assessments_subject_id"), table_name="tumour_assessments")

    op.drop_table("tumour_assessments")
    op.drop_index(op.f("ix_lab_results_subject_id"), table_name="lab_results")

    op.drop_table("lab_results")
    op.drop_index(op.f("ix_data_corrections_subject_id"), table_name="data_corrections")

    op.drop_table("data_corrections")
    op.drop_index(op.f("ix_adverse_event_drugs_adverse_event_id"), table_name="adverse_event_drugs")

    op.drop_table("adverse_event_drugs")
    op.drop_table("withdrawals")
    op.drop_index(op.f("ix_visits_subject_id"), table_name="visits")

    op.drop_table("visits")
    op.drop_index(op.f("ix_dose_events_subject_id"), table_name="dose_events")

    op.drop_table("dose_events")
    op.drop_table("deaths")
    op.drop_index(op.f("ix_data_queries_subject_id"), table_name="data_queries")

    op.drop_table("data_queries")
    op.drop_index(op.f("ix_adverse_events_subject_id"), table_name="adverse_events")

    op.drop_table("adverse_events")
