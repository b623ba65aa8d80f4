"""The report's data section shows the investigators' signatures and the subjects' locks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType

from metsor.report.document import Table
from metsor.report.results import data_section, sign_off_table
from metsor.services.sign_off import SignatureRecord, SignOff, SubjectSignOff
from metsor.services.trial_data import TrialSnapshot

SIGNED_AT = datetime(2017, 3, 1, 9, 30, tzinfo=UTC)


def _signature(subject_id: str, *, visit: bool = False, status: str = "valid") -> SignatureRecord:
    return SignatureRecord(
        subject_id, "treatment" if visit else None, 2 if visit else None, None, "Dr Zhang San",
        "approve", "I have reviewed and approve these data", SIGNED_AT, status,
        SIGNED_AT if status == "voided" else None, "voided by a change" if status == "voided"
        else None, "0" * 64, 12,
    )  # fmt: skip


def _with_sign_off(snapshot: TrialSnapshot) -> tuple[TrialSnapshot, str, str]:
    """The first subject of the first arm: casebook and a visit signed, locked; the first of
    the second arm: a voided casebook signature, frozen."""
    first, second = (next(c.subject_id for c in snapshot.courses if c.arm == arm)
                     for arm in snapshot.scheme.arms[:2])  # fmt: skip
    subjects = {
        first: SubjectSignOff(first, "locked", SIGNED_AT,
                              (_signature(first, visit=True), _signature(first))),
        second: SubjectSignOff(second, "frozen", None, (_signature(second, status="voided"),)),
    }  # fmt: skip
    sign_off = SignOff(snapshot.cutoff, MappingProxyType(subjects))
    return replace(snapshot, sign_off=sign_off), first, second


def _column(table: Table, row: str) -> tuple[str, ...]:
    return next(r[1:] for r in table.rows if r[0] == row)


def test_the_table_counts_signatures_and_locks_per_arm(snapshot: TrialSnapshot) -> None:
    signed, _, _ = _with_sign_off(snapshot)
    table = sign_off_table(signed)
    arms = signed.scheme.arms
    assert table.header == ("Item", *(signed.scheme.label(a) for a in arms))
    randomized = [sum(c.arm == arm for c in signed.courses) for arm in arms]
    assert _column(table, "Randomized") == tuple(str(n) for n in randomized)
    assert _column(table, "Casebook signed by the investigator (valid)") == ("1", "0")
    assert _column(table, "Visit signatures (valid)") == ("1", "0")
    voided = "Signatures voided by a later change, unlock or unfreeze"
    assert _column(table, voided) == ("0", "1")
    assert _column(table, "Subjects' data: open, frozen, locked") == (
        f"{randomized[0] - 1} open, 1 locked", f"{randomized[1] - 1} open, 1 frozen",
    )  # fmt: skip


def test_the_data_section_holds_the_table(snapshot: TrialSnapshot) -> None:
    section = data_section(snapshot)
    captions = [b.caption for b in section.blocks if isinstance(b, Table)]
    assert "Electronic signatures and locks" in captions
    table = sign_off_table(snapshot)
    # The virtual trial's close-out has each site's investigator sign every randomized
    # subject's casebook at the cut-off.
    randomized = tuple(
        str(sum(c.arm == arm for c in snapshot.courses)) for arm in snapshot.scheme.arms
    )
    assert _column(table, "Casebook signed by the investigator (valid)") == randomized
