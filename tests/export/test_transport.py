"""Every SAS transport file of the SDTM and ADaM exports, read back, equals its CSV file."""

from __future__ import annotations

import csv
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest

SDTM = (
    "dm",
    "ds",
    "ex",
    "ae",
    "suppae",
    "lb",
    "vs",
    "tu",
    "tr",
    "rs",
    "sv",
    "ts",
    "ta",
    "te",
    "xs",
    "suppxs",
)
ADAM = ("adsl", "adtte", "adrs", "adae")


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or ()), list(reader)


def _same(text: str, value: Any) -> bool:
    """Whether a CSV cell and the value read back from XPT are the same value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return text == ""
    if isinstance(value, datetime):
        return text == value.date().isoformat()
    if isinstance(value, date):
        return text == value.isoformat()
    if isinstance(value, float):
        return text != "" and float(text) == value
    return text == value


def _compare(folder: Path, name: str) -> None:
    columns, rows = _csv(folder / f"{name}.csv")
    frame, meta = pyreadstat.read_xport(str(folder / f"{name}.xpt"))
    assert meta.table_name == name.upper()
    assert list(frame.columns) == columns
    assert len(frame) == len(rows)
    records = frame.to_dict("records")
    for index, (row, back) in enumerate(zip(rows, records, strict=True), start=1):
        differ = [c for c in columns if not _same(row[c], back[c])]
        assert differ == [], f"{name} row {index}: {[(c, row[c], back[c]) for c in differ]}"


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in SDTM])
def test_each_sdtm_xpt_equals_its_csv(sdtm_dir: Path, name: str) -> None:
    _compare(sdtm_dir, name)


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in ADAM])
def test_each_adam_xpt_equals_its_csv(adam_dir: Path, name: str) -> None:
    _compare(adam_dir, name)


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in ADAM])
def test_each_ipd_xpt_equals_its_csv(ipd_dir: Path, name: str) -> None:
    _compare(ipd_dir, name)


def test_the_ipd_transport_headers_hold_the_sas_epoch_not_the_day_written(ipd_dir: Path) -> None:
    header = (ipd_dir / "adsl.xpt").read_bytes()[:560]
    assert header.count(b"01JAN60:00:00:00") == 4
    _, meta = pyreadstat.read_xport(str(ipd_dir / "adsl.xpt"), metadataonly=True)
    assert meta.creation_time == datetime(1960, 1, 1)
    assert meta.modification_time == datetime(1960, 1, 1)


def test_pandas_reads_the_same_transport_file(adam_dir: Path) -> None:
    """pandas' own XPORT reader agrees with pyreadstat on ADTTE (numbers, dates as days)."""
    frame = pd.read_sas(adam_dir / "adtte.xpt", format="xport", encoding="ascii")
    back, _ = pyreadstat.read_xport(str(adam_dir / "adtte.xpt"))
    # The file holds IBM zero as eight zero bytes (the XPORT rule); pandas' reader turns those
    # bytes into 16**-65 (5.4e-79) instead of 0.0, so that one value is compared as zero.
    aval = [0.0 if value == 16.0**-65 else value for value in frame["AVAL"]]
    assert aval == list(back["AVAL"])
    assert list(frame["PARAMCD"]) == list(back["PARAMCD"])
    sas_epoch = date(1960, 1, 1)
    assert [sas_epoch + pd.Timedelta(days=d) for d in frame["ADT"]] == list(back["ADT"])


def test_the_exports_hold_data(sdtm_dir: Path, adam_dir: Path) -> None:
    """Each dataset of the small trial has rows (a course with every kind of record); no
    casebook of it is signed (``test_signatures`` signs a copy)."""
    empty = [n for n in SDTM if not _csv(sdtm_dir / f"{n}.csv")[1] and n not in ("xs", "suppxs")]
    empty += [n for n in ADAM if not _csv(adam_dir / f"{n}.csv")[1]]
    assert empty == []
