"""The live screening checklist screens against the protocol stored with the trial."""

from __future__ import annotations

from pathlib import Path

import pytest

from metsor.protocol import builtin
from metsor.services.context import Database
from metsor.services.screening_preview import preview_screening
from metsor.services.setup import initialize


@pytest.mark.parametrize(
    "nct_id",
    [pytest.param("NCT02672488", id="metsor"), pytest.param("NCT00105443", id="sharp")],
)
def test_the_checklist_lists_the_stored_protocols_criteria(tmp_path: Path, nct_id: str) -> None:
    protocol = builtin(nct_id)
    database = Database.open(f"sqlite:///{tmp_path / 'trial.sqlite'}")
    try:
        initialize(database, admin_password="a long admin password", protocol=protocol)
        preview = preview_screening(database, {"ecog": 1})
    finally:
        database.close()
    texts = [c["text"] for c in preview["criteria"]]
    assert texts == [c.text for c in protocol.criteria]
    assert preview["verdict"] != "eligible"


def test_the_two_protocols_give_different_checklists(tmp_path: Path) -> None:
    # the test above can fail: the two built-in protocols' criteria differ
    assert [c.text for c in builtin("NCT02672488").criteria] != [
        c.text for c in builtin("NCT00105443").criteria
    ]


def test_a_value_that_does_not_parse_names_its_field(tmp_path: Path) -> None:
    database = Database.open(f"sqlite:///{tmp_path / 'trial.sqlite'}")
    try:
        initialize(database, admin_password="a long admin password")
        preview = preview_screening(database, {"ecog": "seven"})
    finally:
        database.close()
    assert preview["field"] == "ecog"
