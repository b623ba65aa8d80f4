"""SDTM findings: LB (laboratory test results) and VS (vital signs).

LB has one row per laboratory value: as entered (``LBORRES``, ``LBORRESU``, normal range) and
in the reference unit of :mod:`metsor.clinical.units` (``LBSTRESN``, ``LBSTRESU``); the
reference-range indicator from the normal range entered; the CTCAE grade given on entry in
``LBTOXGR``; ``LBBLFL = Y`` on the last value of each analyte on or before randomization (the
baseline of the CTCAE abnormal-baseline rule).

VS has one row per measurement: systolic and diastolic blood pressure, pulse, temperature and
weight (ECOG performance status is a clinical classification, kept in ADSL).

References
----------
CDISC SDTM Implementation Guide v3.4, sections 6.3.6 (LB) and 6.3.13 (VS); CDISC controlled
terminology (LBTESTCD, VSTESTCD, NRIND).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

from metsor.export.metadata import Dataset, DatasetSpec, V
from metsor.export.sdtm_subjects import treatment_dates, visit_name, visit_number
from metsor.export.study import Study, ascii_text, iso_date, study_day
from metsor.services.tabulation import CasebookRecords, Record

__all__ = ["LAB_TESTS", "LB", "VS", "laboratory", "vital_signs"]

_ID = (
    V("STUDYID", "Study Identifier", origin="Protocol"),
    V("DOMAIN", "Domain Abbreviation", origin="Assigned"),
    V("USUBJID", "Unique Subject Identifier", origin="Assigned"),
)

LAB_TESTS: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "hemoglobin": ("HGB", "Hemoglobin", "HEMATOLOGY"),
        "anc": ("NEUT", "Neutrophils", "HEMATOLOGY"),
        "platelets": ("PLAT", "Platelets", "HEMATOLOGY"),
        "wbc": ("WBC", "Leukocytes", "HEMATOLOGY"),
        "lymphocytes": ("LYM", "Lymphocytes", "HEMATOLOGY"),
        "total_bilirubin": ("BILI", "Bilirubin", "CHEMISTRY"),
        "albumin": ("ALB", "Albumin", "CHEMISTRY"),
        "creatinine": ("CREAT", "Creatinine", "CHEMISTRY"),
        "ast": ("AST", "Aspartate Aminotransferase", "CHEMISTRY"),
        "alt": ("ALT", "Alanine Aminotransferase", "CHEMISTRY"),
        "alp": ("ALP", "Alkaline Phosphatase", "CHEMISTRY"),
        "inr": ("INR", "Prothrombin Intl. Normalized Ratio", "COAGULATION"),
        "prothrombin_activity": ("PTACT", "Prothrombin Activity", "COAGULATION"),
        "glucose": ("GLUC", "Glucose", "CHEMISTRY"),
        "lactate": ("LACTICAC", "Lactic Acid", "CHEMISTRY"),
        "afp": ("AFP", "Alpha Fetoprotein", "CHEMISTRY"),
    }
)
"""LBTESTCD, LBTEST and LBCAT of each analyte the casebook records (CDISC LBTESTCD terms)."""

LB = DatasetSpec(
    "LB", "Laboratory Test Results", "Tabulation", "FINDINGS", "One record per lab test per "
    "time point per subject", ("STUDYID", "USUBJID", "LBTESTCD", "LBDTC"),
    (
        *_ID,
        V("LBSEQ", "Sequence Number", "integer", "Derived"),
        V("LBTESTCD", "Lab Test or Examination Short Name", origin="Assigned",
          codelist=tuple(code for code, _, _ in LAB_TESTS.values())),
        V("LBTEST", "Lab Test or Examination Name", origin="Assigned"),
        V("LBCAT", "Category for Lab Test", origin="Assigned",
          codelist=("HEMATOLOGY", "CHEMISTRY", "COAGULATION")),
        V("LBORRES", "Result or Finding in Original Units"),
        V("LBORRESU", "Original Units"),
        V("LBORNRLO", "Reference Range Lower Limit in Orig Unit"),
        V("LBORNRHI", "Reference Range Upper Limit in Orig Unit"),
        V("LBSTRESC", "Character Result/Finding in Std Format", origin="Derived"),
        V("LBSTRESN", "Numeric Result/Finding in Standard Units", "float", "Derived"),
        V("LBSTRESU", "Standard Units", origin="Derived"),
        V("LBNRIND", "Reference Range Indicator", origin="Derived",
          codelist=("LOW", "NORMAL", "HIGH")),
        V("LBTOXGR", "Standard Toxicity Grade", origin="Derived",
          codelist=("0", "1", "2", "3", "4", "5")),
        V("LBBLFL", "Baseline Flag", origin="Derived", codelist=("Y",)),
        V("VISITNUM", "Visit Number", "float", "Derived"),
        V("VISIT", "Visit Name", origin="Derived"),
        V("LBDTC", "Date/Time of Specimen Collection"),
        V("LBDY", "Study Day of Specimen Collection", "integer", "Derived"),
    ),
)  # fmt: skip

_VITALS: tuple[tuple[str, str, str, str], ...] = (
    ("systolic_mmhg", "SYSBP", "Systolic Blood Pressure", "mmHg"),
    ("diastolic_mmhg", "DIABP", "Diastolic Blood Pressure", "mmHg"),
    ("heart_rate_bpm", "PULSE", "Pulse Rate", "beats/min"),
    ("temperature_c", "TEMP", "Temperature", "C"),
    ("weight_kg", "WEIGHT", "Weight", "kg"),
)

VS = DatasetSpec(
    "VS", "Vital Signs", "Tabulation", "FINDINGS", "One record per vital sign measurement per "
    "time point per subject", ("STUDYID", "USUBJID", "VSTESTCD", "VSDTC"),
    (
        *_ID,
        V("VSSEQ", "Sequence Number", "integer", "Derived"),
        V("VSTESTCD", "Vital Signs Test Short Name", origin="Assigned",
          codelist=tuple(code for _, code, _, _ in _VITALS)),
        V("VSTEST", "Vital Signs Test Name", origin="Assigned"),
        V("VSORRES", "Result or Finding in Original Units"),
        V("VSORRESU", "Original Units", origin="Assigned"),
        V("VSSTRESC", "Character Result/Finding in Std Format", origin="Derived"),
        V("VSSTRESN", "Numeric Result/Finding in Standard Units", "float", "Derived"),
        V("VSSTRESU", "Standard Units", origin="Assigned"),
        V("VISITNUM", "Visit Number", "float", "Derived"),
        V("VISIT", "Visit Name", origin="Derived"),
        V("VSDTC", "Date/Time of Measurements"),
        V("VSDY", "Study Day of Vital Signs", "integer", "Derived"),
    ),
)  # fmt: skip


def _number_text(value: float | None) -> str | None:
    """A number as text, exactly (``120000``, ``0.8``)."""
    if value is None:
        return None
    text = repr(float(value))
    return text.removesuffix(".0")


def _visits(records: CasebookRecords) -> dict[int, tuple[float, str]]:
    return {
        visit["id"]: (
            visit_number(visit["visit_type"], visit["number"]),
            visit_name(visit["visit_type"], visit["number"]),
        )
        for visit in records.visits
    }


def _baseline_ids(records: CasebookRecords) -> set[int]:
    randomized = {s["subject_id"]: s["randomized_on"] for s in records.subjects}
    latest: dict[tuple[str, str], Record] = {}
    for lab in records.labs:
        day = randomized.get(lab["subject_id"])
        if day is None or lab["collected_on"] > day:
            continue
        key = (lab["subject_id"], lab["analyte"])
        if key not in latest or lab["collected_on"] >= latest[key]["collected_on"]:
            latest[key] = lab
    return {lab["id"] for lab in latest.values()}


def _range_indicator(lab: Record) -> str | None:
    value, low, high = lab["value"], lab["lln"], lab["uln"]
    if low is None and high is None:
        return None
    if low is not None and value < low:
        return "LOW"
    if high is not None and value > high:
        return "HIGH"
    return "NORMAL"


def laboratory(records: CasebookRecords, study: Study) -> Dataset:
    """LB: one row per laboratory value."""
    dosed = treatment_dates(records)
    visits = _visits(records)
    baseline = _baseline_ids(records)
    rows = []
    for lab in records.labs:
        sid = lab["subject_id"]
        code, name, category = LAB_TESTS.get(
            lab["analyte"], (lab["analyte"].upper()[:8], lab["analyte"], "CHEMISTRY")
        )
        visit = visits.get(lab["visit_id"]) if lab["visit_id"] is not None else None
        row: dict[str, Any] = {
            "STUDYID": study.study_id, "DOMAIN": "LB", "USUBJID": study.usubjid(sid),
            "LBTESTCD": code, "LBTEST": name, "LBCAT": category,
            "LBORRES": _number_text(lab["value"]), "LBORRESU": ascii_text(lab["unit"]) or None,
            "LBORNRLO": _number_text(lab["lln"]), "LBORNRHI": _number_text(lab["uln"]),
            "LBSTRESC": _number_text(lab["standard_value"]),
            "LBSTRESN": lab["standard_value"],
            "LBSTRESU": ascii_text(lab["standard_unit"]) or None,
            "LBNRIND": _range_indicator(lab),
            "LBTOXGR": None if lab["ctcae_grade"] is None else str(lab["ctcae_grade"]),
            "LBBLFL": "Y" if lab["id"] in baseline else None,
            "VISITNUM": None if visit is None else visit[0],
            "VISIT": None if visit is None else visit[1],
            "LBDTC": iso_date(lab["collected_on"]),
            "LBDY": study_day(lab["collected_on"], dosed.get(sid, (None, None))[0]),
        }  # fmt: skip
        rows.append(row)
    return Dataset.of(LB, rows, sequence="LBSEQ")


def vital_signs(records: CasebookRecords, study: Study) -> Dataset:
    """VS: one row per vital sign measured."""
    dosed = treatment_dates(records)
    visits = _visits(records)
    rows = []
    for measured in records.vital_signs:
        sid = measured["subject_id"]
        day: date = measured["measured_on"]
        visit = visits.get(measured["visit_id"]) if measured["visit_id"] is not None else None
        for column, code, name, unit in _VITALS:
            value = measured[column]
            if value is None:
                continue
            rows.append(
                {"STUDYID": study.study_id, "DOMAIN": "VS", "USUBJID": study.usubjid(sid),
                 "VSTESTCD": code, "VSTEST": name, "VSORRES": _number_text(value),
                 "VSORRESU": unit, "VSSTRESC": _number_text(value),
                 "VSSTRESN": float(value), "VSSTRESU": unit,
                 "VISITNUM": None if visit is None else visit[0],
                 "VISIT": None if visit is None else visit[1],
                 "VSDTC": iso_date(day), "VSDY": study_day(day, dosed.get(sid, (None, None))[0])}
            )  # fmt: skip
    return Dataset.of(VS, rows, sequence="VSSEQ")
