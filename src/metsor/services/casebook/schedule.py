"""The visit schedule of the trial the database runs (:mod:`metsor.protocol.schedule`).

:func:`trial_schedule` is the schedule of the protocol stored with the trial;
:data:`METSOR_SCHEDULE` that of the built-in NCT02672488, for readers that take no protocol
yet.
"""

from __future__ import annotations

from metsor.protocol.builtin import DEFAULT_NCT_ID, builtin
from metsor.protocol.schedule import (
    MAX_VISIT_NUMBER,
    VISIT_TYPES,
    PlannedVisit,
    VisitSchedule,
    visit_schedule,
)
from metsor.services.context import ServiceContext

__all__ = [
    "MAX_VISIT_NUMBER",
    "METSOR_SCHEDULE",
    "VISIT_TYPES",
    "PlannedVisit",
    "VisitSchedule",
    "trial_schedule",
]


def trial_schedule(ctx: ServiceContext) -> VisitSchedule:
    """The visit schedule of the protocol stored with the trial."""
    return visit_schedule(ctx.protocol)


METSOR_SCHEDULE = visit_schedule(builtin(DEFAULT_NCT_ID))
"""The schedule of the built-in NCT02672488."""
