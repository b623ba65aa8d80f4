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
from metsor.export.ipd_terms import MIN_TERM_SUBJECTS, OTHER_ORGAN_CLASSES, OTHER_TERM
from metsor.export.metadata import Dataset, DatasetSpec, V

from .conftest import ExportTrial

EXPERIMENTAL, REFERENCE = "sorafenib_metformin", "sorafenib"
_ISO_DATE = re.compile(r"(19|20)\d\d-[01]\d-[0-3]\d")
SAS_EPOCH_STAMP = "01JAN60:00:00:00"
_SAS_DATE = re.compile(r"\d\d(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\d\d", re.I)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _texts(folder: Path) -> dict[str, str]:
    """Every file's bytes as text (the transport files' too, one character per byte)."""
    return {path.name: path.read_bytes().decode("latin-1") for path in sorted(folder.iterdir())}


def test_the_package_holds_its_files(ipd_dir: Path) -> None:
    assert sorted(path.name for path in ipd_dir.iterdir()) == [
        "README.md", "adae.csv", "adae.xpt", "adrs.csv", "adrs.xpt", "adsl.csv", "adsl.xpt",
        "adtte.csv", "adtte.xpt", "data-dictionary.csv",
    ]  # fmt: skip


def test_no_file_holds_a_calendar_date(ipd_dir: Path) -> None:
    """The SAS epoch that stands for the transport headers' dates is the one date allowed."""
    texts = {name: text.replace(SAS_EPOCH_STAMP, "") for name, text in _texts(ipd_dir).items()}
    found = {name: _ISO_DATE.findall(text) + _SAS_DATE.findall(text)
             for name, text in texts.items()}  # fmt: skip
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


def _adsl_spec() -> DatasetSpec:
    return DatasetSpec("ADSL", "Subject Level", "Analysis", "SUBJECT LEVEL ANALYSIS DATASET",
                       "One record per subject", ("USUBJID",),
                       (V("USUBJID", "Subject"), V("SUBJID", "Subject"), V("SITEID", "Site"),
                        V("AGE", "Age", "integer"), V("RANDDT", "Randomized", "date")))  # fmt: skip


def _adsl(age: float, site: str, subject: str) -> dict[str, object]:
    return {"USUBJID": subject, "SUBJID": subject[-3:], "SITEID": site, "AGE": age,
            "RANDDT": date(2016, 1, 4)}  # fmt: skip


@pytest.mark.parametrize(
    ("age", "written"),
    [pytest.param(89, 89, id="89-kept"), pytest.param(90, AGE_CAP, id="90-kept"),
     pytest.param(93, AGE_CAP, id="93-pooled")],
)  # fmt: skip
def test_ages_above_89_are_pooled(age: int, written: int) -> None:
    spec = _adsl_spec()
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


def _adae_spec() -> DatasetSpec:
    return DatasetSpec("ADAE", "Adverse Events", "Analysis", "OCCURRENCE DATA STRUCTURE",
                       "One record per event", ("USUBJID", "AESEQ"),
                       (V("USUBJID", "Subject"), V("AESEQ", "Sequence", "integer"),
                        V("AEBODSYS", "Body System or Organ Class"),
                        V("AEDECOD", "Dictionary-Derived Term"),
                        V("AETOXGR", "Standard Toxicity Grade")))  # fmt: skip


def _ae(subject: int, seq: int, organ_class: str, term: str) -> dict[str, object]:
    return {"USUBJID": f"S-{subject:03d}", "AESEQ": seq, "AEBODSYS": organ_class,
            "AEDECOD": term, "AETOXGR": "2"}  # fmt: skip


GI, SKIN, EYE = (
    "Gastrointestinal disorders",
    "Skin and subcutaneous tissue disorders",
    "Eye disorders",
)


def _pooled(
    rows: list[dict[str, object]], k: int = MIN_TERM_SUBJECTS
) -> list[tuple[object, object]]:
    subjects = sorted({str(row["USUBJID"]) for row in rows})
    adsl = Dataset.of(_adsl_spec(), [_adsl(60, "TJ", subject) for subject in subjects])
    (_, package), treatments = deidentify([adsl, Dataset.of(_adae_spec(), rows)], bytes(32),
                                          min_term_subjects=k)  # fmt: skip
    assert {t.source: t.action for t in treatments}["AEDECOD"] == "pooled"
    return [(row["AEBODSYS"], row["AEDECOD"]) for row in package.rows]


def test_a_term_of_three_subjects_is_kept_and_one_of_two_is_pooled() -> None:
    rows = [_ae(s, 1, GI, "Diarrhea") for s in (1, 2, 3)]
    rows += [_ae(s, 2, GI, "Flatulence") for s in (1, 2)]
    assert _pooled(rows) == [(GI, "Diarrhea")] * 3 + [(GI, f"{GI} - {OTHER_TERM}")] * 2


def test_subjects_are_counted_not_events() -> None:
    """Three reports of one subject are one subject: the term is pooled."""
    rows = [_ae(1, seq, GI, "Nausea") for seq in (1, 2, 3)] + [_ae(s, 9, GI, "Diarrhea")
                                                               for s in (2, 3, 4)]  # fmt: skip
    assert _pooled(rows)[:3] == [(GI, f"{GI} - {OTHER_TERM}")] * 3


def test_a_rare_organ_class_is_pooled_with_its_terms() -> None:
    rows = [_ae(s, 1, SKIN, "Rash maculo-papular") for s in (1, 2, 3)] + [
        _ae(4, 1, EYE, "Blurred vision")
    ]
    assert _pooled(rows)[-1] == (OTHER_ORGAN_CLASSES, OTHER_TERM)
    assert _pooled(rows)[0] == (SKIN, "Rash maculo-papular")


def test_k_is_a_setting() -> None:
    rows = [_ae(s, 1, GI, "Diarrhea") for s in (1, 2, 3)]
    assert _pooled(rows, k=4) == [(OTHER_ORGAN_CLASSES, OTHER_TERM)] * 3
    assert _pooled(rows, k=1) == [(GI, "Diarrhea")] * 3


@pytest.mark.parametrize("k", [0, -1, True])
def test_k_below_one_is_refused_by_name(k: int) -> None:
    with pytest.raises(InputError, match="min_term_subjects must be a positive integer"):
        _pooled([_ae(1, 1, GI, "Diarrhea")], k=k)


def test_no_term_in_the_package_names_fewer_than_k_subjects(ipd_dir: Path, adam_dir: Path) -> None:
    """Every coded term and organ class left in the package was reported by at least k
    subjects; the events, grades and seriousness are the full data's."""
    package, full = _rows(ipd_dir / "adae.csv"), _rows(adam_dir / "adae.csv")
    subjects: dict[tuple[str, str], set[str]] = {}
    classes: dict[str, set[str]] = {}
    for row in package:
        subjects.setdefault((row["AEBODSYS"], row["AEDECOD"]), set()).add(row["USUBJID"])
        classes.setdefault(row["AEBODSYS"], set()).add(row["USUBJID"])
    rare = {key for key, who in subjects.items()
            if len(who) < MIN_TERM_SUBJECTS and not key[1].endswith(OTHER_TERM)}  # fmt: skip
    assert rare == set()
    assert {c for c, who in classes.items()
            if len(who) < MIN_TERM_SUBJECTS and c != OTHER_ORGAN_CLASSES} == set()  # fmt: skip
    full_counts: dict[str, set[str]] = {}
    for row in full:
        full_counts.setdefault(row["AEDECOD"], set()).add(row["USUBJID"])
    assert any(len(who) < MIN_TERM_SUBJECTS for who in full_counts.values()), "nothing to pool"
    for column in ("AETOXGR", "AESER", "TRTEMFL"):
        assert [r[column] for r in package] == [r[column] for r in full], column


def test_the_dictionary_gives_type_and_transport_length(ipd_dir: Path) -> None:
    import pyreadstat

    dictionary = [r for r in _rows(ipd_dir / "data-dictionary.csv") if r["DATASET"] == "ADAE"]
    _, meta = pyreadstat.read_xport(str(ipd_dir / "adae.xpt"), metadataonly=True)
    for row in dictionary:
        if not row["VARIABLE"]:
            assert row["TREATMENT"] == "removed"
            continue
        assert row["TYPE"] == ("Char" if meta.readstat_variable_types[row["VARIABLE"]] == "string"
                               else "Num"), row["VARIABLE"]  # fmt: skip
        assert int(row["LENGTH"]) == meta.variable_storage_width[row["VARIABLE"]], row["VARIABLE"]


def test_rare_race_and_aetiology_values_are_written_as_other() -> None:
    spec = DatasetSpec("ADSL", "Subject Level", "Analysis", "SUBJECT LEVEL ANALYSIS DATASET",
                       "One record per subject", ("USUBJID",),
                       (V("USUBJID", "Subject"), V("SITEID", "Site"), V("RACE", "Race"),
                        V("AETIOL", "Aetiology"), V("RANDDT", "Randomized", "date")))  # fmt: skip
    values = [("ASIAN", "HBV")] * 3 + [("WHITE", "alcohol"), ("ASIAN", None)]
    rows = [{"USUBJID": f"S-{i:03d}", "SITEID": "TJ", "RACE": race, "AETIOL": aetiology,
             "RANDDT": date(2016, 1, 4)} for i, (race, aetiology) in enumerate(values)]  # fmt: skip
    (package,), treatments = deidentify([Dataset.of(spec, rows)], bytes(32))
    assert [(r["RACE"], r["AETIOL"]) for r in package.rows] == [
        ("ASIAN", "HBV"), ("ASIAN", "HBV"), ("ASIAN", "HBV"), ("OTHER", "OTHER"), ("ASIAN", None),
    ]  # fmt: skip
    assert {t.source: t.action for t in treatments}["AETIOL"] == "pooled"


def test_no_race_or_aetiology_in_the_package_names_fewer_than_k_subjects(ipd_dir: Path) -> None:
    rows = _rows(ipd_dir / "adsl.csv")
    for column in ("RACE", "AETIOL"):
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[column]] = counts.get(row[column], 0) + 1
        rare = {v for v, n in counts.items() if n < MIN_TERM_SUBJECTS and v not in ("", "OTHER")}
        assert rare == set(), column
