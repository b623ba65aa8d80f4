"""SDTM events and interventions: AE (adverse events) and EX (exposure).

AE has one row per recorded adverse event: the term as reported and its CTCAE term
(``AEDECOD``) with the CTCAE v5.0 system organ class (``AEBODSYS``, as ADAE derives it), the
CTCAE grade in ``AETOXGR``, seriousness, relatedness (``AEREL`` = ``Y`` when related to any
study drug: possible, probable or definite), the action taken with study treatment
(``AEACN``; ``MULTIPLE`` when the drugs' actions differ, as SDTMIG 3.4 section 6.2.1 says) and
the outcome, in CDISC terms.

EX has one row per constant dosing interval of a study drug: a start, reduction, escalation or
resumption opens an interval at its dose and frequency; the next dosing record of the drug
closes it (on the day before, or on the day of an interruption or discontinuation). An
interval still open at the data cut-off has no end date.

References
----------
CDISC SDTM Implementation Guide v3.4, sections 6.2.1 (AE) and 6.1.2 (EX); CDISC controlled
terminology (ACN, OUT, FREQ, ROUTE).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType

from metsor.endpoints.adverse_events import RELATED, organ_class
from metsor.export.metadata import Dataset, DatasetSpec, V
from metsor.export.sdtm_subjects import treatment_dates
from metsor.export.study import Study, ascii_text, iso_date, study_day
from metsor.services.tabulation import CasebookRecords, Record

__all__ = ["AE", "EX", "SUPPAE", "adverse_events", "exposure", "supplemental_adverse_events"]

_ID = (
    V("STUDYID", "Study Identifier", origin="Protocol"),
    V("DOMAIN", "Domain Abbreviation", origin="Assigned"),
    V("USUBJID", "Unique Subject Identifier", origin="Assigned"),
)

ACTIONS: Mapping[str, str] = MappingProxyType(
    {
        "dose_not_changed": "DOSE NOT CHANGED",
        "dose_reduced": "DOSE REDUCED",
        "drug_interrupted": "DRUG INTERRUPTED",
        "drug_withdrawn": "DRUG WITHDRAWN",
        "not_applicable": "NOT APPLICABLE",
    }
)
"""AEACN (CDISC ACN codelist) of each action the casebook records."""

OUTCOMES: Mapping[str, str] = MappingProxyType(
    {
        "recovered": "RECOVERED/RESOLVED",
        "recovering": "RECOVERING/RESOLVING",
        "not_recovered": "NOT RECOVERED/NOT RESOLVED",
        "recovered_with_sequelae": "RECOVERED/RESOLVED WITH SEQUELAE",
        "fatal": "FATAL",
        "unknown": "UNKNOWN",
    }
)
"""AEOUT (CDISC OUT codelist) of each outcome the casebook records."""

AE = DatasetSpec(
    "AE", "Adverse Events", "Tabulation", "EVENTS", "One record per adverse event per subject",
    ("STUDYID", "USUBJID", "AEDECOD", "AESTDTC"),
    (
        *_ID,
        V("AESEQ", "Sequence Number", "integer", "Derived"),
        V("AETERM", "Reported Term for the Adverse Event"),
        V("AEDECOD", "Dictionary-Derived Term", origin="Derived"),
        V("AEBODSYS", "Body System or Organ Class", origin="Derived"),
        V("AESER", "Serious Event", codelist=("Y", "N")),
        V("AEREL", "Causality", origin="Derived", codelist=("Y", "N")),
        V("AEACN", "Action Taken with Study Treatment", origin="Derived",
          codelist=(*ACTIONS.values(), "MULTIPLE")),
        V("AEOUT", "Outcome of Adverse Event", codelist=tuple(OUTCOMES.values())),
        V("AETOXGR", "Standard Toxicity Grade", codelist=("0", "1", "2", "3", "4", "5")),
        V("AESTDTC", "Start Date/Time of Adverse Event"),
        V("AEENDTC", "End Date/Time of Adverse Event"),
        V("AESTDY", "Study Day of Start of Adverse Event", "integer", "Derived"),
        V("AEENDY", "Study Day of End of Adverse Event", "integer", "Derived"),
    ),
)  # fmt: skip

SUPPAE = DatasetSpec(
    "SUPPAE", "Supplemental Qualifiers for AE", "Tabulation", "RELATIONSHIP", "One record per "
    "supplemental qualifier per adverse event", ("STUDYID", "USUBJID", "IDVARVAL", "QNAM"),
    (
        V("STUDYID", "Study Identifier", origin="Protocol"),
        V("RDOMAIN", "Related Domain Abbreviation", origin="Assigned", codelist=("AE",)),
        V("USUBJID", "Unique Subject Identifier", origin="Assigned"),
        V("IDVAR", "Identifying Variable", origin="Assigned", codelist=("AESEQ",)),
        V("IDVARVAL", "Identifying Variable Value", origin="Derived"),
        V("QNAM", "Qualifier Variable Name", origin="Assigned"),
        V("QLABEL", "Qualifier Variable Label", origin="Assigned"),
        V("QVAL", "Data Value"),
        V("QORIG", "Origin", origin="Assigned", codelist=("CRF",)),
        V("QEVAL", "Evaluator", origin="Assigned", codelist=("INVESTIGATOR",)),
    ),
)  # fmt: skip
"""Per study drug, the relatedness (``ARELn``) and action taken (``AACNn``) of each adverse
event (SDTMIG 3.4, section 6.2.1: the drug-level values behind ``AEREL`` and ``AEACN``), the
drugs numbered in the protocol's order of interventions."""

EX = DatasetSpec(
    "EX", "Exposure", "Tabulation", "INTERVENTIONS", "One record per constant dosing interval "
    "per subject", ("STUDYID", "USUBJID", "EXTRT", "EXSTDTC"),
    (
        *_ID,
        V("EXSEQ", "Sequence Number", "integer", "Derived"),
        V("EXTRT", "Name of Treatment", origin="Protocol"),
        V("EXDOSE", "Dose", "float"),
        V("EXDOSU", "Dose Units", origin="Protocol", codelist=("mg",)),
        V("EXDOSFRM", "Dose Form", origin="Protocol", codelist=("TABLET",)),
        V("EXDOSFRQ", "Dosing Frequency per Interval", codelist=("BID", "QD", "QOD")),
        V("EXROUTE", "Route of Administration", origin="Protocol"),
        V("EXADJ", "Reason for Dose Adjustment"),
        V("EXSTDTC", "Start Date/Time of Treatment"),
        V("EXENDTC", "End Date/Time of Treatment", origin="Derived"),
        V("EXSTDY", "Study Day of Start of Treatment", "integer", "Derived"),
        V("EXENDY", "Study Day of End of Treatment", "integer", "Derived"),
    ),
)  # fmt: skip

_OPENS = ("start", "reduce", "escalate", "resume")


def adverse_events(records: CasebookRecords, study: Study) -> Dataset:
    """AE: one row per recorded adverse event, by subject and onset."""
    dosed = treatment_dates(records)
    rows = []
    for event in records.adverse_events:
        sid = event["subject_id"]
        start = dosed.get(sid, (None, None))[0]
        drugs: Mapping[str, Mapping[str, str]] = event["drugs"]
        actions = {ACTIONS.get(d["action_taken"], "NOT APPLICABLE") for d in drugs.values()}
        rows.append(
            {"STUDYID": study.study_id, "DOMAIN": "AE", "USUBJID": study.usubjid(sid),
             "AETERM": ascii_text(event["term"]), "AEDECOD": ascii_text(event["term"]),
             "AEBODSYS": organ_class(event["term"]),
             "AESER": "Y" if event["serious"] else "N",
             "AEREL": "Y" if any(d["relatedness"] in RELATED for d in drugs.values()) else "N",
             "AEACN": None if not actions else actions.pop() if len(actions) == 1 else "MULTIPLE",
             "AEOUT": OUTCOMES.get(event["outcome"], "UNKNOWN"),
             "AETOXGR": str(event["grade"]),
             "AESTDTC": iso_date(event["onset_date"]),
             "AEENDTC": iso_date(event["resolution_date"]),
             "AESTDY": study_day(event["onset_date"], start),
             "AEENDY": study_day(event["resolution_date"], start)}
        )  # fmt: skip
    return Dataset.of(AE, rows, sequence="AESEQ")


def supplemental_adverse_events(records: CasebookRecords, study: Study) -> Dataset:
    """SUPPAE: each adverse event's relatedness and action per study drug."""
    names = {i.name.lower(): i.name for i in study.protocol.interventions}
    order = study.drugs_in_order(list(names))
    sequence: dict[str, int] = defaultdict(int)
    rows = []
    for event in records.adverse_events:
        sid = event["subject_id"]
        sequence[sid] += 1
        assessed: Mapping[str, Mapping[str, str]] = event["drugs"]
        for drug in (d for d in order if d in assessed):
            index = order.index(drug) + 1
            name = names[drug]
            for qnam, qlabel, qval in (
                (
                    f"AREL{index}",
                    f"Relatedness to {name}",
                    assessed[drug]["relatedness"].replace("_", " ").upper(),
                ),
                (
                    f"AACN{index}",
                    f"Action Taken with {name}",
                    ACTIONS.get(assessed[drug]["action_taken"], "NOT APPLICABLE"),
                ),
            ):
                rows.append(
                    {
                        "STUDYID": study.study_id,
                        "RDOMAIN": "AE",
                        "USUBJID": study.usubjid(sid),
                        "IDVAR": "AESEQ",
                        "IDVARVAL": str(sequence[sid]),
                        "QNAM": qnam,
                        "QLABEL": ascii_text(qlabel),
                        "QVAL": qval,
                        "QORIG": "CRF",
                        "QEVAL": "INVESTIGATOR",
                    }
                )
    return Dataset.of(SUPPAE, rows)  # fmt: skip


def exposure(records: CasebookRecords, study: Study) -> Dataset:
    """EX: one row per constant dosing interval of each study drug."""
    dosed = treatment_dates(records)
    by_drug: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for dose in records.doses:
        by_drug[(dose["subject_id"], dose["drug"])].append(dose)
    interventions = {i.name.lower(): i for i in study.protocol.interventions}
    rows = []
    for (sid, drug), doses in sorted(by_drug.items()):
        start = dosed[sid][0]
        intervention = interventions.get(drug)
        route = intervention.dose.route if intervention and intervention.dose else None
        doses.sort(key=lambda d: (d["event_date"], d["id"]))
        for index, dose in enumerate(doses):
            if dose["event"] not in _OPENS:
                continue
            following = doses[index + 1] if index + 1 < len(doses) else None
            end = _interval_end(following, dose["event_date"])
            rows.append(
                {"STUDYID": study.study_id, "DOMAIN": "EX", "USUBJID": study.usubjid(sid),
                 "EXTRT": (intervention.name if intervention else drug).upper(),
                 "EXDOSE": dose["dose_mg"], "EXDOSU": "mg", "EXDOSFRM": "TABLET",
                 "EXDOSFRQ": dose["frequency"],
                 "EXROUTE": None if route is None else route.upper(),
                 "EXADJ": ascii_text(dose["reason"]) if dose["event"] != "start" else None,
                 "EXSTDTC": iso_date(dose["event_date"]), "EXENDTC": iso_date(end),
                 "EXSTDY": study_day(dose["event_date"], start),
                 "EXENDY": study_day(end, start)}
            )  # fmt: skip
    rows.sort(key=lambda row: (row["USUBJID"], row["EXSTDTC"], row["EXTRT"]))
    return Dataset.of(EX, rows, sequence="EXSEQ")


def _interval_end(following: Record | None, began: date) -> date | None:
    """The last day of an interval begun on ``began``, from the drug's next dosing record."""
    if following is None:
        return None
    day: date = following["event_date"]
    if following["event"] in ("interrupt", "discontinue"):
        return day
    return max(began, day - timedelta(days=1))
