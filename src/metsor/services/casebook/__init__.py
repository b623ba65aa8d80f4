"""The casebook: recording a subject's trial course and extracting analysis datasets.

Each module is one topic (visits, dosing, labs, vital signs, adverse events, tumour assessments,
deaths and withdrawals, data queries, corrections, datasets); every recording function takes a
service context, validates, writes and audits in one transaction, or writes nothing.
"""

from __future__ import annotations

__all__: list[str] = []
