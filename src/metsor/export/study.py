"""The trial an export describes: its identifier, arms and protocol, and the shared conventions.

Arm codes (``ARMCD``) are the randomization scheme's, in the scheme's order; the scheme's arms
follow the protocol's arms one to one, so the ``n``-th code takes the ``n``-th protocol arm's
label and type (``EXPERIMENTAL`` first for METSOR).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from metsor.errors import InputError
from metsor.protocol.model import Protocol

__all__ = ["Study", "ascii_text", "iso_date", "study_day"]

_SYMBOLS: Mapping[str, str] = MappingProxyType(
    {"µ": "u", "μ": "u", "³": "3", "⁹": "9", "×": "x", "²": "2", "–": "-", "—": "-", "≥": ">=",
     "≤": "<="}
)  # fmt: skip


@dataclass(frozen=True)
class Study:
    """The trial exported.

    Attributes
    ----------
    study_id
        STUDYID (the registry identifier).
    protocol
        The protocol.
    arms
        Arm codes, in the scheme's order (experimental first).
    arm_labels
        ARM text by arm code.
    """

    study_id: str
    protocol: Protocol
    arms: tuple[str, ...]
    arm_labels: Mapping[str, str]

    @classmethod
    def of(cls, protocol: Protocol, arms: tuple[str, ...], labels: Mapping[str, str]) -> Study:
        """The study of ``protocol`` with the scheme's arm codes and their ARM labels.

        Raises
        ------
        InputError
            When the scheme has not one code per protocol arm.
        """
        if len(arms) != len(protocol.arms):
            raise InputError(
                f"the randomization scheme has {len(arms)} arms, the protocol {len(protocol.arms)}",
                field="arms",
            )
        return cls(
            study_id=protocol.nct_id,
            protocol=protocol,
            arms=arms,
            arm_labels=MappingProxyType(
                {
                    code: labels.get(code, arm.label)
                    for code, arm in zip(arms, protocol.arms, strict=True)
                }
            ),
        )

    @property
    def experimental(self) -> str:
        """The experimental arm's code (the first arm of type EXPERIMENTAL, else the first)."""
        for code, arm in zip(self.arms, self.protocol.arms, strict=True):
            if arm.type == "EXPERIMENTAL":
                return code
        return self.arms[0]

    @property
    def reference(self) -> str:
        """The reference arm's code (the first arm that is not the experimental one)."""
        return next(code for code in self.arms if code != self.experimental)

    def drugs_in_order(self, drugs: Sequence[str]) -> tuple[str, ...]:
        """Study drugs (lower case) in the protocol's order of interventions, others last.

        The n-th drug of this order is drug ``n`` of the per-drug variables (ADAE ``AREL1``,
        SUPPAE ``QNAM = AREL1``).
        """
        order = [i.name.lower() for i in self.protocol.interventions]
        return tuple(sorted(drugs, key=lambda d: (order.index(d) if d in order else len(order), d)))

    def usubjid(self, subject_id: str) -> str:
        """USUBJID of a subject: ``<STUDYID>-<subject id>``."""
        return f"{self.study_id}-{subject_id}"

    def arm_label(self, code: str | None) -> str | None:
        """ARM text of an arm code (None for None)."""
        return None if code is None else self.arm_labels.get(code, code)


def iso_date(day: date | None) -> str | None:
    """ISO 8601 text of a date (SDTM ``--DTC``), or None."""
    return None if day is None else day.isoformat()


def study_day(day: date | None, start: date | None) -> int | None:
    """SDTM study day (``--DY``) from the reference start: 1 on it, -1 the day before."""
    if day is None or start is None:
        return None
    offset = (day - start).days
    return offset + 1 if offset >= 0 else offset


def ascii_text(value: str | None) -> str | None:
    """Text in ASCII: unit symbols spelled out (µ → u, ³ → 3), accents dropped.

    A character with no ASCII form is kept, so that the export's check names it.
    """
    if value is None:
        return None
    spelled = "".join(_SYMBOLS.get(char, char) for char in value)
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(char for char in decomposed if char.isascii() or not unicodedata.combining(char))
