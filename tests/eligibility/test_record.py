"""The screening record: strict types, units, and errors that name the field."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from numpy.testing import assert_allclose

from metsor.eligibility.record import ScreeningRecord, json_schema, parse_record
from metsor.errors import InputError

RTOL = 1e-9


def test_complete_record_parses(eligible: dict[str, Any]) -> None:
    record = parse_record(eligible)
    assert isinstance(record, ScreeningRecord)
    assert record.labs is not None
    assert record.labs.hemoglobin is not None
    assert record.labs.hemoglobin.value == 12.8
    assert record.model_dump(exclude_none=True) == eligible


def test_empty_record_is_all_unknown() -> None:
    record = parse_record({})
    assert record.age_years is None
    assert record.labs is None
    assert record.history is None


def test_unknown_unit_names_the_field_and_the_accepted_units() -> None:
    with pytest.raises(InputError) as info:
        parse_record({"labs": {"hemoglobin": {"value": 8.5, "unit": "mg"}}})
    assert info.value.field == "labs.hemoglobin.unit"
    assert str(info.value) == (
        "field 'labs.hemoglobin.unit': unknown unit 'mg' (accepted: g/dL, g/L, mmol/L)"
    )


def test_unknown_field_is_named_with_its_path() -> None:
    with pytest.raises(InputError, match=r"unknown field 'labs\.hb'") as info:
        parse_record({"labs": {"hb": {"value": 8.5, "unit": "g/dL"}}})
    assert info.value.field == "labs.hb"


def test_unknown_top_level_field() -> None:
    with pytest.raises(InputError, match=r"unknown field 'weight_kg'"):
        parse_record({"weight_kg": 70})


def test_negative_count_is_refused() -> None:
    with pytest.raises(InputError, match=r"must be ≥ 0, got -1500") as info:
        parse_record({"labs": {"anc": {"value": -1500, "unit": "/mm3"}}})
    assert info.value.field == "labs.anc.value"


def test_negative_imaging_count_is_refused() -> None:
    with pytest.raises(InputError) as info:
        parse_record({"hcc_confirmation": {"typical_imaging_techniques": -1}})
    assert info.value.field == "hcc_confirmation.typical_imaging_techniques"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        pytest.param(
            {"age_years": "54"}, "age_years", "expected an integer, got str '54'", id="str-int"
        ),
        pytest.param(
            {"labs": {"hemoglobin": {"value": "8.5", "unit": "g/dL"}}},
            "labs.hemoglobin.value",
            "expected a number, got str '8.5'",
            id="str-number",
        ),
        pytest.param(
            {"history": {"hiv": 1}}, "history.hiv", "expected true or false", id="int-bool"
        ),
        pytest.param(
            {"consent_signed": "yes"}, "consent_signed", "expected true or false", id="str-bool"
        ),
        pytest.param({"ecog": True}, "ecog", "expected an integer, got bool", id="bool-int"),
        pytest.param({"ecog": 1.0}, "ecog", "expected an integer, got float", id="float-int"),
        pytest.param({"labs": 3}, "labs", "expected an object", id="int-object"),
        pytest.param({"sex": "f"}, "sex", "must be one of 'female' or 'male'", id="literal"),
        pytest.param({"ecog": 6}, "ecog", "must be ≤ 5", id="ecog-range"),
        pytest.param(
            {"liver": {"encephalopathy_grade": 5}}, "liver.encephalopathy_grade", "≤ 4", id="he"
        ),
        pytest.param({"tumour": {"nodules": 0}}, "tumour.nodules", "must be ≥ 1", id="nodules"),
        pytest.param(
            {"labs": {"ast": {"value": 40, "unit": "U/L", "uln": 0}}},
            "labs.ast.uln",
            "must be > 0",
            id="uln",
        ),
        pytest.param(
            {"labs": {"albumin": {"value": math.nan, "unit": "g/L"}}},
            "labs.albumin.value",
            "finite",
            id="nan",
        ),
        pytest.param(
            {"labs": {"albumin": {"value": 35}}}, "labs.albumin.unit", "missing", id="no-unit"
        ),
    ],
)
def test_wrong_value_names_the_field(data: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_record(data)
    assert info.value.field == field
    assert message in info.value.message


def test_all_faults_are_listed() -> None:
    with pytest.raises(InputError) as info:
        parse_record({"age_years": "x", "ecog": 9})
    assert info.value.field == "age_years"
    assert "also: ecog: must be ≤ 5" in info.value.message


def test_record_must_be_an_object() -> None:
    with pytest.raises(InputError, match="must be an object, got list"):
        parse_record([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("analyte", "spelling", "stored"),
    [
        ("total_bilirubin", "µmol/L", "umol/L"),
        ("platelets", "x10^9/L", "10^9/L"),
        ("anc", "cells/mm3", "/mm3"),
        ("ast", "IU/L", "U/L"),
    ],
)
def test_other_spellings_of_a_unit_are_stored_in_one_spelling(
    analyte: str, spelling: str, stored: str
) -> None:
    record = parse_record({"labs": {analyte: {"value": 10, "unit": spelling}}})
    assert getattr(record.labs, analyte).unit == stored


def test_inr_needs_no_unit() -> None:
    record = parse_record({"labs": {"inr": {"value": 1.2}}})
    assert record.labs is not None
    assert record.labs.inr is not None
    assert record.labs.inr.unit == ""


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected"),
    [
        # Conversion factors of metsor.clinical.units: Hb 1 g/dL = 0.6206 mmol/L;
        # bilirubin 1 mg/dL = 17.1 µmol/L; 1 × 10^9/L = 1,000/mm³.
        ("hemoglobin", 90.0, "g/L", 9.0),
        ("hemoglobin", 6.206, "mmol/L", 10.0),
        ("total_bilirubin", 34.2, "umol/L", 2.0),
        ("anc", 1.5, "10^9/L", 1500.0),
        ("albumin", 35.0, "g/L", 3.5),
    ],
)
def test_values_convert_to_the_unit_of_the_threshold(
    analyte: str, value: float, unit: str, expected: float
) -> None:
    record = parse_record({"labs": {analyte: {"value": value, "unit": unit}}})
    assert_allclose(getattr(record.labs, analyte).in_canonical_unit(), expected, rtol=RTOL)


def test_json_schema_describes_the_record() -> None:
    schema = json_schema()
    json.dumps(schema)  # plain JSON
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(ScreeningRecord.model_fields)
    hemoglobin_unit = schema["$defs"]["HemoglobinValue"]["properties"]["unit"]
    assert hemoglobin_unit["enum"] == ["g/dL", "g/L", "mmol/L"]
    assert schema["$defs"]["AstValue"]["properties"]["uln"]
