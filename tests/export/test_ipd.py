"""The de-identified IPD package: nothing that identifies a participant, the same analysis."""

from __future__ import annotations

import csv
import re
import stat
from datetime import date
from pathlib import Path

import pytest

from metsor.analysis import analyse_trial
from metsor.errors import InputError
from metsor.export.ipd import AGE_CAP, deidentify
from metsor.export.ipd_key import load_key, pseudonym
from metsor.export.metadata import Dataset, DatasetSpec, V

from .conftest import ExportTrial

EXPERIMENTAL, REFERENCE = "sorafenib_metformin", "sorafenib"
_ISO_DATE = re.compile(r"(19|20)\d\d-[01]\d-[0-3]\d")
_SAS_DATE = re.compile(r"\d\d(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\d\d", re.I)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _texts(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


def test_the_package_holds_its_files(ipd_dir: Path) -> None:
    assert sorted(path.name for path in ipd_dir.iterdir()) == [
        "README.md", "adae.csv", "adrs.csv", "adsl.csv", "adtte.csv", "data-dictionary.csv",
    ]  # fmt: skip


def test_no_file_holds_a_calendar_date(ipd_dir: Path) -> None:
    found = {name: _ISO_DATE.findall(text) + _SAS_DATE.findall(text)
             for name, text in _texts(ipd_dir).items()}  # fmt: skip
    assert {name: dates for name, dates in found.items() if dates} == {}


def test_no_file_holds_a_subject_id_name_or_site(
    ipd_dir: Path, export_trial: ExportTrial, adam_dir: Path
) -> None:
    adsl = _rows(adam_dir / "adsl.csv")
    identifiers = {row["SUBJID"] for row in adsl} | {row["USUBJID"] for row in adsl}
    sites = {row["SITEID"] for row in adsl}
    names = {"investigator", "coordinator", "data_manager", "Zhang", "Tianjin"}
    texts = _texts(ipd_dir)
    leaks = {
        (name, found)
        for name, text in texts.items()
        for found in identifiers | names
        if found.lower() in text.lower()
    }
    assert leaks == set()
    for name in ("adsl.csv", "adtte.csv", "adrs.csv", "adae.csv"):
        assert {row["SITEID"] for row in _rows(ipd_dir / name)}.isdisjoint(sites)


def test_free_text_and_identifying_variables_are_removed(ipd_dir: Path) -> None:
    columns = {name: set(_rows(ipd_dir / name)[0]) for name in
               ("adsl.csv", "adtte.csv", "adrs.csv", "adae.csv")}  # fmt: skip
    removed = {"SUBJID", "AETERM", "RANDDT", "STARTDT", "ADT", "ASTDT", "AENDT", "DTHDT"}
    assert {name: cols & removed for name, cols in columns.items() if cols & removed} == {}
    assert {"ADY"} <= columns["adtte.csv"]
    assert {"DTHDY", "LSTALVDY", "TRTSDY"} <= columns["adsl.csv"]


def test_pseudonyms_are_keyed_and_consistent(ipd_dir: Path, ipd_key: bytes, adam_dir: Path) -> None:
    original = [row["USUBJID"] for row in _rows(adam_dir / "adsl.csv")]
    package = [row["USUBJID"] for row in _rows(ipd_dir / "adsl.csv")]
    assert package == [pseudonym(ipd_key, subject) for subject in original]
    assert len(set(package)) == len(package)
    other_key = bytes(32)
    assert {pseudonym(other_key, subject) for subject in original}.isdisjoint(package)
    in_adtte = {row["USUBJID"] for row in _rows(ipd_dir / "adtte.csv")}
    assert in_adtte == set(package)


def test_study_days_count_from_randomization(ipd_dir: Path, adam_dir: Path) -> None:
    full = _rows(adam_dir / "adtte.csv")
    package = _rows(ipd_dir / "adtte.csv")
    for before, after in zip(full, package, strict=True):
        days = (date.fromisoformat(before["ADT"]) - date.fromisoformat(before["STARTDT"])).days
        assert int(after["ADY"]) == days + 1


def test_hazard_ratios_equal_the_full_data(ipd_dir: Path, adam_dir: Path) -> None:
    """metsor.analysis on the package gives the full data's figures, to the last digit."""
    full = analyse_trial(_rows(adam_dir / "adtte.csv"), _rows(adam_dir / "adrs.csv"),
                         reference=REFERENCE, experimental=EXPERIMENTAL)  # fmt: skip
    package = analyse_trial(_rows(ipd_dir / "adtte.csv"), _rows(ipd_dir / "adrs.csv"),
                            reference=REFERENCE, experimental=EXPERIMENTAL)  # fmt: skip
    assert full.endpoints.keys() == package.endpoints.keys()
    for param, result in full.endpoints.items():
        other = package.endpoints[param]
        assert other.hazard_ratio == result.hazard_ratio, param
        assert other.logrank == result.logrank, param
    assert full.endpoints["OS"].hazard_ratio is not None
    assert repr(package.responses) == repr(full.responses)  # nan (an empty cell) as text


def test_the_dictionary_names_every_source_variable(ipd_dir: Path, adam_dir: Path) -> None:
    dictionary = _rows(ipd_dir / "data-dictionary.csv")
    for name in ("adsl", "adtte", "adrs", "adae"):
        sources = [r["SOURCE"] for r in dictionary if r["DATASET"] == name.upper()]
        assert sources == list(_rows(adam_dir / f"{name}.csv")[0])
    readme = (ipd_dir / "README.md").read_text(encoding="utf-8")
    assert "| ADAE | AETERM | - | removed | free text |" in readme


def _adsl(age: float, site: str, subject: str) -> dict[str, object]:
    return {"USUBJID": subject, "SUBJID": subject[-3:], "SITEID": site, "AGE": age,
            "RANDDT": date(2016, 1, 4)}  # fmt: skip


@pytest.mark.parametrize(
    ("age", "written"),
    [pytest.param(89, 89, id="89-kept"), pytest.param(90, AGE_CAP, id="90-kept"),
     pytest.param(93, AGE_CAP, id="93-pooled")],
)  # fmt: skip
def test_ages_above_89_are_pooled(age: int, written: int) -> None:
    spec = DatasetSpec("ADSL", "Subject Level", "Analysis", "SUBJECT LEVEL ANALYSIS DATASET",
                       "One record per subject", ("USUBJID",),
                       (V("USUBJID", "Subject"), V("SUBJID", "Subject"), V("SITEID", "Site"),
                        V("AGE", "Age", "integer"), V("RANDDT", "Randomized", "date")))  # fmt: skip
    rows = [_adsl(age, "BJ", "S-BJ-001"), *(_adsl(60, "TJ", f"S-TJ-{i:03d}") for i in range(5))]
    (package,), _ = deidentify([Dataset.of(spec, rows)], bytes(32))
    assert package.rows[0]["AGE"] == written
    assert [row["SITEID"] for row in package.rows] == ["POOLED", *["S01"] * 5]


def test_the_key_file_is_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "home" / "metsor-ipd.key"
    key = load_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(path) == key
    path.write_text("not hex\n")
    with pytest.raises(InputError, match="must hold 32 bytes in hexadecimal"):
        load_key(path)
