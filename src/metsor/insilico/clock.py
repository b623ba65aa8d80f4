"""The virtual trial's calendar at the moment of randomization.

Registration, consent and every casebook entry take their date as an argument; randomization
does not: :func:`metsor.services.randomize.randomize_subject` stamps the allocation with the
store's clock (:func:`metsor.store.base.utcnow`), which is right for a site randomizing a
patient in front of them. The virtual trial happens on its own calendar (2015–2018 for the
demo), so while it randomizes a subject the service's clock reads the virtual day instead.
Nothing else changes: the service runs every check, takes the next entry of the concealed list
and writes the audit trail as always (the audit rows keep the real time of writing).

Only one virtual randomization may run at a time in a process (a lock guards it); a real one in
another thread of the same process would see the virtual time while it runs, so the virtual
trial belongs in a process of its own, as ``metsor demo`` runs it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

__all__ = ["randomization_clock"]

_LOCK = threading.Lock()


@contextmanager
def randomization_clock(moment: datetime) -> Iterator[None]:
    """Within the block, the randomization service's clock reads ``moment``.

    Parameters
    ----------
    moment
        An aware UTC datetime: the virtual time of randomization.

    Raises
    ------
    ValueError
        When ``moment`` has no time zone.
    """
    if moment.tzinfo is None:
        raise ValueError("the virtual randomization time must be aware (UTC)")
    from metsor.services import randomize as service

    with _LOCK:
        real = getattr(service, "utcnow")  # noqa: B009
        setattr(service, "utcnow", lambda: moment)  # noqa: B010
        try:
            yield
        finally:
            setattr(service, "utcnow", real)  # noqa: B010
