"""The rules of SAS transport v5, checked before a file is written: each breach names its
variable (or dataset) and nothing is written."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from metsor.errors import InputError
from metsor.export.checks import check_dataset, check_file_name
from metsor.export.files import write_csv, write_xpt
from metsor.export.metadata import Dataset, DatasetSpec, V, Variable


def _spec(*variables: Variable, name: str = "ADSL", label: str = "Subject Level") -> DatasetSpec:
    return DatasetSpec(name, label, "Analysis", "SUBJECT LEVEL ANALYSIS DATASET",
                       "One record per subject", ("USUBJID",), variables)  # fmt: skip


_GOOD = (V("USUBJID", "Unique Subject Identifier"), V("AGE", "Age", "integer"))


def _dataset(spec: DatasetSpec, **values: Any) -> Dataset:
    return Dataset.of(spec, [{"USUBJID": "S-1", "AGE": 54, **values}])


@pytest.mark.parametrize(
    ("dataset", "named"),
    [
        pytest.param(_dataset(_spec(*_GOOD, V("RANDOMDAT", "Date"))), "RANDOMDAT",
                     id="name-of-9-characters"),
        pytest.param(_dataset(_spec(*_GOOD, V("RANDDT", "R" * 41))), "RANDDT",
                     id="label-of-41-characters"),
        pytest.param(_dataset(_spec(*_GOOD, V("randdt", "Date"))), "randdt", id="lower-case-name"),
        pytest.param(_dataset(_spec(*_GOOD, V("1RAND", "Date"))), "1RAND", id="digit-first"),
        pytest.param(_dataset(_spec(*_GOOD, V("SITE", "Site é"))), "SITE", id="label-not-ascii"),
        pytest.param(_dataset(_spec(*_GOOD, name="ADSUBJLVL")), "ADSUBJLVL",
                     id="dataset-name-of-9"),
        pytest.param(_dataset(_spec(*_GOOD, label="L" * 41)), "ADSL", id="dataset-label-of-41"),
        pytest.param(_dataset(_spec(*_GOOD, V("TERM", "Term")), TERM="x" * 201), "TERM",
                     id="value-of-201-bytes"),
        pytest.param(_dataset(_spec(*_GOOD, V("TERM", "Term")), TERM="Diarrhée"), "TERM",
                     id="value-not-ascii"),
        pytest.param(_dataset(_spec(*_GOOD, V("TERM", "Term")), TERM="µ" * 101), "TERM",
                     id="value-of-202-bytes-in-101-characters"),
        pytest.param(_dataset(_spec(*_GOOD), AGE="54"), "AGE", id="text-in-a-number"),
        pytest.param(_dataset(_spec(*_GOOD, V("FL", "Flag", codelist=("Y", "N"))), FL="yes"),
                     "FL", id="value-outside-its-codelist"),
        pytest.param(_dataset(_spec(*_GOOD, V("RANDDT", "Randomization", "date")),
                              RANDDT="2016-01-04"), "RANDDT", id="text-in-a-date"),
    ],
)  # fmt: skip
def test_a_breach_is_refused_naming_its_variable(
    dataset: Dataset, named: str, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match=named) as caught:
        check_dataset(dataset)
    assert caught.value.field == named
    for write in (write_csv, write_xpt):
        with pytest.raises(InputError, match=named):
            write(dataset, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_value_of_200_bytes_and_a_label_of_40_pass(tmp_path: Path) -> None:
    spec = _spec(*_GOOD, V("TERM", "T" * 40), V("RANDDT", "Date of Randomization", "date"))
    dataset = _dataset(spec, TERM="x" * 200, RANDDT=date(2016, 1, 4))
    check_dataset(dataset)
    assert write_xpt(dataset, tmp_path).name == "adsl.xpt"


def test_the_file_is_named_after_the_dataset() -> None:
    dataset = _dataset(_spec(*_GOOD))
    check_file_name(dataset, Path("adsl.xpt"))
    with pytest.raises(InputError, match=r"ADSL must be written to a file named adsl\.xpt"):
        check_file_name(dataset, Path("subjects.xpt"))


def test_a_row_without_a_variable_is_refused() -> None:
    spec = _spec(*_GOOD)
    dataset = Dataset(spec, ({"USUBJID": "S-1"},))
    with pytest.raises(InputError, match="AGE is missing"):
        check_dataset(dataset)
