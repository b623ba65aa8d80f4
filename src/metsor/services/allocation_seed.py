"""Where the secret seed of the allocation list lives.

The concealed allocation list is generated once, at ``metsor db init``, from a secret seed of
at least 16 bytes. The database stores only the seed's SHA-256 fingerprint, never the seed.
The seed is read, in this order, from:

1. ``METSOR_ALLOCATION_SEED``: the seed as hexadecimal digits (at least 32);
2. the key file named by ``METSOR_ALLOCATION_SEED_FILE``, default ``metsor-allocation.key`` in
   ``METSOR_HOME`` (default: the current folder), holding the same hexadecimal text.

When neither exists, ``metsor db init`` writes a new random 32-byte seed to the key file with
permissions 0600. Keep that file apart from the database and its backups (whoever holds both
can read the list ahead), and keep it safe: it is needed to prove at the end of the trial that
the list is the one committed to (the fingerprint), and to draw the random element of
minimization, which is derived from it for each enrollment so that every assignment can be
reproduced.

Where the seed is held is read from the environment once, when the database is opened
(:func:`metsor.config.settings`, kept as :attr:`metsor.services.context.Database.seed_place`);
services read the seed from that place, given to the functions here as an argument, and never
read the environment.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from metsor.config import ALLOCATION_SEED_ENV, ALLOCATION_SEED_FILE_ENV, SecretPlace
from metsor.errors import InputError, NotFoundError
from metsor.randomization import seed_fingerprint

__all__ = [
    "SEED_ENV",
    "SEED_FILE_ENV",
    "SeedPlace",
    "SeedSource",
    "create_seed",
    "load_seed",
]

SEED_ENV = ALLOCATION_SEED_ENV
SEED_FILE_ENV = ALLOCATION_SEED_FILE_ENV

SeedPlace = SecretPlace
"""Where the seed is held (:class:`metsor.config.SecretPlace`): the hexadecimal text of
``METSOR_ALLOCATION_SEED``, else the key file."""

_SEED_BYTES = 32


@dataclass(frozen=True)
class SeedSource:
    """A seed and where it came from.

    Attributes
    ----------
    seed
        The secret seed.
    origin
        ``"environment"`` or the key file's path.
    created
        True when the seed was generated just now.
    """

    seed: bytes
    origin: str
    created: bool = False

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the seed, in hexadecimal."""
        return seed_fingerprint(self.seed)


def _parse(text: str, origin: str) -> bytes:
    try:
        seed = bytes.fromhex(text.strip())
    except ValueError:
        raise InputError(
            f"the allocation seed in {origin} is not hexadecimal", field=origin
        ) from None
    if len(seed) < 16:
        raise InputError(
            f"the allocation seed in {origin} has {len(seed)} bytes; at least 16 are needed",
            field=origin,
        )
    return seed


def load_seed(place: SeedPlace) -> SeedSource:
    """Read the seed from where it is held.

    Parameters
    ----------
    place
        Where: the settings' :attr:`~metsor.config.Settings.allocation_seed` (a service
        passes its context's :attr:`~metsor.services.context.ServiceContext.seed_place`).

    Returns
    -------
    SeedSource
        The seed and where it came from.

    Raises
    ------
    NotFoundError
        When neither ``METSOR_ALLOCATION_SEED`` nor the key file exists.
    InputError
        When the seed found is malformed or shorter than 16 bytes.
    """
    if place.text:
        return SeedSource(_parse(place.text, SEED_ENV), "environment")
    path = place.file
    if not path.is_file():
        raise NotFoundError(
            f"no allocation seed: set {SEED_ENV} or provide the key file {path}", field=SEED_ENV
        )
    return SeedSource(_parse(path.read_text(encoding="ascii"), str(path)), str(path))


def create_seed(place: SeedPlace) -> SeedSource:
    """The seed from :func:`load_seed`, or a new random one written to the key file (0600)."""
    try:
        return load_seed(place)
    except NotFoundError:
        pass
    path = place.file
    seed = secrets.token_bytes(_SEED_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(seed.hex() + "\n")
    except OSError as exc:
        raise InputError(
            f"cannot write the allocation key file {path}: {exc.strerror or exc}",
            field=SEED_FILE_ENV,
        ) from None
    return SeedSource(seed, str(path), created=True)
