"""Protocols shipped with metsor, read from the package's ``data`` folder.

``NCT02672488.json`` is the METSOR registry record with its recorded corrections (the
sorafenib dose unit among them) and the statistical design assumptions the registry lacks.
``NCT00105443.json`` is SHARP (sorafenib against placebo; Llovet JM et al., N Engl J Med
2008;359:378): its registry criteria and the publication's laboratory cut-offs, arms, dose
levels, strata and 6-weekly scans, with one representative site for its virtual trial. Each
file also holds what makes it runnable: arm codes, study drugs and strata.
"""

from __future__ import annotations

import functools
from importlib import resources

from metsor.errors import NotFoundError
from metsor.protocol.model import Protocol

__all__ = ["DEFAULT_NCT_ID", "builtin", "known_protocols"]

#: The trial metsor runs when none is named.
DEFAULT_NCT_ID = "NCT02672488"

_DATA = resources.files("metsor.protocol").joinpath("data")


def known_protocols() -> tuple[str, ...]:
    """The NCT ids of the built-in protocols, sorted."""
    return tuple(
        sorted(
            entry.name.removesuffix(".json")
            for entry in _DATA.iterdir()
            if entry.name.endswith(".json")
        )
    )


def builtin(nct_id: str = DEFAULT_NCT_ID) -> Protocol:
    """A built-in protocol.

    Parameters
    ----------
    nct_id
        Its ClinicalTrials.gov identifier (case-insensitive).

    Returns
    -------
    Protocol
        The protocol, frozen; the same object on every call.

    Raises
    ------
    NotFoundError
        If no built-in protocol has this id; the message lists the known ones.
    """
    wanted = nct_id.strip().upper()
    if wanted not in known_protocols():
        known = ", ".join(known_protocols())
        raise NotFoundError(f"no built-in protocol {nct_id!r}; known: {known}", field="nct_id")
    return _load(wanted)


@functools.cache
def _load(nct_id: str) -> Protocol:
    text = _DATA.joinpath(f"{nct_id}.json").read_text(encoding="utf-8")
    return Protocol.model_validate_json(text)
