"""Builders shared by the casebook's service tests: lesions, arms' drugs, and row counts.

Shared here rather than imported from one test module into another, so that a test module is
only ever collected for its own tests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from metsor.services.context import Database
from metsor.store.models import casebook as tables
from metsor.store.models.core import AuditLog

__all__ = ["BASELINE_LESIONS", "COUNTED", "both_drugs", "counts", "lesions"]

#: The tables a refused entry must leave as they were (the audit trail among them).
COUNTED = (
    tables.Visit,
    tables.DoseEvent,
    tables.LabResult,
    tables.VitalSigns,
    tables.AdverseEvent,
    tables.AdverseEventDrug,
    tables.TumourAssessment,
    tables.TumourLesion,
    tables.Death,
    tables.Withdrawal,
    tables.DataQuery,
    tables.DataCorrection,
    AuditLog,
)

#: Two enhancing liver targets (RECIST sum 70 mm, mRECIST viable sum 70 mm) and a non-target.
BASELINE_LESIONS: list[dict[str, Any]] = [
    {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": 40.0,
     "viable_diameter_mm": 40.0, "enhancing": True},
    {"lesion_id": "T2", "organ": "liver", "kind": "target", "diameter_mm": 30.0,
     "viable_diameter_mm": 30.0, "enhancing": True},
    {"lesion_id": "N1", "organ": "peritoneum", "kind": "non_target", "diameter_mm": None},
]  # fmt: skip


def lesions(t1: tuple[float, float], t2: tuple[float, float]) -> list[dict[str, Any]]:
    """Follow-up lesions: (diameter, viable diameter) of T1 and T2."""
    return [
        {"lesion_id": "T1", "organ": "liver", "kind": "target", "diameter_mm": t1[0],
         "viable_diameter_mm": t1[1], "enhancing": t1[1] > 0},
        {"lesion_id": "T2", "organ": "liver", "kind": "target", "diameter_mm": t2[0],
         "viable_diameter_mm": t2[1], "enhancing": t2[1] > 0},
    ]  # fmt: skip


def counts(database: Database) -> dict[str, int]:
    """Rows of each :data:`COUNTED` table."""
    with database.sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def both_drugs(arm: str, value: str) -> dict[str, str]:
    """``value`` for each study drug of ``arm``."""
    return {drug: value for drug in ("sorafenib", "metformin") if drug in arm.split("_")}
