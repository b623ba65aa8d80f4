"""The report's audit line counts the field changes audited, then where they are stored."""

from __future__ import annotations

import re

from metsor.report.document import Table
from metsor.report.results import data_section
from metsor.services.trial_data import TrialSnapshot


def test_the_audit_line_counts_field_changes_then_rows_and_transactions(
    snapshot: TrialSnapshot,
) -> None:
    table = next(b for b in data_section(snapshot).blocks if isinstance(b, Table))
    (line,) = [value for item, value in table.rows if item == "Audit chain"]
    audit = snapshot.audit
    assert line == f"audit chain intact: {audit.counts}"
    assert re.fullmatch(
        r"audit chain intact: [\d,]+ field changes audited, stored in [\d,]+ audit rows of "
        r"[\d,]+ transactions; [\d,]+ records compared",
        line,
    ), line
    assert (audit.field_changes or 0) > (audit.audit_rows or 0) > 0
