"""Strata from the protocol: each factor read from its fields of the screening record, a
stratum's levels looked up among the strata the factors define (never split from its label)."""

from __future__ import annotations

from typing import Any

import pytest

from metsor.errors import ConflictError, InputError
from metsor.protocol import builtin
from metsor.services.stratification import (
    factors_of,
    strata_of,
    stratum_levels,
    stratum_of_record,
)

METSOR = builtin("NCT02672488")
SHARP = builtin("NCT00105443")


def _record(ecog: int, mvi: bool, ehs: bool, **top: Any) -> dict[str, Any]:
    return {
        "ecog": ecog,
        "tumour": {"macrovascular_invasion": mvi, "extrahepatic_spread": ehs},
        **top,
    }


@pytest.mark.parametrize(
    ("protocol", "record", "stratum"),
    [
        pytest.param(METSOR, _record(0, False, False), "ecog0-mvi_ehs_no", id="metsor-ecog0"),
        pytest.param(METSOR, _record(2, False, True), "ecog1_2-mvi_ehs_yes", id="metsor-spread"),
        pytest.param(SHARP, _record(1, True, False, region="europe"),
                     "europe-ecog1_2-mvi_ehs_yes", id="sharp-europe"),
        pytest.param(SHARP, _record(0, False, False, region="north_america"),
                     "north_america-ecog0-mvi_ehs_no", id="sharp-north-america"),
    ],
)  # fmt: skip
def test_the_stratum_is_read_from_the_record_as_the_protocol_says(
    protocol: Any, record: dict[str, Any], stratum: str
) -> None:
    assert stratum_of_record(protocol, record) == stratum
    assert stratum in strata_of(protocol)


def test_each_protocol_has_its_own_strata() -> None:
    assert len(strata_of(METSOR)) == 4
    assert len(strata_of(SHARP)) == 12
    assert [f.name for f in factors_of(SHARP)] == ["region", "ecog", "mvi_ehs"]


def test_a_missing_field_is_named_by_its_path() -> None:
    with pytest.raises(InputError) as caught:
        stratum_of_record(SHARP, _record(1, True, False))
    assert caught.value.field == "region"
    with pytest.raises(InputError) as missing:
        stratum_of_record(METSOR, {"ecog": 1, "tumour": {"macrovascular_invasion": True}})
    assert missing.value.field == "tumour.extrahepatic_spread"


def test_levels_are_looked_up_not_split() -> None:
    assert stratum_levels(SHARP, "north_america-ecog0-mvi_ehs_no") == {
        "region": "north_america",
        "ecog": "ecog0",
        "mvi_ehs": "mvi_ehs_no",
    }
    with pytest.raises(ConflictError, match="not a stratum of protocol NCT02672488"):
        stratum_levels(METSOR, "europe-ecog0-mvi_ehs_no")
