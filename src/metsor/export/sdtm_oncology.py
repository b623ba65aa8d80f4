"""SDTM oncology domains: TU (tumour identification), TR (tumour results), RS (disease response).

TU has one row per lesion, where it was first identified (at baseline for target and
non-target lesions, at the assessment where it appeared for a new one): ``TUORRES`` TARGET,
NON-TARGET or NEW, its location and the imaging method. TR has the measurements at each
assessment, linked to TU by ``TRLNKID`` (the lesion identifier): the longest diameter
(``LDIAM``) and, for mRECIST, the longest viable (enhancing) diameter (``VLDIAM``, sponsor
defined) of target lesions, the state of non-target lesions (``TUMSTATE``), and per assessment
the sums of diameters (``SUMDIAM``, ``SUMVDIAM``). RS has the overall time-point response of
each post-baseline assessment, one row per criterion: ``RSTESTCD = OVRLRESP`` with ``RSCAT``
naming the criterion (``RECIST 1.1`` or ``MRECIST``), as computed on entry.

References
----------
CDISC SDTM Implementation Guide v3.4, sections 6.3.14 (TU), 6.3.15 (TR), 6.3.16 (RS); CDISC
SDTMIG Oncology Domains; Eisenhauer EA et al. Eur J Cancer 2009;45:228 (RECIST 1.1); Lencioni
R, Llovet JM. Semin Liver Dis 2010;30:52 (mRECIST).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from metsor.export.metadata import Dataset, DatasetSpec, V
from metsor.export.sdtm_subjects import treatment_dates, visit_name, visit_number
from metsor.export.study import Study, ascii_text, iso_date, study_day
from metsor.services.tabulation import CasebookRecords, Record

__all__ = ["CRITERIA", "RS", "TR", "TU", "response", "tumour_identification", "tumour_results"]

_ID = (
    V("STUDYID", "Study Identifier", origin="Protocol"),
    V("DOMAIN", "Domain Abbreviation", origin="Assigned"),
    V("USUBJID", "Unique Subject Identifier", origin="Assigned"),
)

CRITERIA: Mapping[str, str] = MappingProxyType(
    {"recist_response": "RECIST 1.1", "mrecist_response": "MRECIST"}
)
"""RSCAT of each response the casebook computes on entry."""

_KIND: Mapping[str, str] = MappingProxyType(
    {"target": "TARGET", "non_target": "NON-TARGET", "new": "NEW"}
)
_RESPONSES = ("CR", "PR", "SD", "PD", "NE")

TU = DatasetSpec(
    "TU", "Tumor/Lesion Identification", "Tabulation", "FINDINGS", "One record per identified "
    "lesion per subject", ("STUDYID", "USUBJID", "TULNKID"),
    (
        *_ID,
        V("TUSEQ", "Sequence Number", "integer", "Derived"),
        V("TULNKID", "Link ID"),
        V("TUTESTCD", "Tumor/Lesion ID Short Name", origin="Assigned", codelist=("TUMIDENT",)),
        V("TUTEST", "Tumor/Lesion ID Test Name", origin="Assigned"),
        V("TUORRES", "Tumor/Lesion ID Result", codelist=tuple(_KIND.values())),
        V("TUSTRESC", "Tumor/Lesion ID Result Std. Format", origin="Derived",
          codelist=tuple(_KIND.values())),
        V("TULOC", "Location of the Tumor/Lesion"),
        V("TUMETHOD", "Method of Identification"),
        V("VISITNUM", "Visit Number", "float", "Derived"),
        V("VISIT", "Visit Name", origin="Derived"),
        V("TUDTC", "Date/Time of Tumor/Lesion Identification"),
        V("TUDY", "Study Day of Tumor/Lesion Identification", "integer", "Derived"),
    ),
)  # fmt: skip

TR = DatasetSpec(
    "TR", "Tumor/Lesion Results", "Tabulation", "FINDINGS", "One record per tumor measurement "
    "or assessment per visit per subject", ("STUDYID", "USUBJID", "TRDTC", "TRTESTCD", "TRLNKID"),
    (
        *_ID,
        V("TRSEQ", "Sequence Number", "integer", "Derived"),
        V("TRGRPID", "Group ID", origin="Derived", codelist=tuple(_KIND.values())),
        V("TRLNKID", "Link ID"),
        V("TRTESTCD", "Tumor/Lesion Assessment Short Name", origin="Assigned",
          codelist=("LDIAM", "VLDIAM", "TUMSTATE", "SUMDIAM", "SUMVDIAM")),
        V("TRTEST", "Tumor/Lesion Assessment Test Name", origin="Assigned"),
        V("TRORRES", "Result or Finding in Original Units"),
        V("TRORRESU", "Original Units", codelist=("mm",)),
        V("TRSTRESC", "Character Result/Finding in Std Format", origin="Derived"),
        V("TRSTRESN", "Numeric Result/Finding in Standard Units", "float", "Derived"),
        V("TRSTRESU", "Standard Units", origin="Derived", codelist=("mm",)),
        V("TRMETHOD", "Method of Test or Examination"),
        V("VISITNUM", "Visit Number", "float", "Derived"),
        V("VISIT", "Visit Name", origin="Derived"),
        V("TRDTC", "Date/Time of Tumor/Lesion Measurement"),
        V("TRDY", "Study Day of Tumor/Lesion Measurement", "integer", "Derived"),
    ),
)  # fmt: skip

RS = DatasetSpec(
    "RS", "Disease Response and Clin Classification", "Tabulation", "FINDINGS", "One record "
    "per response assessment per criterion per visit per subject",
    ("STUDYID", "USUBJID", "RSCAT", "RSDTC"),
    (
        *_ID,
        V("RSSEQ", "Sequence Number", "integer", "Derived"),
        V("RSTESTCD", "Assessment Short Name", origin="Assigned", codelist=("OVRLRESP",)),
        V("RSTEST", "Assessment Name", origin="Assigned"),
        V("RSCAT", "Category for Assessment", origin="Assigned",
          codelist=tuple(CRITERIA.values())),
        V("RSORRES", "Result or Finding in Original Units", origin="Derived",
          codelist=_RESPONSES),
        V("RSSTRESC", "Character Result/Finding in Std Format", origin="Derived",
          codelist=_RESPONSES),
        V("RSEVAL", "Evaluator", origin="Assigned", codelist=("INVESTIGATOR",)),
        V("RSACPTFL", "Adequate Assessment Flag", origin="Derived", codelist=("Y", "N")),
        V("VISITNUM", "Visit Number", "float", "Derived"),
        V("VISIT", "Visit Name", origin="Derived"),
        V("RSDTC", "Date/Time of Assessment"),
        V("RSDY", "Study Day of Assessment", "integer", "Derived"),
    ),
)  # fmt: skip


def _common(assessment: Record, study: Study, start: Any, domain: str) -> dict[str, Any]:
    """Identifiers, date and study day; a baseline assessment is at the BASELINE visit."""
    baseline = bool(assessment["is_baseline"])
    return {
        "STUDYID": study.study_id, "DOMAIN": domain,
        "USUBJID": study.usubjid(assessment["subject_id"]),
        "VISITNUM": visit_number("baseline", 0) if baseline else None,
        "VISIT": visit_name("baseline", 0) if baseline else None,
        f"{domain}DTC": iso_date(assessment["assessed_on"]),
        f"{domain}DY": study_day(assessment["assessed_on"], start),
    }  # fmt: skip


def _visit_of(records: CasebookRecords) -> dict[int, tuple[float, str]]:
    return {
        visit["id"]: (
            visit_number(visit["visit_type"], visit["number"]),
            visit_name(visit["visit_type"], visit["number"]),
        )
        for visit in records.visits
    }


def _with_visit(
    row: dict[str, Any], assessment: Record, visits: dict[int, tuple[float, str]]
) -> dict[str, Any]:
    found = visits.get(assessment["visit_id"]) if assessment["visit_id"] is not None else None
    if found is not None:
        row["VISITNUM"], row["VISIT"] = found
    return row


def tumour_identification(records: CasebookRecords, study: Study) -> Dataset:
    """TU: one row per lesion, where it was first identified."""
    dosed = treatment_dates(records)
    visits = _visit_of(records)
    seen: set[tuple[str, str]] = set()
    rows = []
    for assessment in records.tumour_assessments:
        sid = assessment["subject_id"]
        for lesion in assessment["lesions"]:
            key = (sid, lesion["lesion_id"])
            if key in seen:
                continue
            seen.add(key)
            kind = _KIND.get(lesion["kind"], "NEW")
            row = _common(assessment, study, dosed.get(sid, (None, None))[0], "TU")
            row.update(
                {"TULNKID": ascii_text(lesion["lesion_id"]), "TUTESTCD": "TUMIDENT",
                 "TUTEST": "Tumor Identification", "TUORRES": kind, "TUSTRESC": kind,
                 "TULOC": (ascii_text(lesion["organ"]) or "").upper() or None,
                 "TUMETHOD": ascii_text(assessment["method"])}
            )  # fmt: skip
            rows.append(_with_visit(row, assessment, visits))
    return Dataset.of(TU, rows, sequence="TUSEQ")


def _measurements(
    assessment: Record, kinds: dict[tuple[str, str], str]
) -> list[tuple[str, str | None, str, str, Any, str | None]]:
    """``(group, link, code, name, value, unit)`` of each TR result of one assessment."""
    found: list[tuple[str, str | None, str, str, Any, str | None]] = []
    for lesion in assessment["lesions"]:
        link = ascii_text(lesion["lesion_id"])
        key = (assessment["subject_id"], lesion["lesion_id"])
        kind = kinds.setdefault(key, _KIND.get(lesion["kind"], "NEW"))
        if kind == "TARGET":
            if lesion["diameter_mm"] is not None:
                found.append((kind, link, "LDIAM", "Longest Diameter", lesion["diameter_mm"], "mm"))
            if lesion["viable_diameter_mm"] is not None:
                found.append((kind, link, "VLDIAM", "Longest Viable Diameter",
                              lesion["viable_diameter_mm"], "mm"))  # fmt: skip
        else:
            state = "PRESENT" if kind == "NEW" else assessment["non_target_status"]
            found.append((kind, link, "TUMSTATE", "Tumor State",
                          str(state).upper().replace("_", " "), None))  # fmt: skip
    for column, code, name in (
        ("sum_diameters_mm", "SUMDIAM", "Sum of Diameters"),
        ("sum_viable_diameters_mm", "SUMVDIAM", "Sum of Viable Diameters"),
    ):
        if assessment[column] is not None:
            found.append(("TARGET", None, code, name, assessment[column], "mm"))
    return found


def tumour_results(records: CasebookRecords, study: Study) -> Dataset:
    """TR: lesion measurements and sums of diameters at each assessment."""
    dosed = treatment_dates(records)
    visits = _visit_of(records)
    kinds: dict[tuple[str, str], str] = {}
    rows = []
    for assessment in records.tumour_assessments:
        start = dosed.get(assessment["subject_id"], (None, None))[0]
        for group, link, code, name, value, unit in _measurements(assessment, kinds):
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            text = _text(value)
            row = _common(assessment, study, start, "TR")
            row.update(
                {"TRGRPID": group, "TRLNKID": link, "TRTESTCD": code, "TRTEST": name,
                 "TRORRES": text, "TRORRESU": unit, "TRSTRESC": text,
                 "TRSTRESN": float(value) if numeric else None, "TRSTRESU": unit,
                 "TRMETHOD": ascii_text(assessment["method"])}
            )  # fmt: skip
            rows.append(_with_visit(row, assessment, visits))
    return Dataset.of(TR, rows, sequence="TRSEQ")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return str(value)


def response(records: CasebookRecords, study: Study) -> Dataset:
    """RS: the overall response of each post-baseline assessment, one row per criterion."""
    dosed = treatment_dates(records)
    visits = _visit_of(records)
    rows = []
    for assessment in records.tumour_assessments:
        if assessment["is_baseline"]:
            continue
        sid = assessment["subject_id"]
        for column, criterion in CRITERIA.items():
            value = assessment[column]
            if value is None:
                continue
            row = _common(assessment, study, dosed.get(sid, (None, None))[0], "RS")
            row.update(
                {"RSTESTCD": "OVRLRESP", "RSTEST": "Overall Response", "RSCAT": criterion,
                 "RSORRES": value, "RSSTRESC": value, "RSEVAL": "INVESTIGATOR",
                 "RSACPTFL": "Y" if assessment["adequate"] else "N"}
            )  # fmt: skip
            rows.append(_with_visit(row, assessment, visits))
    return Dataset.of(RS, rows, sequence="RSSEQ")
