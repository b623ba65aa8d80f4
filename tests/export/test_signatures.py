"""Electronic signatures and lock states in the exports: SDTM XS/SUPPXS and ADSL's sign-off.

A copy of the small virtual trial (its database and METSOR_HOME, so that the audit anchor of the
shared trial is not moved) where the site's investigator signs two casebooks and one visit, a
freeze and unfreeze voids one casebook's signature, and one subject is locked.
"""

from __future__ import annotations

import csv
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyreadstat
import pytest

from metsor.export.cdisc import export_adam, export_sdtm
from metsor.insilico.trial import DEMO_PASSWORDS, SITE_USERS
from metsor.services.context import Database, unit_of_work
from metsor.services.monitoring.locks import change_lock
from metsor.services.monitoring.signatures import sign_casebook, signable_visits
from metsor.services.reports import list_subjects
from metsor.services.sign_off import read_sign_off

from .conftest import ExportTrial
from .define_structure import problems

INVESTIGATOR = SITE_USERS["investigator"]
DATA_MANAGER = SITE_USERS["data_manager"]


@dataclass(frozen=True)
class SignedTrial:
    """The copy's database URL, its exports, and the subjects signed and locked."""

    url: str
    sdtm: Path
    adam: Path
    locked: str
    voided: str


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _sign(database: Database, subject_id: str, visit_id: int | None = None) -> None:
    sign_casebook(database, acting_user=INVESTIGATOR, user_id=INVESTIGATOR,
                  password=DEMO_PASSWORDS[INVESTIGATOR], subject_id=subject_id,
                  meaning="approve" if visit_id is None else "review", visit_id=visit_id,
                  printed_name="Dr Zhang San")  # fmt: skip


def _lock(database: Database, action: str, subject_id: str) -> None:
    with unit_of_work(database, DATA_MANAGER) as ctx:
        change_lock(ctx, action=action, scope="subject", target=subject_id, reason="test")


@pytest.fixture(scope="module")
def signed_trial(
    export_trial: ExportTrial, tmp_path_factory: pytest.TempPathFactory
) -> SignedTrial:
    folder = tmp_path_factory.mktemp("signed-trial")
    home = folder / "home"
    shutil.copytree(export_trial.home, home)
    source = Path(export_trial.url.removeprefix("sqlite:///"))
    shutil.copy(source, folder / "trial.sqlite")
    url = f"sqlite:///{folder / 'trial.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METSOR_HOME", str(home))
        database = Database.open(url)
        try:
            with unit_of_work(database, INVESTIGATOR, readonly=True) as ctx:
                randomized = [s.subject_id for s in list_subjects(ctx) if s.arm is not None]
                locked, voided = randomized[0], randomized[1]
                visit_id, _ = signable_visits(ctx, locked)[0]
            _sign(database, locked, visit_id)
            _sign(database, locked)
            _sign(database, voided)
            _lock(database, "freeze", voided)
            _lock(database, "unfreeze", voided)
            _lock(database, "lock", locked)
            with unit_of_work(database, DATA_MANAGER, readonly=True) as ctx:
                export_sdtm(ctx, folder / "sdtm")
                export_adam(ctx, folder / "adam")
        finally:
            database.close()
    return SignedTrial(url, folder / "sdtm", folder / "adam", locked, voided)


def test_xs_holds_each_signature_with_its_meaning_visit_and_time(signed_trial: SignedTrial) -> None:
    rows = _rows(signed_trial.sdtm / "xs.csv")
    by_subject = {(r["USUBJID"].split("-", 1)[1], r["XSTESTCD"]): r for r in rows}
    assert len(rows) == 3
    visit = by_subject[(signed_trial.locked, "VISIGN")]
    assert visit["XSSTRESC"] == "REVIEW"
    assert visit["XSORRES"] == "I have reviewed these data"
    assert visit["VISIT"]
    assert visit["VISITNUM"]
    casebook = by_subject[(signed_trial.locked, "CBSIGN")]
    assert casebook["XSSTRESC"] == "APPROVE"
    assert casebook["VISIT"] == ""
    assert {r["XSEVAL"] for r in rows} == {"INVESTIGATOR"}
    assert {r["XSEVALID"] for r in rows} == {"INVESTIGATOR 1"}
    assert all(len(r["XSDTC"]) == 19 and r["XSDTC"][10] == "T" for r in rows)
    assert [r["XSSEQ"] for r in rows if r["USUBJID"].endswith(signed_trial.locked)] == ["1", "2"]
    text = (signed_trial.sdtm / "xs.csv").read_text(encoding="utf-8")
    assert "Zhang" not in text
    assert INVESTIGATOR not in text


def test_suppxs_gives_status_digest_and_voiding(signed_trial: SignedTrial) -> None:
    rows = _rows(signed_trial.sdtm / "suppxs.csv")
    status = {(r["USUBJID"], r["IDVARVAL"]): r["QVAL"] for r in rows if r["QNAM"] == "SIGSTAT"}
    assert sorted(status.values()) == ["VALID", "VALID", "VOIDED"]
    voided = [key for key, value in status.items() if value == "VOIDED"]
    assert voided[0][0].endswith(signed_trial.voided)
    when_voided = [r for r in rows if r["QNAM"] == "SIGVDTC"]
    assert len(when_voided) == 1
    assert when_voided[0]["USUBJID"] == voided[0][0]
    digests = [r["QVAL"] for r in rows if r["QNAM"] == "SIGDGST"]
    assert len(digests) == 3
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in digests)
    assert all(int(r["QVAL"]) > 0 for r in rows if r["QNAM"] == "SIGROWS")


def test_adsl_flags_the_signature_and_the_lock(signed_trial: SignedTrial) -> None:
    rows = {r["SUBJID"]: r for r in _rows(signed_trial.adam / "adsl.csv")}
    locked, voided = rows[signed_trial.locked], rows[signed_trial.voided]
    assert (locked["INVSIGFL"], locked["LOCKST"]) == ("Y", "LOCKED")
    assert locked["INVSIGDT"]
    assert locked["LOCKDT"]
    assert (voided["INVSIGFL"], voided["INVSIGDT"], voided["LOCKST"]) == ("N", "", "OPEN")
    others = [r for r in rows.values() if r is not locked and r is not voided]
    assert others
    assert {(r["INVSIGFL"], r["LOCKST"], r["LOCKDT"]) for r in others} == {("N", "OPEN", "")}


def test_a_cutoff_before_the_signatures_leaves_them_out(
    signed_trial: SignedTrial, export_trial: ExportTrial
) -> None:
    database = Database.open(signed_trial.url)
    try:
        with unit_of_work(database, DATA_MANAGER, readonly=True) as ctx:
            before = read_sign_off(ctx, cutoff=export_trial.result.cutoff)
            now = read_sign_off(ctx)
    finally:
        database.close()
    assert before.signatures == ()
    assert len(now.signatures) == 3
    assert now.of(signed_trial.locked).lock_state == "locked"


@pytest.mark.parametrize("name", ["xs", "suppxs"])
def test_the_signature_domains_read_back_from_xpt_and_are_in_define(
    signed_trial: SignedTrial, name: str
) -> None:
    frame, meta = pyreadstat.read_xport(str(signed_trial.sdtm / f"{name}.xpt"))
    rows = _rows(signed_trial.sdtm / f"{name}.csv")
    assert meta.table_name == name.upper()
    assert len(frame) == len(rows) > 0
    assert list(frame.columns) == list(rows[0])
    for column in ("USUBJID", "XSDTC" if name == "xs" else "QVAL"):
        assert frame[column].tolist() == [row[column] for row in rows]
    root = ET.parse(signed_trial.sdtm / "define.xml").getroot()
    assert problems(root) == []
    groups = {g.get("Name") for g in root.iter("{http://www.cdisc.org/ns/odm/v1.3}ItemGroupDef")}
    assert name.upper() in groups


def test_define_marks_xs_as_sponsor_defined(signed_trial: SignedTrial) -> None:
    """Define-XML 2.1: a dataset not in the standard referenced is ``def:IsNonStandard="Yes"``
    and names no ``def:StandardOID``; SUPPXS, a standard structure, names the standard."""
    root = ET.parse(signed_trial.sdtm / "define.xml").getroot()
    groups = {g.get("Name"): g for g in root.iter("{http://www.cdisc.org/ns/odm/v1.3}ItemGroupDef")}
    non_standard = "{http://www.cdisc.org/ns/def/v2.1}IsNonStandard"
    standard = "{http://www.cdisc.org/ns/def/v2.1}StandardOID"
    assert (groups["XS"].get(non_standard), groups["XS"].get(standard)) == ("Yes", None)
    for name in ("SUPPXS", "DM", "AE"):
        assert (groups[name].get(non_standard), groups[name].get(standard)) == (None, "STD.1")


def test_a_signature_voided_after_the_cutoff_stands_at_the_cutoff(
    export_trial: ExportTrial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed on day 1, voided by a freeze and unfreeze on day 11: valid at a cut-off on day
    5, voided when read without one."""
    home = tmp_path / "home"
    shutil.copytree(export_trial.home, home)
    shutil.copy(Path(export_trial.url.removeprefix("sqlite:///")), tmp_path / "trial.sqlite")
    monkeypatch.setenv("METSOR_HOME", str(home))
    signed_on = datetime.now(UTC) + timedelta(days=1)
    moment = [signed_on]
    database = Database.open(f"sqlite:///{tmp_path / 'trial.sqlite'}", clock=lambda: moment[0])
    try:
        with unit_of_work(database, INVESTIGATOR, readonly=True) as ctx:
            subject = next(s.subject_id for s in list_subjects(ctx) if s.arm is not None)
        _sign(database, subject)
        moment[0] = signed_on + timedelta(days=10)
        _lock(database, "freeze", subject)
        _lock(database, "unfreeze", subject)
        with unit_of_work(database, DATA_MANAGER, readonly=True) as ctx:
            at_cutoff = read_sign_off(ctx, cutoff=(signed_on + timedelta(days=4)).date())
            later = read_sign_off(ctx)
    finally:
        database.close()
    (standing,) = at_cutoff.of(subject).signatures
    assert (standing.status, standing.voided_at) == ("valid", None)
    assert at_cutoff.of(subject).casebook_signature == standing
    (voided,) = later.of(subject).signatures
    assert voided.status == "voided"
    assert voided.voided_because
    assert later.of(subject).casebook_signature is None
