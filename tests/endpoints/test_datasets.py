"""ADSL, ADTTE and ADRS shaped after CDISC ADaM (ADaM IG v1.3; ADaM Basic Data Structure for
Time-to-Event Analyses: CNSR 0 = event, 1 = censored)."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from metsor.endpoints import (
    ADRS_COLUMNS,
    ADSL_COLUMNS,
    ADTTE_COLUMNS,
    adrs,
    adsl,
    adtte,
    overall_survival,
    progression_free_survival,
)
from metsor.errors import InputError

from .builders import RANDOMIZED_ON, course, day, scan

RTOL = 1e-12

SUBJECTS = (
    course(
        subject_id="001",
        arm="sorafenib_metformin",
        death=400,
        scans=(scan(56, "PR", "SD"), scan(112, "PR", "PR"), scan(168, "PD")),
        baseline={"age": 54, "sex": "M", "ecog": 1, "macrovascular_invasion": True,
                  "extrahepatic_spread": "no", "afp_ng_ml": 820.0},
    ),
    course(subject_id="002", arm="sorafenib", alive=200, withdrawn=210,
           scans=(scan(56, "SD"), scan(112, "SD"))),
)  # fmt: skip


def test_adsl_columns_and_values() -> None:
    rows = adsl(SUBJECTS)
    assert [list(row) for row in rows] == [list(ADSL_COLUMNS)] * 2
    first, second = rows
    assert first["USUBJID"] == "NCT02672488-001"
    assert (first["ARMCD"], first["ARM"], first["TRT01P"]) == (
        "sorafenib_metformin",
        "Sorafenib + Metformin",
        "Sorafenib + Metformin",
    )
    assert (first["AGE"], first["AGEU"], first["SEX"], first["ECOG"]) == (54, "YEARS", "M", 1)
    assert (first["MVI"], first["EHS"], first["AFP"], first["RACE"]) == ("Y", "N", 820.0, None)
    assert (first["DTHFL"], first["DTHDT"], first["LSTALVDT"]) == ("Y", day(400), day(400))
    assert (second["DTHFL"], second["LSTALVDT"], second["WDDT"]) == ("N", day(210), day(210))
    assert second["AGEU"] is None
    assert all(row["ITTFL"] == "Y" and row["RANDDT"] == RANDOMIZED_ON for row in rows)


def test_adsl_study_id_and_labels() -> None:
    row = adsl(SUBJECTS[:1], study_id="METSOR", arm_labels={})[0]
    assert (row["STUDYID"], row["USUBJID"], row["ARM"]) == (
        "METSOR",
        "METSOR-001",
        "sorafenib_metformin",
    )


def test_adtte_rows_and_columns() -> None:
    rows = adtte(SUBJECTS, cutoff=None, horizon_months=12)
    assert [list(row) for row in rows] == [list(ADTTE_COLUMNS)] * 12
    assert [row["PARAMCD"] for row in rows[:6]] == ["OS", "TTP", "PFS", "OS12", "TTP12", "PFS12"]
    assert rows[2]["PARAM"] == "Progression-free survival, mRECIST (months)"
    assert rows[3]["PARAM"] == "Overall survival, censored at 12 months (months)"
    for row in rows:
        assert row["CNSR"] + row["EVENT"] == 1
        assert row["AVALU"] == "MONTHS"
        assert_allclose(row["AVAL"], (row["ADT"] - row["STARTDT"]).days / 30.4375, rtol=RTOL)
        assert (row["CNSDTDSC"] is None) == (row["CNSR"] == 0)


def test_adtte_values_match_the_endpoints() -> None:
    rows = {(r["USUBJID"], r["PARAMCD"]): r for r in adtte(SUBJECTS, horizon_months=12)}
    os_1 = rows[("NCT02672488-001", "OS")]
    assert (os_1["ADT"], os_1["CNSR"], os_1["EVNTDESC"]) == (day(400), 0, "death")
    os12 = rows[("NCT02672488-001", "OS12")]
    assert (os12["ADT"], os12["CNSR"], os12["EVNTDESC"], os12["CNSDTDSC"]) == (
        day(365),
        1,
        "administrative (12 months)",
        "12-month horizon",
    )
    pfs_2 = rows[("NCT02672488-002", "PFS")]
    expected = progression_free_survival(SUBJECTS[1])
    assert (pfs_2["ADT"], pfs_2["EVNTDESC"]) == (expected.event_or_censor_date, "withdrawal")
    assert rows[("NCT02672488-001", "TTP")]["EVNTDESC"] == "progression (mRECIST)"


def test_adtte_cutoff_criterion_and_no_horizon() -> None:
    rows = adtte(SUBJECTS, cutoff=day(150), horizon_months=None, criterion="recist")
    assert [row["PARAMCD"] for row in rows] == ["OS", "TTP", "PFS"] * 2
    assert rows[1]["PARAM"] == "Time to progression, RECIST 1.1 (months)"
    os_1 = overall_survival(SUBJECTS[0], cutoff=day(150))
    assert (rows[0]["ADT"], rows[0]["EVNTDESC"]) == (os_1.event_or_censor_date, "data cut-off")


def test_adrs() -> None:
    rows = adrs(SUBJECTS)
    assert [list(row) for row in rows] == [list(ADRS_COLUMNS)] * 8
    first = {row["PARAMCD"]: (row["AVALC"], row["AVAL"]) for row in rows[:4]}
    assert first == {
        "BOR_MRECIST": ("PR", 2),
        "BOR_RECIST": ("PR", 2),
        "ORR_MRECIST": ("Y", 1),
        "ORR_RECIST": ("Y", 1),
    }
    second = {row["PARAMCD"]: (row["AVALC"], row["AVAL"]) for row in rows[4:]}
    assert second["BOR_MRECIST"] == ("SD", 3)
    assert second["ORR_RECIST"] == ("N", 0)
    assert rows[0]["PARAM"] == "Best overall response within 12 months, mRECIST"
    late = adrs(SUBJECTS, cutoff=day(60))
    assert (late[1]["PARAMCD"], late[1]["AVALC"]) == ("BOR_RECIST", "SD")


@pytest.mark.parametrize("build", [adsl, adtte, adrs])
def test_duplicate_subject_named(build: object) -> None:
    with pytest.raises(InputError, match="subject 001 appears more than once") as info:
        build([SUBJECTS[0], SUBJECTS[0]])  # type: ignore[operator]
    assert info.value.row == 2
