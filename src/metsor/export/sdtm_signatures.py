"""SDTM XS (investigator signatures), a sponsor-defined findings domain, with SUPPXS.

Why a custom findings domain. SDTMIG 3.4 has no domain for the investigator's electronic
signature of the casebook, and the audit trail it rests on is operational data, not a
tabulation of the subject's observations. A signature is nonetheless an evaluation of the
subject's data by a named role at a time, with a result — the meaning signed ("I have reviewed
and approve these data") — which is what the findings class records: a test (``XSTESTCD``:
``CBSIGN`` the whole casebook, ``VISIGN`` one visit), its result (``XSORRES`` the meaning as
signed, ``XSSTRESC`` its code ``APPROVE``/``REVIEW``), the evaluator (``XSEVAL`` =
``INVESTIGATOR``; ``XSEVALID`` numbers the signers, ``INVESTIGATOR 1`` …, in the order of their
first signature, instead of naming them: a printed name may not be ASCII and is not analysis
data), the visit signed and the date and time (``XSDTC``, UTC). It is not an events domain: a
signature is not something that happened to the subject. SDTMIG 3.4 section 2.6 lets a sponsor
add such a domain in a general observation class, its code taken from those reserved for
sponsor-defined domains (beginning with X, Y or Z).

SUPPXS carries what the findings class has no variable for: the signature's status at the data
cut-off (``SIGSTAT``: ``VALID``, or ``VOIDED`` by a later change of the signed data, an
unlock or an unfreeze), when it was voided (``SIGVDTC``), the SHA-256 of the signed records that
links the signature to them (``SIGDGST``, 21 CFR 11.70) and how many records it signs
(``SIGROWS``).

References
----------
CDISC SDTM Implementation Guide v3.4 (2021), sections 2.6 (creating a new domain), 6.3
(findings) and 8.4 (supplemental qualifiers); 21 CFR Part 11, sections 11.50 and 11.70.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from metsor.export.metadata import Dataset, DatasetSpec, V
from metsor.export.sdtm_subjects import treatment_dates, visit_name, visit_number
from metsor.export.study import Study, ascii_text, study_day
from metsor.services.sign_off import SignatureRecord, SignOff
from metsor.services.tabulation import CasebookRecords

__all__ = ["SUPPXS", "XS", "signatures", "supplemental_signatures"]

_TESTS = {True: ("CBSIGN", "Casebook Signature"), False: ("VISIGN", "Visit Signature")}

XS = DatasetSpec(
    "XS", "Investigator Signatures", "Tabulation", "FINDINGS", "One record per signature per "
    "subject", ("STUDYID", "USUBJID", "XSTESTCD", "XSDTC", "XSSEQ"),
    (
        V("STUDYID", "Study Identifier", origin="Protocol"),
        V("DOMAIN", "Domain Abbreviation", origin="Assigned", codelist=("XS",)),
        V("USUBJID", "Unique Subject Identifier", origin="Assigned"),
        V("XSSEQ", "Sequence Number", "integer", "Derived"),
        V("XSTESTCD", "Signature Short Name", origin="Assigned", codelist=("CBSIGN", "VISIGN")),
        V("XSTEST", "Signature Name", origin="Assigned"),
        V("XSORRES", "Meaning of the Signature as Signed"),
        V("XSSTRESC", "Meaning of the Signature (Coded)", origin="Derived",
          codelist=("APPROVE", "REVIEW")),
        V("XSEVAL", "Evaluator", origin="Assigned", codelist=("INVESTIGATOR",)),
        V("XSEVALID", "Evaluator Identifier", origin="Derived"),
        V("VISITNUM", "Visit Number", "float", "Derived"),
        V("VISIT", "Visit Name", origin="Derived"),
        V("XSDTC", "Date/Time of Signature"),
        V("XSDY", "Study Day of Signature", "integer", "Derived"),
    ),
)  # fmt: skip
"""The investigators' signatures (see the module docstring)."""

SUPPXS = DatasetSpec(
    "SUPPXS", "Supplemental Qualifiers for XS", "Tabulation", "RELATIONSHIP", "One record per "
    "supplemental qualifier per signature", ("STUDYID", "USUBJID", "IDVARVAL", "QNAM"),
    (
        V("STUDYID", "Study Identifier", origin="Protocol"),
        V("RDOMAIN", "Related Domain Abbreviation", origin="Assigned", codelist=("XS",)),
        V("USUBJID", "Unique Subject Identifier", origin="Assigned"),
        V("IDVAR", "Identifying Variable", origin="Assigned", codelist=("XSSEQ",)),
        V("IDVARVAL", "Identifying Variable Value", origin="Derived"),
        V("QNAM", "Qualifier Variable Name", origin="Assigned",
          codelist=("SIGSTAT", "SIGVDTC", "SIGDGST", "SIGROWS")),
        V("QLABEL", "Qualifier Variable Label", origin="Assigned"),
        V("QVAL", "Data Value"),
        V("QORIG", "Origin", origin="Assigned", codelist=("DERIVED",)),
        V("QEVAL", "Evaluator", origin="Assigned"),
    ),
)  # fmt: skip
"""Status, voiding, digest and size of each signature of XS."""


def _dtc(moment: datetime | None) -> str | None:
    """ISO 8601 date and time to the second (UTC), or None."""
    return None if moment is None else moment.replace(microsecond=0, tzinfo=None).isoformat()


def _numbered(sign_off: SignOff) -> list[tuple[int, SignatureRecord]]:
    """Each signature with its subject's sequence number, by subject then time."""
    sequence: dict[str, int] = defaultdict(int)
    numbered = []
    for signature in sign_off.signatures:
        sequence[signature.subject_id] += 1
        numbered.append((sequence[signature.subject_id], signature))
    return numbered


def signatures(records: CasebookRecords, study: Study, sign_off: SignOff) -> Dataset:
    """XS: one row per signature made on or before the cut-off."""
    dosed = treatment_dates(records)
    signers: dict[str, str] = {}
    for signature in sorted(sign_off.signatures, key=lambda s: s.signed_at):
        signers.setdefault(signature.printed_name, f"INVESTIGATOR {len(signers) + 1}")
    rows = []
    for seq, s in _numbered(sign_off):
        code, name = _TESTS[s.of_casebook]
        number = name_of_visit = None
        if s.visit_type is not None and s.visit_number is not None:
            number = visit_number(s.visit_type, s.visit_number)
            name_of_visit = visit_name(s.visit_type, s.visit_number)
        rows.append(
            {"STUDYID": study.study_id, "DOMAIN": "XS", "USUBJID": study.usubjid(s.subject_id),
             "XSSEQ": seq, "XSTESTCD": code, "XSTEST": name,
             "XSORRES": ascii_text(s.meaning_text), "XSSTRESC": s.meaning.upper(),
             "XSEVAL": "INVESTIGATOR", "XSEVALID": signers[s.printed_name],
             "VISITNUM": number, "VISIT": name_of_visit,
             "XSDTC": _dtc(s.signed_at),
             "XSDY": study_day(s.signed_at.date(), dosed.get(s.subject_id, (None, None))[0])}
        )  # fmt: skip
    return Dataset.of(XS, rows)


def supplemental_signatures(records: CasebookRecords, study: Study, sign_off: SignOff) -> Dataset:
    """SUPPXS: status, voiding, digest and number of records of each signature."""
    rows = []
    for seq, s in _numbered(sign_off):
        qualifiers = [
            ("SIGSTAT", "Signature Status at Data Cutoff", s.status.upper()),
            ("SIGVDTC", "Date/Time Signature Voided", _dtc(s.voided_at)),
            ("SIGDGST", "SHA-256 of the Signed Records", s.digest),
            ("SIGROWS", "Number of Records Signed", str(s.rows)),
        ]
        for qnam, qlabel, qval in qualifiers:
            if qval is None:
                continue
            rows.append(
                {"STUDYID": study.study_id, "RDOMAIN": "XS",
                 "USUBJID": study.usubjid(s.subject_id), "IDVAR": "XSSEQ",
                 "IDVARVAL": str(seq), "QNAM": qnam, "QLABEL": qlabel, "QVAL": qval,
                 "QORIG": "DERIVED", "QEVAL": None}
            )  # fmt: skip
    return Dataset.of(SUPPXS, rows)
