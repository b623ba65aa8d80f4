"""The built-in protocol's dose levels, for readers that do not take the trial's protocol yet.

The dose levels and the rules for moving between them are the protocol's
(:class:`metsor.protocol.treatment.StudyDrug`, :mod:`metsor.protocol.dose_rules`); services
that record or read dosing take them from the protocol stored with the trial
(:attr:`metsor.services.context.ServiceContext.protocol`). :data:`DOSE_LEVELS` holds the
built-in NCT02672488's levels for the casebook view, which reads no protocol yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from metsor.protocol.builtin import DEFAULT_NCT_ID, builtin
from metsor.protocol.dose_rules import DOSE_EVENTS, DoseState, DoseStep
from metsor.protocol.treatment import DoseLevel

__all__ = ["DOSE_EVENTS", "DOSE_LEVELS", "DoseEvent", "DoseLevel", "DoseState"]

DoseEvent = DoseStep
"""One dosing event of one drug (:class:`metsor.protocol.dose_rules.DoseStep`)."""

DOSE_LEVELS: Mapping[str, tuple[DoseLevel, ...]] = MappingProxyType(
    {drug.code: drug.levels for drug in builtin(DEFAULT_NCT_ID).study_drugs}
)
"""For each study drug of the built-in protocol, its dose levels; the first is the full dose."""
