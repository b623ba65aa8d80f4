"""The dosing events of the protocol's dose rules, for the casebook's readers.

The dose levels and the rules for moving between them are the protocol's
(:class:`metsor.protocol.treatment.StudyDrug`, :mod:`metsor.protocol.dose_rules`); services
that record or read dosing take them from the protocol stored with the trial
(:attr:`metsor.services.context.ServiceContext.protocol`), the casebook view and ADAE's
per-drug columns included (:func:`metsor.endpoints.adverse_events.adae_columns` of the
protocol's study drugs).
"""

from __future__ import annotations

from metsor.protocol.dose_rules import DOSE_EVENTS, DoseState, DoseStep
from metsor.protocol.treatment import DoseLevel

__all__ = ["DOSE_EVENTS", "DoseEvent", "DoseLevel", "DoseState"]

DoseEvent = DoseStep
"""One dosing event of one drug (:class:`metsor.protocol.dose_rules.DoseStep`)."""
