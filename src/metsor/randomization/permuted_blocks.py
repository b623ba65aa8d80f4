"""Concealed allocation lists: stratified permuted blocks of random size.

Each stratum has its own list. Blocks follow one another; the size of each block is drawn
with equal probability from ``block_sizes`` and, within a block, the arms appear in exact
proportion to ``ratio`` in a random order. The list is a deterministic function of a secret
seed, so it can be regenerated and checked at the end of the trial, while the fingerprint
(SHA-256 of the seed) can be published beforehand without revealing it.

Derivation of the random stream (fixed; changing it changes every list): for a stratum label
``s``, the 256-bit digest ``sha256(b"metsor-allocation\\0" + len(seed) as 8 bytes big-endian +
seed + s as UTF-8)`` is read as eight big-endian 32-bit words, which are the entropy of a
:class:`numpy.random.SeedSequence`; a PCG64 :class:`numpy.random.Generator` built from it draws,
per block, ``integers(len(block_sizes))`` for the size and then ``permutation`` of the block's
arms. Each stratum's list therefore depends only on the seed and its own label.

References
----------
Schulz KF, Grimes DA. Allocation concealment in randomised trials: defending against
deciphering. Lancet 2002;359:614–618.
Rosenberger WF, Lachin JM. Randomization in Clinical Trials, 2nd ed. Wiley 2016, ch. 3
(random allocation rule and permuted blocks of random size).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd

import numpy as np

from metsor.errors import ConflictError, InputError, NotFoundError, shown

__all__ = [
    "MAX_BLOCK_SIZE",
    "MAX_LENGTH_PER_STRATUM",
    "MIN_SEED_BYTES",
    "AllocationEntry",
    "AllocationList",
    "generate_allocation_list",
    "seed_fingerprint",
    "verify_allocation_list",
]

MIN_SEED_BYTES = 16
"""Shortest secret seed accepted (128 bits), so the list cannot be guessed by trying seeds."""

MAX_LENGTH_PER_STRATUM = 100_000
"""Longest list per stratum generated: a bound on the work and memory of one list (about
3 s and 100 MB for four strata), far above any trial's enrollment per stratum."""

MAX_BLOCK_SIZE = 100
"""Largest block: blocks this long no longer keep the arms balanced during enrollment, and a
block is generated whole, so its size bounds the work too."""

_DOMAIN = b"metsor-allocation\x00"


@dataclass(frozen=True)
class AllocationEntry:
    """One line of an allocation list.

    Attributes
    ----------
    stratum
        Label of the stratum.
    position
        1-based position within the stratum's list: the n-th subject randomized in this
        stratum receives entry n.
    arm
        The arm code.
    block_index
        1-based index of the block within the stratum.
    block_size
        Size of that block.
    """

    stratum: str
    position: int
    arm: str
    block_index: int
    block_size: int


@dataclass(frozen=True)
class AllocationList:
    """A complete allocation list, all strata.

    Attributes
    ----------
    entries
        Entries ordered by stratum (in the order of ``strata``), then position.
    arms, ratio, block_sizes, strata, length_per_stratum
        The parameters the list was generated with.
    seed_fingerprint
        SHA-256 hex digest of the seed (see :func:`seed_fingerprint`).
    """

    entries: tuple[AllocationEntry, ...]
    arms: tuple[str, ...]
    ratio: tuple[int, ...]
    block_sizes: tuple[int, ...]
    strata: tuple[str, ...]
    length_per_stratum: int
    seed_fingerprint: str

    def for_stratum(self, stratum: str) -> tuple[AllocationEntry, ...]:
        """Return the entries of one stratum in position order.

        Raises
        ------
        NotFoundError
            If the list has no such stratum.
        """
        if stratum not in self.strata:
            raise NotFoundError(
                f"stratum {stratum!r} is not in the allocation list (strata: "
                f"{', '.join(self.strata)})",
                field="stratum",
            )
        return tuple(entry for entry in self.entries if entry.stratum == stratum)

    def entry(self, stratum: str, position: int) -> AllocationEntry:
        """Return the entry at a 1-based position of a stratum.

        Raises
        ------
        NotFoundError
            If the stratum is unknown.
        ConflictError
            If the stratum's list is exhausted (position beyond its end).
        InputError
            If ``position`` is below 1.
        """
        if isinstance(position, bool) or not isinstance(position, int) or position < 1:
            raise InputError(f"position must be an integer ≥ 1, got {position!r}", field="position")
        entries = self.for_stratum(stratum)
        if position > len(entries):
            raise ConflictError(
                f"the allocation list of stratum {stratum!r} is exhausted: it has "
                f"{len(entries)} entries, position {position} was asked for",
                field="position",
            )
        return entries[position - 1]

    def next_entry(self, stratum: str, already_allocated: int) -> AllocationEntry:
        """Return the entry for the next subject of a stratum.

        Parameters
        ----------
        stratum
            The subject's stratum.
        already_allocated
            How many subjects of this stratum were randomized before.
        """
        return self.entry(stratum, already_allocated + 1)


def seed_fingerprint(seed: bytes) -> str:
    """Return the SHA-256 hex digest of a seed.

    Publishing the fingerprint before the trial commits to the seed without revealing it;
    :func:`verify_allocation_list` checks it afterwards.
    """
    _check_seed(seed)
    return hashlib.sha256(seed).hexdigest()


def generate_allocation_list(
    *,
    seed: bytes,
    strata: Sequence[str],
    arms: Sequence[str],
    ratio: Sequence[int] = (1, 1),
    block_sizes: Sequence[int] = (2, 4, 6),
    length_per_stratum: int,
) -> AllocationList:
    """Generate a stratified permuted-block allocation list with blocks of random size.

    Parameters
    ----------
    seed
        The secret seed, at least :data:`MIN_SEED_BYTES` bytes (e.g. ``secrets.token_bytes(32)``).
    strata
        Stratum labels, each gets its own independent list.
    arms
        Arm codes (the protocol's, :attr:`metsor.protocol.Protocol.arm_codes`).
    ratio
        Allocation ratio, one positive integer per arm (``(2, 1)``: twice as many to the first).
    block_sizes
        Block sizes to draw from, each a multiple of ``sum(ratio)`` and at most
        :data:`MAX_BLOCK_SIZE`.
    length_per_stratum
        Minimum number of entries per stratum, at most :data:`MAX_LENGTH_PER_STRATUM`. Blocks
        are never cut, so a stratum's list ends with a complete block and may be up to
        ``max(block_sizes) - 1`` entries longer.

    Returns
    -------
    AllocationList
        The list, with the seed's fingerprint.

    Raises
    ------
    InputError
        Naming the argument that is wrong.

    References
    ----------
    Rosenberger WF, Lachin JM. Randomization in Clinical Trials, 2nd ed. Wiley 2016, §3.10.
    """
    arms_t, ratio_t, sizes_t, strata_t = _check_design(arms, ratio, block_sizes, strata)
    _check_seed(seed)
    if (
        isinstance(length_per_stratum, bool)
        or not isinstance(length_per_stratum, int)
        or not 1 <= length_per_stratum <= MAX_LENGTH_PER_STRATUM
    ):
        raise InputError(
            f"length_per_stratum must be a whole number from 1 to {MAX_LENGTH_PER_STRATUM:,}, "
            f"got {shown(length_per_stratum)}",
            field="length_per_stratum",
        )
    entries: list[AllocationEntry] = []
    for stratum in strata_t:
        entries.extend(
            _stratum_entries(seed, stratum, arms_t, ratio_t, sizes_t, length_per_stratum)
        )
    return AllocationList(
        entries=tuple(entries),
        arms=arms_t,
        ratio=ratio_t,
        block_sizes=sizes_t,
        strata=strata_t,
        length_per_stratum=length_per_stratum,
        seed_fingerprint=hashlib.sha256(seed).hexdigest(),
    )


def verify_allocation_list(allocation_list: AllocationList, seed: bytes) -> None:
    """Check that an allocation list is the one the seed generates.

    Parameters
    ----------
    allocation_list
        The list as stored; its entries may come in any order (they are compared by stratum
        and position).
    seed
        The seed revealed at unblinding.

    Raises
    ------
    ConflictError
        If the seed does not match the fingerprint, or naming the first entry (stratum and
        position) that differs from the regenerated list.
    """
    if seed_fingerprint(seed) != allocation_list.seed_fingerprint:
        raise ConflictError(
            "the seed does not match the allocation list's fingerprint", field="seed"
        )
    expected = generate_allocation_list(
        seed=seed,
        strata=allocation_list.strata,
        arms=allocation_list.arms,
        ratio=allocation_list.ratio,
        block_sizes=allocation_list.block_sizes,
        length_per_stratum=allocation_list.length_per_stratum,
    )
    order = {stratum: index for index, stratum in enumerate(allocation_list.strata)}
    stored_entries = sorted(
        allocation_list.entries, key=lambda e: (order.get(e.stratum, len(order)), e.position)
    )
    for stored, regenerated in zip(stored_entries, expected.entries, strict=False):
        if stored != regenerated:
            raise ConflictError(
                f"allocation list differs from the one the seed generates at stratum "
                f"{regenerated.stratum!r}, position {regenerated.position}: stored "
                f"{stored.arm!r} (stratum {stored.stratum!r}, position {stored.position}), "
                f"expected {regenerated.arm!r}",
                field="entries",
            )
    if len(allocation_list.entries) != len(expected.entries):
        raise ConflictError(
            f"allocation list has {len(allocation_list.entries)} entries, the seed generates "
            f"{len(expected.entries)}",
            field="entries",
        )


def _stream(seed: bytes, stratum: str) -> np.random.Generator:
    digest = hashlib.sha256(
        _DOMAIN + len(seed).to_bytes(8, "big") + seed + stratum.encode("utf-8")
    ).digest()
    words = [int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))


def _stratum_entries(
    seed: bytes,
    stratum: str,
    arms: tuple[str, ...],
    ratio: tuple[int, ...],
    block_sizes: tuple[int, ...],
    length: int,
) -> list[AllocationEntry]:
    rng = _stream(seed, stratum)
    unit = sum(ratio)
    entries: list[AllocationEntry] = []
    block_index = 0
    while len(entries) < length:
        block_index += 1
        size = block_sizes[int(rng.integers(len(block_sizes)))]
        copies = size // unit
        block = [arm for arm, share in zip(arms, ratio, strict=True) for _ in range(share * copies)]
        order = rng.permutation(len(block))
        for index in order:
            entries.append(
                AllocationEntry(
                    stratum=stratum,
                    position=len(entries) + 1,
                    arm=block[int(index)],
                    block_index=block_index,
                    block_size=size,
                )
            )
    return entries


def _check_seed(seed: bytes) -> None:
    if not isinstance(seed, bytes | bytearray):
        raise InputError(f"seed must be bytes, got {type(seed).__name__}", field="seed")
    if len(seed) < MIN_SEED_BYTES:
        raise InputError(
            f"seed must be at least {MIN_SEED_BYTES} bytes, got {len(seed)}", field="seed"
        )


def _positive_ints(values: Sequence[int], field: str) -> tuple[int, ...]:
    result = tuple(values)
    if not result:
        raise InputError(f"{field} must not be empty", field=field)
    for value in result:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(f"{field} must hold integers ≥ 1, got {value!r}", field=field)
    return result


def _distinct_labels(values: Sequence[str], field: str, minimum: int) -> tuple[str, ...]:
    if isinstance(values, str):
        raise InputError(f"{field} must be a list of labels, not one text", field=field)
    result = tuple(values)
    if len(result) < minimum:
        raise InputError(
            f"{field} needs at least {minimum} entries, got {len(result)}", field=field
        )
    for value in result:
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{field} must hold non-empty texts, got {value!r}", field=field)
    if len(set(result)) != len(result):
        raise InputError(f"{field} has repeated entries: {list(result)}", field=field)
    return result


def _check_design(
    arms: Sequence[str],
    ratio: Sequence[int],
    block_sizes: Sequence[int],
    strata: Sequence[str],
) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...], tuple[str, ...]]:
    arms_t = _distinct_labels(arms, "arms", 2)
    strata_t = _distinct_labels(strata, "strata", 1)
    ratio_t = _positive_ints(ratio, "ratio")
    if len(ratio_t) != len(arms_t):
        raise InputError(f"ratio has {len(ratio_t)} parts for {len(arms_t)} arms", field="ratio")
    divisor = 0
    for part in ratio_t:
        divisor = gcd(divisor, part)
    if divisor != 1:
        raise InputError(
            f"ratio {ratio_t} is not in lowest terms (divide by {divisor})", field="ratio"
        )
    sizes_t = _positive_ints(block_sizes, "block_sizes")
    if max(sizes_t) > MAX_BLOCK_SIZE:
        raise InputError(
            f"block_sizes must be at most {MAX_BLOCK_SIZE}, got {shown(max(sizes_t))}",
            field="block_sizes",
        )
    if len(set(sizes_t)) != len(sizes_t):
        raise InputError(f"block_sizes has repeated entries: {list(sizes_t)}", field="block_sizes")
    unit = sum(ratio_t)
    for size in sizes_t:
        if size % unit:
            raise InputError(
                f"block size {size} is not a multiple of {unit} (the sum of ratio {ratio_t})",
                field="block_sizes",
            )
    return arms_t, ratio_t, sizes_t, strata_t
