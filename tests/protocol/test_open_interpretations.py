"""``metsor protocol review`` names each criterion the registry record leaves open, with the
reading applied by default (CLINICAL-REFERENCE.md, "Criteria the METSOR record leaves open")."""

from __future__ import annotations

import pytest

from metsor.eligibility.rules import RULES
from metsor.protocol import Protocol, review_protocol
from metsor.protocol.review_interpretations import OPEN_READINGS

OPEN = {
    "hcc_confirmed": "BCLC stage C (2022) required",
    "recent_systemic_chemo": "any prior systemic therapy for HCC excludes",
    "gi_bleeding": "any history excludes, as written",
    "bleeding": "the investigator's attestation of signs or any history of bleeding excludes",
    "metastatic_liver_cancer": "liver metastases of a cancer other than HCC",
    "severe_cardiovascular_disease": "the investigator's attestation",
}


@pytest.mark.parametrize(("criterion_id", "default"), list(OPEN.items()))
def test_each_open_criterion_is_named_with_its_default(
    criterion_id: str, default: str, corrected: Protocol
) -> None:
    [finding] = [
        f
        for f in review_protocol(corrected)
        if f.code == "open_interpretation" and f.field == f"criteria[{criterion_id}]"
    ]
    assert finding.severity == "info"
    assert "open to interpretation" in finding.message
    assert f"Default reading: {default}" in finding.message
    assert "option: --" in finding.message


def test_only_the_open_criteria_are_named(corrected: Protocol) -> None:
    named = {f.field for f in review_protocol(corrected) if f.code == "open_interpretation"}
    assert named == {f"criteria[{c}]" for c in OPEN}
    assert set(OPEN_READINGS) == set(OPEN)
    assert set(OPEN_READINGS) <= set(RULES)


@pytest.mark.parametrize("criterion_id", list(OPEN))
def test_each_reading_cites_a_source_a_reader_can_find(criterion_id: str) -> None:
    """A source printed by ``metsor protocol review`` is a publication or the registry record,
    never a working note of the project that a reader of the review does not have."""
    source = OPEN_READINGS[criterion_id].source
    assert source
    assert ".md" not in source
