"""SDTM trial design domains from the protocol: TS (trial summary), TA (trial arms) and TE
(trial elements).

Elements: screening (``SCRN``), one treatment element per arm (``TRT1``, ``TRT2`` … in the
scheme's order, described by the arm's label) and follow-up (``FU``). Each arm runs screening,
its treatment, follow-up; the branch (randomization) is at the end of screening. TS holds the
protocol's summary parameters; a value longer than 200 characters continues in ``TSVAL1``,
``TSVAL2`` (SDTMIG 3.4, section 7.6).

References
----------
CDISC SDTM Implementation Guide v3.4, sections 7.2 (TE), 7.3 (TA), 7.6 (TS); CDISC controlled
terminology (TSPARMCD).
"""

from __future__ import annotations

from typing import Any

from metsor.export.metadata import Dataset, DatasetSpec, V
from metsor.export.study import Study, ascii_text
from metsor.services.tabulation import CasebookRecords

__all__ = ["TA", "TE", "TS", "trial_arms", "trial_elements", "trial_summary"]

_STUDY = (
    V("STUDYID", "Study Identifier", origin="Protocol"),
    V("DOMAIN", "Domain Abbreviation", origin="Assigned"),
)

TE = DatasetSpec(
    "TE", "Trial Elements", "Tabulation", "TRIAL DESIGN", "One record per planned Element",
    ("STUDYID", "ETCD"),
    (
        *_STUDY,
        V("ETCD", "Element Code", origin="Protocol"),
        V("ELEMENT", "Description of Element", origin="Protocol"),
        V("TESTRL", "Rule for Start of Element", origin="Protocol"),
        V("TEENRL", "Rule for End of Element", origin="Protocol"),
    ),
)  # fmt: skip

TA = DatasetSpec(
    "TA", "Trial Arms", "Tabulation", "TRIAL DESIGN", "One record per planned Element per Arm",
    ("STUDYID", "ARMCD", "TAETORD"),
    (
        *_STUDY,
        V("ARMCD", "Planned Arm Code", origin="Protocol"),
        V("ARM", "Description of Planned Arm", origin="Protocol"),
        V("TAETORD", "Planned Order of Element within Arm", "integer", "Protocol"),
        V("ETCD", "Element Code", origin="Protocol"),
        V("ELEMENT", "Description of Element", origin="Protocol"),
        V("TABRANCH", "Branch", origin="Protocol"),
        V("EPOCH", "Epoch", origin="Protocol", codelist=("SCREENING", "TREATMENT", "FOLLOW-UP")),
    ),
)  # fmt: skip

TS = DatasetSpec(
    "TS", "Trial Summary", "Tabulation", "TRIAL DESIGN", "One record per trial summary "
    "parameter value", ("STUDYID", "TSPARMCD", "TSSEQ"),
    (
        *_STUDY,
        V("TSSEQ", "Sequence Number", "integer", "Derived"),
        V("TSPARMCD", "Trial Summary Parameter Short Name", origin="Assigned"),
        V("TSPARM", "Trial Summary Parameter", origin="Assigned"),
        V("TSVAL", "Parameter Value", origin="Protocol"),
        V("TSVAL1", "Parameter Value 1", origin="Protocol"),
        V("TSVAL2", "Parameter Value 2", origin="Protocol"),
    ),
)  # fmt: skip

_TEXT = 200


def _elements(study: Study) -> list[tuple[str, str, str, str]]:
    treatment = [
        (f"TRT{index}", ascii_text(study.arm_label(code)) or code,
         f"Randomized to {ascii_text(study.arm_label(code))}", "Last dose of study treatment")
        for index, code in enumerate(study.arms, start=1)
    ]  # fmt: skip
    return [
        ("SCRN", "Screening", "Informed consent", "Randomization"),
        *treatment,
        ("FU", "Follow-up", "Last dose of study treatment", "Death or end of study"),
    ]


def trial_elements(records: CasebookRecords, study: Study) -> Dataset:
    """TE: the planned elements."""
    rows = [
        {"STUDYID": study.study_id, "DOMAIN": "TE", "ETCD": code, "ELEMENT": element,
         "TESTRL": start, "TEENRL": end}
        for code, element, start, end in _elements(study)
    ]  # fmt: skip
    return Dataset.of(TE, rows)


def trial_arms(records: CasebookRecords, study: Study) -> Dataset:
    """TA: each arm's elements in order."""
    elements = _elements(study)
    rows = []
    for index, code in enumerate(study.arms, start=1):
        plan = (elements[0], elements[index], elements[-1])
        epochs = ("SCREENING", "TREATMENT", "FOLLOW-UP")
        for order, (element, epoch) in enumerate(zip(plan, epochs, strict=True), start=1):
            rows.append(
                {"STUDYID": study.study_id, "DOMAIN": "TA", "ARMCD": code,
                 "ARM": ascii_text(study.arm_label(code)), "TAETORD": order, "ETCD": element[0],
                 "ELEMENT": element[1], "EPOCH": epoch,
                 "TABRANCH": f"Randomized to {ascii_text(study.arm_label(code))}"
                 if order == 1 else None}
            )  # fmt: skip
    return Dataset.of(TA, rows)


def _parameters(records: CasebookRecords, study: Study) -> list[tuple[str, str, str]]:
    protocol = study.protocol
    design = protocol.design
    randomized = sum(1 for subject in records.subjects if subject["randomized_on"] is not None)
    found: list[tuple[str, str, str | None]] = [
        ("TITLE", "Trial Title", protocol.official_title or protocol.brief_title),
        ("REGID", "Registry Identifier", protocol.nct_id),
        ("SPONSOR", "Clinical Study Sponsor", protocol.sponsor.lead),
        *(("TPHASE", "Trial Phase Classification", phase.replace("PHASE", "PHASE ").strip())
          for phase in protocol.phases),
        *(("INDIC", "Trial Disease/Condition Indication", c) for c in protocol.conditions),
        *(("TRT", "Investigational Therapy or Treatment", i.name)
          for i in protocol.interventions),
        ("STYPE", "Study Type", design.study_type),
        ("RANDOM", "Trial is Randomized", "Y" if design.allocation == "RANDOMIZED" else "N"),
        ("TBLIND", "Trial Blinding Schema",
         "OPEN LABEL" if design.masking in (None, "NONE") else design.masking),
        ("INTMODEL", "Intervention Model", design.intervention_model),
        ("NARMS", "Planned Number of Arms", str(len(protocol.arms))),
        ("PLANSUB", "Planned Number of Subjects", str(design.target_enrollment)),
        ("ACTSUB", "Actual Number of Subjects", str(randomized)),
        ("AGEMIN", "Planned Minimum Age of Subjects",
         None if protocol.eligibility.minimum_age_years is None
         else f"P{protocol.eligibility.minimum_age_years:g}Y"),
        ("SEXPOP", "Sex of Participants",
         "BOTH" if protocol.eligibility.sexes == "ALL" else protocol.eligibility.sexes),
        ("HLTSUBJI", "Healthy Subject Indicator",
         "Y" if protocol.eligibility.healthy_volunteers else "N"),
        ("SSTDTC", "Study Start Date",
         None if protocol.status.start is None else str(protocol.status.start.date)),
        ("DCUTDTC", "Data Cutoff Date",
         None if records.cutoff is None else records.cutoff.isoformat()),
        *(("OUTMSPRI" if o.type == "primary" else "OUTMSSEC",
           "Primary Outcome Measure" if o.type == "primary" else "Secondary Outcome Measure",
           o.measure) for o in protocol.outcomes),
    ]  # fmt: skip
    return [(code, name, value) for code, name, value in found if value]


def _split(value: str) -> tuple[str, str | None, str | None]:
    """A value in parts of at most 200 characters, cut at spaces where possible."""
    parts: list[str] = []
    rest = value
    while rest and len(parts) < 3:
        if len(rest) <= _TEXT:
            parts.append(rest)
            break
        cut = rest.rfind(" ", 0, _TEXT)
        cut = cut if cut > 0 else _TEXT
        parts.append(rest[:cut])
        rest = rest[cut:]
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1] or None, parts[2] or None


def trial_summary(records: CasebookRecords, study: Study) -> Dataset:
    """TS: the protocol's summary parameters."""
    rows: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for code, name, value in _parameters(records, study):
        counts[code] = counts.get(code, 0) + 1
        first, second, third = _split(ascii_text(value) or "")
        rows.append(
            {"STUDYID": study.study_id, "DOMAIN": "TS", "TSSEQ": counts[code],
             "TSPARMCD": code, "TSPARM": name, "TSVAL": first, "TSVAL1": second,
             "TSVAL2": third}
        )  # fmt: skip
    return Dataset.of(TS, rows)
