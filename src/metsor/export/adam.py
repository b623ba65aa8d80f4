"""CDISC ADaM datasets: ADSL, ADTTE, ADRS and ADAE with their metadata.

The rows are those the endpoints derive (:mod:`metsor.endpoints.datasets`,
:mod:`metsor.endpoints.adverse_events`) at the data cut-off, with what ADaM adds:

- ADSL: ``SEX`` as ``M``/``F``; the actual treatment ``TRT01A`` (the randomized arm for a
  subject who received study treatment, else empty); ``SAFFL`` (``Y`` for a subject who
  received any study treatment); ``TRTSDT``/``TRTEDT`` (first and last dosing record); the data
  cut-off ``DCUTDT``; the investigator's signature of the casebook (``INVSIGFL``: ``Y`` when a
  valid signature of the whole casebook stands at the cut-off, ``INVSIGDT`` the date of the
  latest) and the subject's lock state when the data were read (``LOCKST``: ``OPEN``,
  ``FROZEN`` or ``LOCKED``, the strictest of the subject's, its site's and the study's;
  ``LOCKDT`` the date it was locked; :mod:`metsor.services.sign_off`). ``ITTFL`` is ``Y`` for
  every randomized subject; ``STRATUM`` is the
  randomization stratum, ``STRAT1R`` … ``STRATkR`` the levels of the protocol's k
  stratification factors as randomized (one variable per factor, labelled with the factor's
  description; :func:`adsl_spec`), ``ECOG``, ``MVI`` and ``EHS`` baseline values.
- ADTTE: traceability of each date (``SRCDOM``/``SRCVAR``/``SRCSEQ``): a death to
  ``ADSL.DTHDT``; a progression, or censoring at the last adequate tumour assessment, to the RS
  record of that date and criterion (``RS.RSDTC``, ``RSSEQ``), as is TTP and PFS censoring at
  the horizon (the last adequate assessment on or before it); censoring at the last contact,
  the data cut-off or randomization to ``ADSL.LSTALVDT``, ``ADSL.DCUTDT``, ``ADSL.RANDDT``;
  OS censoring at the administrative horizon has none (the date is ``RANDDT`` + the horizon).
- ADAE: the per-drug relatedness and action under names of at most 8 characters
  (``AREL1``/``AACN1`` for the first study drug of the protocol, …, as in SUPPAE), the drug
  named in the label.

References
----------
CDISC ADaM Implementation Guide v1.3; ADaM Basic Data Structure for Time-to-Event Analyses
v1.0; ADaM Structure for Occurrence Data (OCCDS) v1.1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from metsor.export.metadata import Dataset, DatasetSpec, V, Variable
from metsor.export.sdtm_oncology import CRITERIA
from metsor.export.sdtm_subjects import treatment_dates
from metsor.export.study import Study, ascii_text
from metsor.protocol.builtin import DEFAULT_NCT_ID, builtin
from metsor.protocol.stratification import StratificationFactor
from metsor.services.sign_off import SignOff
from metsor.services.tabulation import CasebookRecords

__all__ = [
    "ADRS",
    "ADSL",
    "ADTTE",
    "adae",
    "adrs",
    "adsl",
    "adsl_spec",
    "adtte",
    "analysis_datasets",
    "study_drugs",
]

_SEX = {"male": "M", "female": "F", "m": "M", "f": "F"}
_YN = ("Y", "N")

_ID = (
    V("STUDYID", "Study Identifier", origin="Predecessor"),
    V("USUBJID", "Unique Subject Identifier", origin="Predecessor"),
)
_ARM = (
    V("SITEID", "Study Site Identifier", origin="Predecessor"),
    V("ARMCD", "Planned Arm Code", origin="Predecessor"),
    V("ARM", "Description of Planned Arm", origin="Predecessor"),
    V("STRATUM", "Randomization Stratum", origin="Assigned"),
)

_STRATA = V("STRATA", "Stratification factors, one variable each", origin="Assigned")
"""Where the ``STRATnR`` variables of :func:`adsl_spec` stand among ADSL's variables."""

_ADSL = DatasetSpec(
    "ADSL", "Subject-Level Analysis Dataset", "Analysis", "SUBJECT LEVEL ANALYSIS DATASET",
    "One record per subject", ("STUDYID", "USUBJID"),
    (
        *_ID,
        V("SUBJID", "Subject Identifier for the Study", origin="Predecessor"),
        *_ARM,
        V("TRT01P", "Planned Treatment for Period 01", origin="Derived"),
        V("TRT01A", "Actual Treatment for Period 01", origin="Derived"),
        _STRATA,
        V("RANDDT", "Date of Randomization", "date", "Derived"),
        V("TRTSDT", "Date of First Exposure to Treatment", "date", "Derived"),
        V("TRTEDT", "Date of Last Exposure to Treatment", "date", "Derived"),
        V("AGE", "Age", "integer", "Predecessor"),
        V("AGEU", "Age Units", origin="Predecessor", codelist=("YEARS",)),
        V("SEX", "Sex", origin="Predecessor", codelist=("M", "F")),
        V("RACE", "Race", origin="Predecessor"),
        V("ECOG", "Baseline ECOG Performance Status", "integer", "Collected"),
        V("MVI", "Baseline Macrovascular Invasion", origin="Collected", codelist=_YN),
        V("EHS", "Baseline Extrahepatic Spread", origin="Collected", codelist=_YN),
        V("CHILDPGH", "Baseline Child-Pugh Score", "integer", "Derived"),
        V("BCLC", "Baseline BCLC Stage", origin="Derived"),
        V("AFP", "Baseline Alpha-Fetoprotein (ng/mL)", "float", "Collected"),
        V("AETIOL", "Aetiology of Liver Disease", origin="Collected"),
        V("ITTFL", "Intent-To-Treat Population Flag", origin="Derived", codelist=_YN),
        V("SAFFL", "Safety Population Flag", origin="Derived", codelist=_YN),
        V("DTHFL", "Subject Death Flag", origin="Derived", codelist=_YN),
        V("DTHDT", "Date of Death", "date", "Derived"),
        V("LSTALVDT", "Date Last Known Alive", "date", "Derived"),
        V("NACTDT", "Date of New Anticancer Therapy", "date", "Derived"),
        V("WDDT", "Date of Withdrawal", "date", "Derived"),
        V("LTFUDT", "Date Lost to Follow-up", "date", "Derived"),
        V("DCUTDT", "Data Cutoff Date", "date", "Assigned"),
        V("INVSIGFL", "Casebook Signed Flag", origin="Derived", codelist=_YN),
        V("INVSIGDT", "Date Casebook Signed", "date", "Derived"),
        V("LOCKST", "Subject Data Lock State", origin="Derived",
          codelist=("OPEN", "FROZEN", "LOCKED")),
        V("LOCKDT", "Date of Subject Data Lock", "date", "Derived"),
    ),
)  # fmt: skip


def adsl_spec(stratification: Sequence[StratificationFactor]) -> DatasetSpec:
    """ADSL's definition for a protocol: one ``STRATnR`` variable per stratification factor,
    in the protocol's order, its codelist the factor's levels, its method naming the factor."""
    strata = tuple(
        V(
            f"STRAT{n}R",
            f"Stratification Factor {n} as Randomized",
            origin="Assigned",
            codelist=tuple(level.label for level in factor.levels),
            method=ascii_text(
                f"Level of the protocol's stratification factor {factor.name} "
                f"({factor.description}) in the randomization stratum STRATUM"
            ),
        )
        for n, factor in enumerate(stratification, start=1)
    )
    variables: list[Variable] = []
    for variable in _ADSL.variables:
        variables.extend(strata if variable is _STRATA else (variable,))
    return replace(_ADSL, variables=tuple(variables))


ADSL = adsl_spec(builtin(DEFAULT_NCT_ID).stratification)
"""ADSL's definition for the built-in protocol; :func:`adsl` uses the trial's."""

ADTTE = DatasetSpec(
    "ADTTE", "Time-to-Event Analysis Dataset", "Analysis", "BASIC DATA STRUCTURE",
    "One record per subject per parameter", ("STUDYID", "USUBJID", "PARAMCD"),
    (
        *_ID,
        *_ARM,
        V("PARAMCD", "Parameter Code", origin="Assigned",
          codelist=("OS", "TTP", "PFS", "OS12", "TTP12", "PFS12")),
        V("PARAM", "Parameter", origin="Assigned"),
        V("STARTDT", "Time-to-Event Origin Date for Subject", "date", "Derived"),
        V("ADT", "Analysis Date", "date", "Derived"),
        V("AVAL", "Analysis Value", "float", "Derived",
          method="(ADT - STARTDT) in days / 30.4375: months from randomization"),
        V("AVALU", "Analysis Value Unit", origin="Assigned", codelist=("MONTHS",)),
        V("CNSR", "Censor", "integer", "Derived", codelist=("0", "1")),
        V("EVENT", "Event Indicator (1 - CNSR)", "integer", "Derived", codelist=("0", "1")),
        V("EVNTDESC", "Event or Censoring Description", origin="Derived"),
        V("CNSDTDSC", "Censor Date Description", origin="Derived"),
        V("SRCDOM", "Source Data", origin="Derived", codelist=("ADSL", "RS")),
        V("SRCVAR", "Source Variable", origin="Derived"),
        V("SRCSEQ", "Source Sequence Number", "integer", "Derived"),
    ),
)  # fmt: skip

ADRS = DatasetSpec(
    "ADRS", "Response Analysis Dataset", "Analysis", "BASIC DATA STRUCTURE",
    "One record per subject per parameter", ("STUDYID", "USUBJID", "PARAMCD"),
    (
        *_ID,
        *_ARM,
        V("PARAMCD", "Parameter Code", origin="Assigned",
          codelist=("BOR_MRECIST", "BOR_RECIST", "ORR_MRECIST", "ORR_RECIST")),
        V("PARAM", "Parameter", origin="Assigned"),
        V("AVALC", "Analysis Value (C)", origin="Derived",
          codelist=("CR", "PR", "SD", "PD", "NE", "Y", "N")),
        V("AVAL", "Analysis Value", "integer", "Derived"),
    ),
)  # fmt: skip


def _adae_spec(drugs: Sequence[str], study: Study) -> DatasetSpec:
    names = {i.name.lower(): i.name for i in study.protocol.interventions}
    per_drug: list[Variable] = []
    for index, drug in enumerate(drugs, start=1):
        name = names.get(drug, drug.title())
        per_drug += [
            V(f"AREL{index}", f"Relatedness to {name}"),
            V(f"AACN{index}", f"Action Taken with {name}"),
        ]
    return DatasetSpec(
        "ADAE", "Adverse Events Analysis Dataset", "Analysis", "OCCURRENCE DATA STRUCTURE",
        "One record per adverse event per subject", ("STUDYID", "USUBJID", "AESEQ"),
        (
            *_ID,
            V("SITEID", "Study Site Identifier", origin="Predecessor"),
            V("ARMCD", "Planned Arm Code", origin="Predecessor"),
            V("ARM", "Description of Planned Arm", origin="Predecessor"),
            V("TRTA", "Actual Treatment", origin="Derived"),
            V("AESEQ", "Sequence Number", "integer", "Predecessor"),
            V("AETERM", "Reported Term for the Adverse Event", origin="Predecessor"),
            V("AEDECOD", "Dictionary-Derived Term", origin="Predecessor"),
            V("AEBODSYS", "Body System or Organ Class", origin="Predecessor"),
            V("AETOXGR", "Standard Toxicity Grade", origin="Predecessor",
              codelist=("0", "1", "2", "3", "4", "5")),
            V("ATOXGRV", "Toxicity Grade Version", origin="Assigned"),
            V("AESER", "Serious Event", origin="Predecessor", codelist=_YN),
            V("ASTDT", "Analysis Start Date", "date", "Derived"),
            V("AENDT", "Analysis End Date", "date", "Derived"),
            V("ASTDY", "Analysis Start Relative Day", "integer", "Derived"),
            V("AEOUT", "Outcome of Adverse Event", origin="Predecessor"),
            V("TRTEMFL", "Treatment Emergent Analysis Flag", origin="Derived", codelist=_YN),
            V("AREL", "Analysis Causality", origin="Derived", codelist=_YN),
            *per_drug,
        ),
    )  # fmt: skip


def adsl(records: CasebookRecords, study: Study, sign_off: SignOff | None = None) -> Dataset:
    """ADSL with the safety flag, actual treatment, treatment dates, cut-off and sign-off (its
    variables empty when ``sign_off`` is None)."""
    dosed = treatment_dates(records)
    rows = []
    for row in records.datasets.rows["adsl"]:
        first, last = dosed.get(row["SUBJID"], (None, None))
        age = row["AGE"]
        signed = None if sign_off is None else sign_off.of(row["SUBJID"])
        signature = None if signed is None else signed.casebook_signature
        rows.append(
            {
                **row,
                "ARM": ascii_text(row["ARM"]),
                "TRT01P": ascii_text(row["TRT01P"]),
                "TRT01A": ascii_text(row["TRT01P"]) if first else None,
                "TRTSDT": first,
                "TRTEDT": last,
                "AGE": None if age is None else int(age),
                "SEX": _SEX.get(str(row["SEX"]).lower()) if row["SEX"] else None,
                "SAFFL": "Y" if first else "N",
                "DCUTDT": records.cutoff,
                "INVSIGFL": None if signed is None else ("Y" if signature else "N"),
                "INVSIGDT": None if signature is None else signature.signed_at.date(),
                "LOCKST": None if signed is None else signed.lock_state.upper(),
                "LOCKDT": None
                if signed is None or signed.locked_at is None
                else signed.locked_at.date(),
            }
        )
    return Dataset.of(adsl_spec(study.protocol.stratification), rows)


def adtte(records: CasebookRecords, study: Study, rs: Dataset) -> Dataset:
    """ADTTE with the source of each date (SRCDOM, SRCVAR, SRCSEQ)."""
    response_seq = {(row["USUBJID"], row["RSCAT"], row["RSDTC"]): row["RSSEQ"] for row in rs.rows}
    rows = []
    for row in records.datasets.rows["adtte"]:
        source = _source(row, response_seq)
        rows.append(
            {**row, "ARM": ascii_text(row["ARM"]), "SRCDOM": source[0], "SRCVAR": source[1],
             "SRCSEQ": source[2]}
        )  # fmt: skip
    return Dataset.of(ADTTE, rows)


def _source(
    row: Mapping[str, Any], response_seq: Mapping[tuple[str, str, str], int]
) -> tuple[str | None, str | None, int | None]:
    """Where an ADTTE date comes from (see the module docstring)."""
    description = row["EVNTDESC"] if row["CNSR"] == 0 else row["CNSDTDSC"]
    description = str(description or "")
    if description == "death":
        return "ADSL", "DTHDT", None
    if description.startswith(("progression", "last adequate tumour assessment")):
        criterion = (
            CRITERIA["recist_response"]
            if "RECIST 1.1" in row["PARAM"]
            else (CRITERIA["mrecist_response"])
        )
        day: date = row["ADT"]
        return "RS", "RSDTC", response_seq.get((row["USUBJID"], criterion, day.isoformat()))
    fixed = {"last contact": "LSTALVDT", "data cut-off": "DCUTDT", "randomization": "RANDDT"}
    if description in fixed:
        return "ADSL", fixed[description], None
    return None, None, None


def adrs(records: CasebookRecords, study: Study) -> Dataset:
    """ADRS as the endpoints derive it."""
    rows = [{**row, "ARM": ascii_text(row["ARM"])} for row in records.datasets.rows["adrs"]]
    return Dataset.of(ADRS, rows)


def adae(records: CasebookRecords, study: Study, drugs: Sequence[str]) -> Dataset:
    """ADAE with per-drug variables named ``AREL<n>``/``AACN<n>``."""
    spec = _adae_spec(drugs, study)
    rows = []
    for row in records.datasets.rows["adae"]:
        renamed: dict[str, Any] = {
            **row,
            "ARM": ascii_text(row["ARM"]),
            "TRTA": ascii_text(row["TRTA"]),
            "AETERM": ascii_text(row["AETERM"]),
            "AEDECOD": ascii_text(row["AEDECOD"]),
            "AETOXGR": None if row["AETOXGR"] is None else str(row["AETOXGR"]),
        }
        for index, drug in enumerate(drugs, start=1):
            renamed[f"AREL{index}"] = row.get(f"AREL_{drug.upper()}")
            renamed[f"AACN{index}"] = row.get(f"AACN_{drug.upper()}")
        rows.append(renamed)
    return Dataset.of(spec, rows)


def study_drugs(records: CasebookRecords, study: Study) -> tuple[str, ...]:
    """The study drugs of the derived ADAE (its ``AREL_<DRUG>`` columns), in the protocol's
    order of interventions (:meth:`Study.drugs_in_order`)."""
    return study.drugs_in_order(
        [
            column.removeprefix("AREL_").lower()
            for column in records.datasets.columns["adae"]
            if column.startswith("AREL_")
        ]
    )


def analysis_datasets(
    records: CasebookRecords, study: Study, rs: Dataset, sign_off: SignOff
) -> tuple[Dataset, ...]:
    """ADSL, ADTTE, ADRS and ADAE, in that order (``rs``: the SDTM RS they trace to)."""
    drugs = study_drugs(records, study)
    return (
        adsl(records, study, sign_off),
        adtte(records, study, rs),
        adrs(records, study),
        adae(records, study, drugs),
    )
