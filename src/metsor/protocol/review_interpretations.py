"""Review of the criteria a registry record leaves open: each criterion whose reading is a
setting of the eligibility rules (:mod:`metsor.eligibility.interpretations`) is named as an open
interpretation, with the reading applied by default and the alternatives.

The readings are those CLINICAL-REFERENCE.md lists under "Criteria the METSOR record leaves
open"; SHARP (Llovet JM et al. NEJM 2008;359:378-390) and Asia-Pacific (Cheng AL et al. Lancet
Oncol 2009;10:25-34) are the comparators whose definitions the options follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from metsor.protocol.finding import Finding
from metsor.protocol.model import Protocol

__all__ = ["OPEN_READINGS", "OpenReading", "open_interpretation_findings"]

_SHARP = "Llovet JM et al. NEJM 2008;359:378-390 (SHARP)"


class OpenReading(NamedTuple):
    """What is open in a criterion, the reading applied by default, and its alternatives.

    Attributes
    ----------
    question
        What the registry's text leaves open.
    default
        The reading the eligibility rules apply by default.
    options
        The settings that choose another reading.
    source
        Where the readings come from.
    """

    question: str
    default: str
    options: str
    source: str


OPEN_READINGS: dict[str, OpenReading] = {
    "hcc_confirmed": OpenReading(
        "the official title is for BCLC-C patients, the criteria do not require the stage",
        "BCLC stage C (2022) required",
        "--no-require-bclc-c reports the stage only",
        "registry official title; Reig M et al. J Hepatol 2022;76:681-693 (BCLC 2022)",
    ),
    "recent_systemic_chemo": OpenReading(
        "the title says first line, the criteria only exclude chemotherapy in the last 6 months",
        "any prior systemic therapy for HCC excludes (history.prior_systemic_therapy)",
        "--no-first-line applies the 6-month chemotherapy exclusion alone",
        f"{_SHARP}; Cheng AL et al. Lancet Oncol 2009;10:25-34 (no prior systemic therapy)",
    ),
    "gi_bleeding": OpenReading(
        "no time window is given for the history of gastrointestinal bleeding",
        "any history excludes, as written",
        "--gi-bleeding-window-days N excludes only bleeding within N days (SHARP: 30)",
        _SHARP,
    ),
    "bleeding": OpenReading(
        "'signs of bleeding or medical history' does not say which history, nor how recent",
        "the investigator's attestation of signs or any history of bleeding excludes",
        "--bleeding-window-days N excludes only bleeding within N days",
        "registry exclusion criterion as written",
    ),
    "metastatic_liver_cancer": OpenReading(
        "'metastatic liver cancer' may mean liver metastases of another cancer or HCC that has "
        "spread, the latter being BCLC-C itself",
        "liver metastases of a cancer other than HCC",
        "--metastatic-liver-cancer with_extrahepatic_spread also excludes HCC with "
        "extrahepatic spread",
        "registry exclusion criterion as written; Reig M et al. J Hepatol 2022;76:681-693 "
        "(extrahepatic spread is stage C)",
    ),
    "severe_cardiovascular_disease": OpenReading(
        "'severe cardiovascular disease' is not defined",
        "the investigator's attestation",
        "--cardiovascular-nyha-max 2 also excludes heart failure above NYHA class 2, as SHARP",
        _SHARP,
    ),
}
"""The open readings by rule name (the ``rule`` of a protocol criterion)."""


def open_interpretation_findings(protocol: Protocol) -> Iterator[Finding]:
    """One note per criterion whose reading is an eligibility setting.

    Parameters
    ----------
    protocol
        The protocol reviewed.

    Yields
    ------
    Finding
        ``open_interpretation`` (info), naming the criterion, what is open, the default
        reading and the alternatives.
    """
    for criterion in protocol.criteria:
        reading = OPEN_READINGS.get(criterion.rule or "")
        if reading is None:
            continue
        yield Finding(
            code="open_interpretation",
            severity="info",
            field=f"criteria[{criterion.id}]",
            message=(
                f"{criterion.text!r} is open to interpretation: {reading.question}. Default "
                f"reading: {reading.default}; option: {reading.options}"
            ),
            source=reading.source,
        )
