"""New anticancer therapies on SQLite and PostgreSQL: recorded, checked, corrected, and feeding
the censoring of TTP and PFS in the exported datasets.

FDA 2018 guidance (Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics,
appendix table of PFS censoring conventions): a new anticancer therapy started before
documented progression censors PFS (and TTP) at the last adequate assessment before it; one
started after progression changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from metsor.endpoints import DAYS_PER_MONTH
from metsor.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from metsor.export.datasets import export_datasets
from metsor.services.casebook import (
    correct_value,
    record_death,
    record_tumour_assessment,
    record_withdrawal,
    subject_courses,
)
from metsor.services.casebook.therapies import record_anticancer_therapy
from metsor.services.context import Database, ServiceContext, unit_of_work
from metsor.services.reports import verify_audit
from metsor.store.audit import field_entries

from .builders import lesions
from .conftest import Calendar, enroll
from .follow_up_builders import (
    DAY0,
    STABLE,
    adtte_rows,
    assert_each_refused,
    counts,
    dated_trial,
    day,
    randomized_on_day0,
)

RTOL = 1e-9
NEW_THERAPY = "new anticancer therapy before progression"


@pytest.fixture
def clocked(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Database, Calendar]]:
    with dated_trial(database_url, monkeypatch) as found:
        yield found


# mRECIST and RECIST 1.1 PD: 50 + 40 mm against 70 mm at baseline (+28.6%, +20 mm)
GROWING = lesions((50, 50), (40, 40))


def test_therapy_before_progression_censors_ttp_and_pfs(
    clocked: tuple[Database, Calendar], tmp_path: Path
) -> None:
    trial, calendar = clocked
    before, after, untreated = (randomized_on_day0(trial) for _ in range(3))
    calendar.move_to(day(200))
    with unit_of_work(trial, "inv_tj") as ctx:
        for subject_id in (before, after, untreated):
            record_tumour_assessment(
                ctx, subject_id=subject_id, assessed_on=day(56), lesions=STABLE
            )
        # TACE on day 80, before the progression seen on day 112; lenvatinib later still
        record_anticancer_therapy(
            ctx, subject_id=before, name="TACE", category="locoregional", started_on=day(80),
            ended_on=day(80),
        )  # fmt: skip
        record_anticancer_therapy(
            ctx, subject_id=before, name="lenvatinib", category="systemic", started_on=day(120)
        )
        # regorafenib after the progression of day 112
        record_anticancer_therapy(
            ctx, subject_id=after, name="regorafenib", category="systemic", started_on=day(130)
        )
        for subject_id in (before, after, untreated):
            record_tumour_assessment(
                ctx, subject_id=subject_id, assessed_on=day(112), lesions=GROWING
            )
    with unit_of_work(trial, "stat", readonly=True) as ctx:
        courses = {c.subject_id: c for c in subject_courses(ctx)}
        written = export_datasets(ctx, tmp_path)
    assert courses[before].new_anticancer_therapy_on == day(80)  # the earliest start
    assert courses[after].new_anticancer_therapy_on == day(130)
    assert courses[untreated].new_anticancer_therapy_on is None
    rows = adtte_rows(written["adtte"])
    for param in ("TTP", "PFS", "TTP12", "PFS12"):
        censored = rows[(before, param)]
        assert (censored["EVENT"], censored["CNSR"]) == ("0", "1")
        assert censored["EVNTDESC"] == NEW_THERAPY
        # at the last adequate assessment before the therapy: day 56
        assert censored["ADT"] == day(56).isoformat()
        assert float(censored["AVAL"]) == pytest.approx(56 / DAYS_PER_MONTH, rel=RTOL)
        for progressed in (after, untreated):
            event = rows[(progressed, param)]
            assert (event["EVENT"], event["ADT"]) == ("1", day(112).isoformat()), progressed
            assert event["EVNTDESC"] == "progression (mRECIST)"
    assert rows[(before, "OS")]["EVNTDESC"] == "alive at last contact"
    with written["adsl"].open() as handle:
        adsl = {r["SUBJID"]: r for r in csv.DictReader(handle)}
    assert (adsl[before]["NACTDT"], adsl[after]["NACTDT"], adsl[untreated]["NACTDT"]) == (
        day(80).isoformat(),
        day(130).isoformat(),
        "",
    )
    # the therapy started after the cut-off of day 100 is not seen: progression on day 112 is
    # not seen either, and the subject is censored at day 56 for the data cut-off
    with unit_of_work(trial, "stat", readonly=True) as ctx:
        cut = adtte_rows(export_datasets(ctx, tmp_path / "cut", cutoff=day(100))["adtte"])
    assert cut[(after, "PFS")]["EVNTDESC"] == "data cut-off"
    assert cut[(before, "PFS")]["EVNTDESC"] == NEW_THERAPY


def test_refused_therapies_write_nothing(clocked: tuple[Database, Calendar]) -> None:
    trial, calendar = clocked
    subject_id = randomized_on_day0(trial)
    dead = randomized_on_day0(trial)
    withdrawn = randomized_on_day0(trial)
    consented, _ = enroll(trial)
    calendar.move_to(day(150))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_anticancer_therapy(
            ctx, subject_id=subject_id, name="TACE", category="locoregional",
            started_on=day(60),
        )  # fmt: skip
        record_death(ctx, subject_id=dead, death_date=day(90), cause="disease_progression")
        record_withdrawal(
            ctx, subject_id=withdrawn, kind="consent_withdrawn", withdrawn_on=day(70),
            reason="no longer wishes follow-up",
        )  # fmt: skip

    def therapy(**changes: Any) -> Callable[[ServiceContext], object]:
        values: dict[str, Any] = {
            "subject_id": subject_id, "name": "sintilimab", "category": "systemic",
            "started_on": day(100),
        } | changes  # fmt: skip
        return lambda ctx: record_anticancer_therapy(ctx, **values)

    cases: list[tuple[str, Callable[[ServiceContext], object], type[Exception], str]] = [
        ("inv_tj", therapy(started_on=DAY0 - timedelta(1)), ConflictError, "started_on"),
        ("inv_tj", therapy(started_on=day(151)), InputError, "started_on"),
        ("inv_tj", therapy(started_on="2026-13-01"), InputError, "started_on"),
        ("inv_tj", therapy(ended_on=day(99)), ConflictError, "ended_on"),
        ("inv_tj", therapy(ended_on=day(160)), InputError, "ended_on"),
        ("inv_tj", therapy(category="chemotherapy"), InputError, "category"),
        ("inv_tj", therapy(name="  "), InputError, "name"),
        # the same therapy, whatever the case of its name, on the same day
        ("inv_tj", therapy(name="tace", category="locoregional",
                           started_on=day(60)), ConflictError, "started_on"),
        ("inv_tj", therapy(subject_id=dead, started_on=day(91)), ConflictError, "started_on"),
        ("inv_tj", therapy(subject_id=withdrawn, started_on=day(71)), ConflictError, "started_on"),
        ("inv_tj", therapy(subject_id=consented, started_on=day(10)), ConflictError,
         "started_on"),
        ("inv_bj", therapy(), NotFoundError, "subject_id"),
        ("monitor", therapy(), PermissionDeniedError, "user"),
    ]  # fmt: skip
    assert_each_refused(trial, cases)


def test_therapies_are_corrected_and_audited(clocked: tuple[Database, Calendar]) -> None:
    trial, calendar = clocked
    subject_id = randomized_on_day0(trial)
    calendar.move_to(day(150))
    with unit_of_work(trial, "inv_tj") as ctx:
        therapy = record_anticancer_therapy(
            ctx, subject_id=subject_id, name="SBRT", category="locoregional", started_on=day(90)
        )
        record_death(ctx, subject_id=subject_id, death_date=day(120), cause="other")
    with unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="anticancer_therapies", record_id=therapy.id, field="started_on",
            value=str(day(85)), reason="date read from the radiotherapy report",
        )  # fmt: skip
    with unit_of_work(trial, "stat", readonly=True) as ctx:
        (course,) = subject_courses(ctx)
    assert course.new_anticancer_therapy_on == day(85)
    before = counts(trial)
    with pytest.raises(ConflictError) as caught, unit_of_work(trial, "inv_tj") as ctx:
        correct_value(
            ctx, table="anticancer_therapies", record_id=therapy.id, field="started_on",
            value=str(day(121)), reason="typed wrongly",
        )  # fmt: skip
    assert caught.value.field == "started_on"
    assert counts(trial) == before
    with unit_of_work(trial, "admin") as ctx:
        report = verify_audit(ctx)
    assert report.intact, report.first_problem
    with trial.sessions() as session:
        fields = {
            e.field
            for e in field_entries(session, table="anticancer_therapies", record_id=str(therapy.id))
        }
    assert {"name", "category", "started_on"} <= fields


def test_death_is_not_dated_before_a_recorded_therapy_or_alive_contact(
    clocked: tuple[Database, Calendar],
) -> None:
    """Nothing but the death record is dated after death: the follow-up tables count too."""
    from metsor.services.casebook import record_survival_contact

    trial, calendar = clocked
    subject_id = randomized_on_day0(trial)
    calendar.move_to(day(200))
    with unit_of_work(trial, "inv_tj") as ctx:
        record_anticancer_therapy(
            ctx, subject_id=subject_id, name="TACE", category="locoregional", started_on=day(90)
        )
        record_survival_contact(
            ctx, subject_id=subject_id, contact_on=day(150), status="alive", method="phone"
        )
    before = counts(trial)
    for death_day, what in ((day(120), "survival contact"), (day(80), "survival contact")):
        with (
            pytest.raises(ConflictError, match=what) as caught,
            unit_of_work(trial, "inv_tj") as ctx,
        ):
            record_death(ctx, subject_id=subject_id, death_date=death_day, cause="other")
        assert caught.value.field == "death_date"
    assert counts(trial) == before
    with unit_of_work(trial, "inv_tj") as ctx:
        record_death(ctx, subject_id=subject_id, death_date=day(160), cause="other")
