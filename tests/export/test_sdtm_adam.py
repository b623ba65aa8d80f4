"""What the SDTM and ADaM datasets of the small trial say, and how they link."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from metsor.endpoints.adverse_events import UNCODED, organ_class


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_rs_has_the_overall_response_per_criterion(sdtm_dir: Path) -> None:
    rs = _rows(sdtm_dir / "rs.csv")
    assert {row["RSTESTCD"] for row in rs} == {"OVRLRESP"}
    assert {row["RSCAT"] for row in rs} == {"RECIST 1.1", "MRECIST"}
    per_assessment = Counter((row["USUBJID"], row["RSDTC"]) for row in rs)
    assert set(per_assessment.values()) == {2}
    assert {row["RSORRES"] for row in rs} <= {"CR", "PR", "SD", "PD", "NE"}


def test_tr_links_to_the_lesions_of_tu(sdtm_dir: Path) -> None:
    identified = {(row["USUBJID"], row["TULNKID"]) for row in _rows(sdtm_dir / "tu.csv")}
    linked = {(row["USUBJID"], row["TRLNKID"]) for row in _rows(sdtm_dir / "tr.csv")
              if row["TRLNKID"]}  # fmt: skip
    assert linked <= identified
    assert linked


def test_ae_carries_the_ctcae_grade_and_organ_class(sdtm_dir: Path) -> None:
    ae = _rows(sdtm_dir / "ae.csv")
    assert {row["AETOXGR"] for row in ae} <= {"1", "2", "3", "4", "5"}
    assert [row["AEBODSYS"] for row in ae] == [organ_class(row["AEDECOD"]) for row in ae]
    assert any(row["AEBODSYS"] != UNCODED for row in ae)


@pytest.mark.parametrize(
    ("name", "sequence"),
    [pytest.param(n, f"{n.upper()}SEQ", id=n) for n in ("ds", "ex", "ae", "lb", "vs", "tu", "tr",
                                                         "rs")],
)  # fmt: skip
def test_sequence_numbers_are_unique_per_subject(sdtm_dir: Path, name: str, sequence: str) -> None:
    rows = _rows(sdtm_dir / f"{name}.csv")
    keys = Counter((row["USUBJID"], row[sequence]) for row in rows)
    assert [key for key, count in keys.items() if count > 1] == []


def test_dm_has_every_registered_subject_once(sdtm_dir: Path, adam_dir: Path) -> None:
    dm = _rows(sdtm_dir / "dm.csv")
    assert len({row["USUBJID"] for row in dm}) == len(dm)
    randomized = {row["USUBJID"] for row in dm if row["ARMCD"]}
    assert randomized == {row["USUBJID"] for row in _rows(adam_dir / "adsl.csv")}
    assert {row["ARMNRS"] for row in dm if not row["ARMCD"]} <= {"SCREEN FAILURE", "NOT ASSIGNED"}


def test_adtte_dates_trace_to_their_source(sdtm_dir: Path, adam_dir: Path) -> None:
    rs = {(row["USUBJID"], row["RSSEQ"]): row for row in _rows(sdtm_dir / "rs.csv")}
    adsl = {row["USUBJID"]: row for row in _rows(adam_dir / "adsl.csv")}
    traced = 0
    for row in _rows(adam_dir / "adtte.csv"):
        if row["SRCDOM"] == "RS":
            source = rs[(row["USUBJID"], row["SRCSEQ"])]
            assert source["RSDTC"] == row["ADT"]
            assert (source["RSCAT"] == "MRECIST") == ("mRECIST" in row["PARAM"])
            traced += 1
        elif row["SRCDOM"] == "ADSL":
            assert adsl[row["USUBJID"]][row["SRCVAR"]] == row["ADT"]
            traced += 1
        else:
            assert row["PARAMCD"].endswith("12")  # censored at the horizon: no source record
    assert traced


def test_adsl_flags_and_treatment(adam_dir: Path) -> None:
    adsl = _rows(adam_dir / "adsl.csv")
    assert {row["ITTFL"] for row in adsl} == {"Y"}
    for row in adsl:
        assert (row["SAFFL"] == "Y") == bool(row["TRTSDT"])
        assert row["TRT01A"] == (row["TRT01P"] if row["SAFFL"] == "Y" else "")
        assert row["RANDDT"] <= (row["TRTSDT"] or row["RANDDT"])


def test_suppae_holds_each_drugs_relatedness_as_adae(sdtm_dir: Path, adam_dir: Path) -> None:
    """SUPPAE's AREL1/AACN1 … of each event are ADAE's, the drug numbered alike."""
    supp = {(row["USUBJID"], row["IDVARVAL"], row["QNAM"]): row["QVAL"]
            for row in _rows(sdtm_dir / "suppae.csv")}  # fmt: skip
    compared = 0
    for row in _rows(adam_dir / "adae.csv"):
        for qnam in ("AREL1", "AREL2"):
            value = supp.get((row["USUBJID"], row["AESEQ"], qnam))
            assert (value or "") == row[qnam].replace("_", " ").upper()
            compared += value is not None
    assert compared


def test_sv_holds_each_visit_not_done_with_its_reason(export_trial: Any) -> None:
    """A planned visit recorded as not done (a mark added to the trial's records as read):
    SVPRESP Y, SVOCCUR N, the reason, no dates, after the subject's visits of the day before;
    a scheduled visit that took place has SVPRESP and SVOCCUR Y; each visit number once."""
    from dataclasses import replace
    from datetime import timedelta
    from types import MappingProxyType

    from metsor.export.cdisc import study_of
    from metsor.export.sdtm_subjects import subject_visits
    from metsor.services.tabulation import casebook_records

    with export_trial.context() as ctx:
        records = casebook_records(ctx, cutoff=export_trial.result.cutoff)
    first = records.visits[0]
    scans = [
        v["number"]
        for v in records.visits
        if v["subject_id"] == first["subject_id"] and v["visit_type"] == "treatment"
    ]
    mark = MappingProxyType({
        "id": 1, "subject_id": first["subject_id"], "visit_type": "treatment",
        "number": max(scans, default=0) + 1, "planned_date": None, "reason": "too ill to come",
        "missed_on": first["actual_date"] + timedelta(days=1), "retracted": False,
    })  # fmt: skip
    study = study_of(records)
    sv = subject_visits(replace(records, missed_visits=(mark,)), study).rows
    (not_done,) = [row for row in sv if row["SVOCCUR"] == "N"]
    assert not_done["USUBJID"] == study.usubjid(first["subject_id"])
    assert not_done["VISIT"] == f"TREATMENT {mark['number']}"
    assert (not_done["SVPRESP"], not_done["SVREASOC"]) == ("Y", "too ill to come")
    assert not_done["SVSTDTC"] is not_done["SVSTDY"] is None
    assert sv.index(not_done) == 1  # after the subject's first visit, the day before
    occurred = [row for row in sv if row["SVOCCUR"] != "N"]
    assert {(row["SVPRESP"], row["SVOCCUR"]) for row in occurred} <= {("Y", "Y"), (None, None)}
    visits = Counter((row["USUBJID"], row["VISITNUM"]) for row in sv)
    assert set(visits.values()) == {1}
