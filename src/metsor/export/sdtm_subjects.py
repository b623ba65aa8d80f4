"""SDTM special-purpose and disposition domains: DM (demographics), DS (disposition), SV
(subject visits).

DM has one row per registered subject. The reference start (``RFSTDTC``) is the first dose of
study treatment, its end (``RFENDTC``) the last dosing record; ``RFICDTC`` the consent;
``RFPENDTC`` the last date of any record of the subject. A subject screened but not
randomized has no arm, and ``ARMNRS`` says why (``SCREEN FAILURE`` when screening found them
ineligible, ``NOT ASSIGNED`` otherwise); a randomized subject never dosed has
``ARMNRS = ASSIGNED, NOT TREATED`` and no actual arm.

SV has one row per visit that took place and one per planned visit recorded as not done
(``SVPRESP = Y``, ``SVOCCUR = N``, the reason in ``SVREASOC``, no dates; SDTMIG v3.4 section
5.3); a scheduled visit that took place has ``SVPRESP = SVOCCUR = Y``, an unscheduled one
neither.

DS holds the protocol milestones (informed consent, randomization) and the disposition events
(screen failure, death, withdrawal, loss to follow-up), ``DSDECOD`` from the CDISC NCOMPLT
codelist.

References
----------
CDISC SDTM Implementation Guide v3.4, sections 5.2 (DM), 6.2.2 (DS), 5.3 (SV).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

from metsor.export.metadata import Dataset, DatasetSpec, V
from metsor.export.study import Study, iso_date, study_day
from metsor.services.tabulation import CasebookRecords, Record

__all__ = ["DM", "DS", "SV", "demographics", "disposition", "subject_visits", "treatment_dates"]

_ID = (
    V("STUDYID", "Study Identifier", origin="Protocol"),
    V("DOMAIN", "Domain Abbreviation", origin="Assigned"),
    V("USUBJID", "Unique Subject Identifier", origin="Assigned"),
)

DM = DatasetSpec(
    "DM", "Demographics", "Tabulation", "SPECIAL PURPOSE", "One record per subject",
    ("STUDYID", "USUBJID"),
    (
        *_ID,
        V("SUBJID", "Subject Identifier for the Study"),
        V("RFSTDTC", "Subject Reference Start Date/Time", origin="Derived"),
        V("RFENDTC", "Subject Reference End Date/Time", origin="Derived"),
        V("RFXSTDTC", "Date/Time of First Study Treatment", origin="Derived"),
        V("RFXENDTC", "Date/Time of Last Study Treatment", origin="Derived"),
        V("RFICDTC", "Date/Time of Informed Consent"),
        V("RFPENDTC", "Date/Time of End of Participation", origin="Derived"),
        V("DTHDTC", "Date/Time of Death"),
        V("DTHFL", "Subject Death Flag", origin="Derived", codelist=("Y",)),
        V("SITEID", "Study Site Identifier"),
        V("AGE", "Age", "integer"),
        V("AGEU", "Age Units", origin="Assigned", codelist=("YEARS",)),
        V("SEX", "Sex", codelist=("M", "F", "U")),
        V("RACE", "Race"),
        V("ARMCD", "Planned Arm Code", origin="Assigned"),
        V("ARM", "Description of Planned Arm", origin="Assigned"),
        V("ACTARMCD", "Actual Arm Code", origin="Derived"),
        V("ACTARM", "Description of Actual Arm", origin="Derived"),
        V("ARMNRS", "Reason Arm and/or Actual Arm is Null", origin="Derived",
          codelist=("SCREEN FAILURE", "NOT ASSIGNED", "ASSIGNED, NOT TREATED")),
        V("COUNTRY", "Country", origin="Protocol"),
        V("DMDTC", "Date/Time of Collection"),
        V("DMDY", "Study Day of Collection", "integer", "Derived"),
    ),
)  # fmt: skip

DS = DatasetSpec(
    "DS", "Disposition", "Tabulation", "EVENTS", "One record per disposition status or "
    "protocol milestone per subject", ("STUDYID", "USUBJID", "DSSEQ"),
    (
        *_ID,
        V("DSSEQ", "Sequence Number", "integer", "Derived"),
        V("DSTERM", "Reported Term for the Disposition Event"),
        V("DSDECOD", "Standardized Disposition Term", origin="Assigned",
          codelist=("INFORMED CONSENT OBTAINED", "RANDOMIZED", "SCREEN FAILURE", "DEATH",
                    "WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP", "PHYSICIAN DECISION",
                    "STUDY TERMINATED BY SPONSOR", "OTHER")),
        V("DSCAT", "Category for Disposition Event", origin="Assigned",
          codelist=("PROTOCOL MILESTONE", "DISPOSITION EVENT")),
        V("DSSTDTC", "Start Date/Time of Disposition Event"),
        V("DSSTDY", "Study Day of Start of Disposition Event", "integer", "Derived"),
    ),
)  # fmt: skip

SV = DatasetSpec(
    "SV", "Subject Visits", "Tabulation", "SPECIAL PURPOSE", "One record per subject per "
    "actual or planned visit", ("STUDYID", "USUBJID", "VISITNUM"),
    (
        *_ID,
        V("VISITNUM", "Visit Number", "float", "Derived"),
        V("VISIT", "Visit Name", origin="Derived"),
        V("SVSTDTC", "Start Date/Time of Visit"),
        V("SVENDTC", "End Date/Time of Visit"),
        V("SVSTDY", "Study Day of Start of Visit", "integer", "Derived"),
        V("SVPRESP", "Pre-specified", origin="Derived", codelist=("Y",)),
        V("SVOCCUR", "Occurrence", origin="Derived", codelist=("N", "Y")),
        V("SVREASOC", "Reason for Occur Value"),
        V("SVUPDES", "Description of Unplanned Visit", origin="Derived"),
    ),
)  # fmt: skip

_WITHDRAWAL: Mapping[str, str] = MappingProxyType(
    {
        "consent_withdrawn": "WITHDRAWAL BY SUBJECT",
        "lost_to_follow_up": "LOST TO FOLLOW-UP",
        "investigator_decision": "PHYSICIAN DECISION",
        "sponsor_decision": "STUDY TERMINATED BY SPONSOR",
    }
)
_VISIT_BASE: Mapping[str, int] = MappingProxyType(
    {"baseline": 0, "treatment": 100, "tumour_assessment": 200, "follow_up": 300,
     "unscheduled": 900}
)  # fmt: skip
_SEX: Mapping[str, str] = MappingProxyType({"male": "M", "female": "F", "m": "M", "f": "F"})


def treatment_dates(records: CasebookRecords) -> dict[str, tuple[date, date]]:
    """Subject → (first dose, last dosing record) of study treatment, for dosed subjects."""
    found: dict[str, tuple[date, date]] = {}
    for dose in records.doses:
        subject, day = dose["subject_id"], dose["event_date"]
        first, last = found.get(subject, (day, day))
        found[subject] = (min(first, day), max(last, day))
    return found


def _last_dates(records: CasebookRecords) -> dict[str, date]:
    latest: dict[str, date] = {}
    tables: Iterable[tuple[tuple[Record, ...], str]] = (
        (records.visits, "actual_date"), (records.doses, "event_date"),
        (records.labs, "collected_on"), (records.vital_signs, "measured_on"),
        (records.adverse_events, "onset_date"), (records.tumour_assessments, "assessed_on"),
        (records.deaths, "death_date"), (records.withdrawals, "withdrawn_on"),
        (records.therapies, "started_on"), (records.survival_contacts, "contact_on"),
    )  # fmt: skip
    for rows, column in tables:
        for row in rows:
            subject, day = row["subject_id"], row[column]
            if subject not in latest or day > latest[subject]:
                latest[subject] = day
    return latest


def demographics(records: CasebookRecords, study: Study) -> Dataset:
    """DM: one row per registered subject."""
    dosed = treatment_dates(records)
    last = _last_dates(records)
    deaths = {row["subject_id"]: row["death_date"] for row in records.deaths}
    country = next((site.country for site in study.protocol.sites if site.country), None)
    rows = []
    for subject in records.subjects:
        sid = subject["subject_id"]
        screening: Mapping[str, Any] = subject["screening"] or {}
        arm = subject["arm"]
        first, final = dosed.get(sid, (None, None))
        dies = deaths.get(sid)
        age = screening.get("age_years")
        rows.append(
            {
                "STUDYID": study.study_id, "DOMAIN": "DM", "USUBJID": study.usubjid(sid),
                "SUBJID": sid, "RFSTDTC": iso_date(first), "RFENDTC": iso_date(final),
                "RFXSTDTC": iso_date(first), "RFXENDTC": iso_date(final),
                "RFICDTC": iso_date(subject["consented_on"]),
                "RFPENDTC": iso_date(_latest(last.get(sid), subject["screened_on"],
                                              subject["consented_on"])),
                "DTHDTC": iso_date(dies), "DTHFL": "Y" if dies else None,
                "SITEID": subject["site"],
                "AGE": int(age) if isinstance(age, int | float) else None,
                "AGEU": "YEARS" if isinstance(age, int | float) else None,
                "SEX": _SEX.get(str(screening.get("sex", "")).lower(), "U"),
                "RACE": screening.get("race"),
                "ARMCD": arm, "ARM": study.arm_label(arm),
                "ACTARMCD": arm if first else None,
                "ACTARM": study.arm_label(arm) if first else None,
                "ARMNRS": _arm_null_reason(subject, dosed=first is not None),
                "COUNTRY": _country_code(country), "DMDTC": iso_date(subject["screened_on"]),
                "DMDY": study_day(subject["screened_on"], first),
            }
        )  # fmt: skip
    return Dataset.of(DM, rows)


def _latest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return max(known) if known else None


def _arm_null_reason(subject: Record, *, dosed: bool) -> str | None:
    if subject["arm"] is None:
        return "SCREEN FAILURE" if subject["verdict"] == "ineligible" else "NOT ASSIGNED"
    return None if dosed else "ASSIGNED, NOT TREATED"


def _country_code(country: str | None) -> str | None:
    """ISO 3166-1 alpha-3 of the countries the protocols name (else the name, upper case)."""
    codes = {"china": "CHN", "united states": "USA", "japan": "JPN", "korea": "KOR",
             "taiwan": "TWN", "france": "FRA", "germany": "DEU", "italy": "ITA",
             "spain": "ESP", "united kingdom": "GBR"}  # fmt: skip
    if country is None:
        return None
    return codes.get(country.lower(), country.upper())


def disposition(records: CasebookRecords, study: Study) -> Dataset:
    """DS: protocol milestones and disposition events of each subject."""
    dosed = treatment_dates(records)
    events: dict[str, list[tuple[date, str, str, str]]] = {}
    for subject in records.subjects:
        sid = subject["subject_id"]
        found = events.setdefault(sid, [])
        if subject["consented_on"] is not None:
            found.append((subject["consented_on"], "INFORMED CONSENT OBTAINED",
                          "INFORMED CONSENT OBTAINED", "PROTOCOL MILESTONE"))  # fmt: skip
        if subject["randomized_on"] is not None:
            found.append((subject["randomized_on"], "RANDOMIZED", "RANDOMIZED",
                          "PROTOCOL MILESTONE"))  # fmt: skip
        elif subject["verdict"] == "ineligible" and subject["screened_on"] is not None:
            found.append((subject["screened_on"], "SCREEN FAILURE", "SCREEN FAILURE",
                          "DISPOSITION EVENT"))  # fmt: skip
    for death in records.deaths:
        cause = str(death["cause"]).replace("_", " ").upper()
        events.setdefault(death["subject_id"], []).append(
            (death["death_date"], f"DEATH: {cause}", "DEATH", "DISPOSITION EVENT")
        )
    for withdrawal in records.withdrawals:
        kind = withdrawal["kind"]
        events.setdefault(withdrawal["subject_id"], []).append(
            (withdrawal["withdrawn_on"], kind.replace("_", " ").upper(),
             _WITHDRAWAL.get(kind, "OTHER"), "DISPOSITION EVENT")
        )  # fmt: skip
    rows = []
    for sid in sorted(events):
        start = dosed.get(sid, (None, None))[0]
        for day, term, decoded, category in sorted(events[sid], key=lambda e: e[0]):
            rows.append(
                {"STUDYID": study.study_id, "DOMAIN": "DS", "USUBJID": study.usubjid(sid),
                 "DSTERM": term, "DSDECOD": decoded, "DSCAT": category,
                 "DSSTDTC": iso_date(day), "DSSTDY": study_day(day, start)}
            )  # fmt: skip
    return Dataset.of(DS, rows, sequence="DSSEQ")


def visit_number(visit_type: str, number: int) -> float:
    """VISITNUM of a visit: baseline 0, treatment 100 + n, tumour assessment 200 + n,
    follow-up 300 + n, unscheduled 900 + n."""
    return float(_VISIT_BASE.get(visit_type, 900) + number)


def visit_name(visit_type: str, number: int) -> str:
    """VISIT of a visit: ``BASELINE``, ``TREATMENT 3``, ``TUMOUR ASSESSMENT 2`` …"""
    if visit_type == "baseline":
        return "BASELINE"
    return f"{visit_type.replace('_', ' ').upper()} {number}"


def subject_visits(records: CasebookRecords, study: Study) -> Dataset:
    """SV: one row per visit that took place, and one per planned visit not done."""
    dosed = treatment_dates(records)
    placed: list[tuple[str, date, int, dict[str, Any]]] = []
    for visit in records.visits:
        sid = visit["subject_id"]
        kind, number = visit["visit_type"], visit["number"]
        planned = None if kind == "unscheduled" else "Y"
        placed.append((sid, visit["actual_date"], 0, {
            "STUDYID": study.study_id, "DOMAIN": "SV", "USUBJID": study.usubjid(sid),
            "VISITNUM": visit_number(kind, number), "VISIT": visit_name(kind, number),
            "SVSTDTC": iso_date(visit["actual_date"]), "SVENDTC": iso_date(visit["actual_date"]),
            "SVSTDY": study_day(visit["actual_date"], dosed.get(sid, (None, None))[0]),
            "SVPRESP": planned, "SVOCCUR": planned, "SVREASOC": None,
            "SVUPDES": "UNSCHEDULED VISIT" if kind == "unscheduled" else None,
        }))  # fmt: skip
    for mark in records.missed_visits:
        sid, kind, number = mark["subject_id"], mark["visit_type"], mark["number"]
        placed.append((sid, mark["missed_on"], 1, {
            "STUDYID": study.study_id, "DOMAIN": "SV", "USUBJID": study.usubjid(sid),
            "VISITNUM": visit_number(kind, number), "VISIT": visit_name(kind, number),
            "SVSTDTC": None, "SVENDTC": None, "SVSTDY": None, "SVPRESP": "Y", "SVOCCUR": "N",
            "SVREASOC": mark["reason"], "SVUPDES": None,
        }))  # fmt: skip
    # by subject and day (a visit not done on the day it was missed), visits in their order
    rows = [row for *_, row in sorted(placed, key=lambda p: p[:3])]
    return Dataset.of(SV, rows)
