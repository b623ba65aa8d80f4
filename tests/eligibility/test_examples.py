"""The example record: eligible on every criterion, read-only, copied fresh on each call."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from metsor.eligibility import screen
from metsor.eligibility.examples import ELIGIBLE_RECORD, eligible_record
from metsor.protocol import Protocol


def plain(value: Any) -> Any:
    """A read-only mapping (at every level) as plain dictionaries."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    return value


def test_the_example_passes_every_criterion_of_the_protocol(protocol: Protocol) -> None:
    """Complete: no criterion of the registry record NCT02672488 is left unknown."""
    result = screen(eligible_record(), protocol=protocol)
    assert result.verdict == "eligible"
    assert result.failed == ()
    assert result.unknown == ()
    assert {c.status for c in result.criteria} == {"pass"}
    derived = result.to_dict()["derived"]
    # Child-Pugh (Pugh 1973): bilirubin < 2 mg/dL, albumin > 3.5 g/dL, INR < 1.7, no ascites,
    # no encephalopathy: 1 point each, 5 in all, class A as the inclusion criterion requires.
    assert derived["child_pugh"] == {"points": 5, "class": "A"}
    # BCLC 2022 (Reig et al., J Hepatol 2022): macrovascular invasion with ECOG 1 is stage C.
    assert derived["bclc"]["stage"] == "C"


def test_the_constant_and_the_copy_hold_the_same_record() -> None:
    assert plain(ELIGIBLE_RECORD) == eligible_record()
    assert json.loads(json.dumps(eligible_record())) == eligible_record()


def test_the_constant_is_read_only_at_every_level() -> None:
    with pytest.raises(TypeError):
        ELIGIBLE_RECORD["ecog"] = 3  # type: ignore[index]
    with pytest.raises(TypeError):
        ELIGIBLE_RECORD["labs"]["hemoglobin"]["value"] = 8.5


def test_each_copy_is_independent() -> None:
    first = eligible_record()
    first["labs"]["hemoglobin"]["value"] = 8.5
    first["history"]["hiv"] = True
    second = eligible_record()
    assert second["labs"]["hemoglobin"]["value"] == 12.8
    assert second["history"]["hiv"] is False
    assert ELIGIBLE_RECORD["labs"]["hemoglobin"]["value"] == 12.8
    assert screen(first).failed == ("hemoglobin", "hiv")
    assert screen(second).verdict == "eligible"


def test_overrides_replace_top_level_fields_whole_and_are_copied() -> None:
    tumour = {"macrovascular_invasion": False, "extrahepatic_spread": True}
    record = eligible_record(ecog=0, sex="female", pregnant=False, tumour=tumour)
    assert (record["ecog"], record["sex"], record["pregnant"]) == (0, "female", False)
    assert record["tumour"] == tumour  # replaced, not merged: nodules are gone
    record["tumour"]["nodules"] = 1
    assert "nodules" not in tumour
    assert screen(record).unknown == ("hcc_confirmed",)  # BCLC stage not derivable
    record["tumour"]["largest_nodule_cm"] = 5.0
    assert screen(record).verdict == "eligible"
    # ECOG 3 fails the criterion "ECOG performance status 0, 1 or 2", and makes the stage
    # BCLC D, not the C the trial requires.
    assert screen(eligible_record(ecog=3)).failed == ("hcc_confirmed", "ecog")
