"""Stratified permuted blocks of random size (Rosenberger & Lachin, Randomization in Clinical
Trials, 2nd ed., 2016, §3.10; Schulz & Grimes, Lancet 2002;359:614–618)."""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from metsor.errors import ConflictError, InputError, NotFoundError
from metsor.randomization import (
    AllocationEntry,
    AllocationList,
    generate_allocation_list,
    seed_fingerprint,
    verify_allocation_list,
)

from .builders import ARMS


def _blocks(allocation: AllocationList) -> dict[tuple[str, int], list[AllocationEntry]]:
    blocks: dict[tuple[str, int], list[AllocationEntry]] = defaultdict(list)
    for entry in allocation.entries:
        blocks[(entry.stratum, entry.block_index)].append(entry)
    return blocks


@pytest.mark.parametrize(
    ("ratio", "block_sizes"), [((1, 1), (2, 4, 6)), ((2, 1), (3, 6, 9)), ((1, 1), (4,))]
)
def test_every_block_balanced_and_sized_from_the_set(
    seed: bytes,
    metsor_strata: tuple[str, ...],
    ratio: tuple[int, int],
    block_sizes: tuple[int, ...],
) -> None:
    allocation = generate_allocation_list(
        arms=ARMS,
        seed=seed,
        strata=metsor_strata,
        ratio=ratio,
        block_sizes=block_sizes,
        length_per_stratum=60,
    )
    blocks = _blocks(allocation)
    assert blocks
    for entries in blocks.values():
        size = entries[0].block_size
        assert size in block_sizes
        assert len(entries) == size
        assert all(e.block_size == size for e in entries)
        counts = Counter(e.arm for e in entries)
        unit = size // sum(ratio)
        assert counts == {ARMS[0]: ratio[0] * unit, ARMS[1]: ratio[1] * unit}


def test_positions_run_from_one_and_lists_end_with_a_whole_block(
    seed: bytes, metsor_strata: tuple[str, ...]
) -> None:
    allocation = generate_allocation_list(
        arms=ARMS, seed=seed, strata=metsor_strata, length_per_stratum=25
    )
    for stratum in metsor_strata:
        entries = allocation.for_stratum(stratum)
        assert [e.position for e in entries] == list(range(1, len(entries) + 1))
        assert 25 <= len(entries) <= 25 + 6 - 1
        assert [e.block_index for e in entries] == sorted(e.block_index for e in entries)
        assert entries[-1].block_index == len({e.block_index for e in entries})
    assert [e.stratum for e in allocation.entries] == sorted(
        (e.stratum for e in allocation.entries), key=metsor_strata.index
    )


def test_same_seed_same_list(seed: bytes, metsor_strata: tuple[str, ...]) -> None:
    first = generate_allocation_list(
        arms=ARMS, seed=seed, strata=metsor_strata, length_per_stratum=40
    )
    second = generate_allocation_list(
        arms=ARMS, seed=bytes(seed), strata=metsor_strata, length_per_stratum=40
    )
    assert first == second


def test_different_seeds_different_lists(seed: bytes, metsor_strata: tuple[str, ...]) -> None:
    other = bytes(reversed(seed))
    first = generate_allocation_list(
        arms=ARMS, seed=seed, strata=metsor_strata, length_per_stratum=40
    )
    second = generate_allocation_list(
        arms=ARMS, seed=other, strata=metsor_strata, length_per_stratum=40
    )
    for stratum in metsor_strata:
        arms_a = [e.arm for e in first.for_stratum(stratum)]
        arms_b = [e.arm for e in second.for_stratum(stratum)]
        assert arms_a != arms_b
    assert first.seed_fingerprint != second.seed_fingerprint


def test_strata_are_independent(seed: bytes, metsor_strata: tuple[str, ...]) -> None:
    full = generate_allocation_list(
        arms=ARMS, seed=seed, strata=metsor_strata, length_per_stratum=30
    )
    reordered = generate_allocation_list(
        arms=ARMS, seed=seed, strata=tuple(reversed(metsor_strata)), length_per_stratum=30
    )
    for stratum in metsor_strata:
        alone = generate_allocation_list(
            arms=ARMS, seed=seed, strata=[stratum], length_per_stratum=30
        )
        assert alone.for_stratum(stratum) == full.for_stratum(stratum)
        assert reordered.for_stratum(stratum) == full.for_stratum(stratum)
    sequences = {tuple(e.arm for e in full.for_stratum(s)) for s in metsor_strata}
    assert len(sequences) == len(metsor_strata)


def test_stream_follows_the_documented_derivation(seed: bytes) -> None:
    """Rebuild one stratum's list from the derivation stated in the module docstring."""
    stratum = "ecog0-mvi_ehs_no"
    digest = hashlib.sha256(
        b"metsor-allocation\x00" + len(seed).to_bytes(8, "big") + seed + stratum.encode()
    ).digest()
    words = [int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4)]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))
    sizes = (2, 4, 6)
    expected: list[str] = []
    while len(expected) < 20:
        size = sizes[int(rng.integers(3))]
        block = [ARMS[0]] * (size // 2) + [ARMS[1]] * (size // 2)
        expected.extend(block[int(i)] for i in rng.permutation(size))
    allocation = generate_allocation_list(
        arms=ARMS, seed=seed, strata=[stratum], length_per_stratum=20
    )
    assert [e.arm for e in allocation.entries] == expected


def test_block_sizes_and_first_arm_are_uniform_over_seeds() -> None:
    """Over 2,000 seeds every block size is drawn about equally often and the first arm is a
    fair coin; tolerance 4 binomial standard errors."""
    n = 2000
    first_arm = 0
    sizes: Counter[int] = Counter()
    for k in range(n):
        allocation = generate_allocation_list(
            arms=ARMS, seed=k.to_bytes(16, "big"), strata=["s"], length_per_stratum=1
        )
        first_arm += allocation.entries[0].arm == ARMS[0]
        sizes[allocation.entries[0].block_size] += 1
    assert abs(first_arm / n - 0.5) < 4 * math.sqrt(0.25 / n)
    for size in (2, 4, 6):
        assert abs(sizes[size] / n - 1 / 3) < 4 * math.sqrt((1 / 3) * (2 / 3) / n)


def test_fingerprint_and_verification(seed: bytes, metsor_strata: tuple[str, ...]) -> None:
    allocation = generate_allocation_list(
        arms=ARMS, seed=seed, strata=metsor_strata, length_per_stratum=12
    )
    assert allocation.seed_fingerprint == hashlib.sha256(seed).hexdigest() == seed_fingerprint(seed)
    verify_allocation_list(allocation, seed)
    shuffled = replace(allocation, entries=tuple(reversed(allocation.entries)))
    verify_allocation_list(shuffled, seed)
    with pytest.raises(ConflictError, match="does not match the allocation list's fingerprint"):
        verify_allocation_list(allocation, bytes(32))


def test_verification_names_a_tampered_entry(seed: bytes, metsor_strata: tuple[str, ...]) -> None:
    allocation = generate_allocation_list(
        arms=ARMS, seed=seed, strata=metsor_strata, length_per_stratum=12
    )
    entries = list(allocation.entries)
    target = entries[5]
    flipped = ARMS[1] if target.arm == ARMS[0] else ARMS[0]
    entries[5] = replace(target, arm=flipped)
    tampered = replace(allocation, entries=tuple(entries))
    with pytest.raises(ConflictError, match=f"position {target.position}: stored '{flipped}'"):
        verify_allocation_list(tampered, seed)
    shortened = replace(allocation, entries=allocation.entries[:-1])
    with pytest.raises(ConflictError, match="entries, the seed generates"):
        verify_allocation_list(shortened, seed)


def test_entry_lookup(seed: bytes) -> None:
    allocation = generate_allocation_list(
        arms=ARMS, seed=seed, strata=["a", "b"], length_per_stratum=4
    )
    entries = allocation.for_stratum("b")
    assert allocation.entry("b", 1) == entries[0]
    assert allocation.next_entry("b", 2) == entries[2]
    with pytest.raises(ConflictError, match="stratum 'b' is exhausted"):
        allocation.next_entry("b", len(entries))
    with pytest.raises(NotFoundError, match="stratum 'c' is not in the allocation list"):
        allocation.entry("c", 1)
    with pytest.raises(InputError, match="position must be an integer"):
        allocation.entry("a", 0)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"seed": b"short"}, "seed", "at least 16 bytes"),
        ({"seed": "a text seed of enough length"}, "seed", "must be bytes"),
        ({"strata": []}, "strata", "at least 1"),
        ({"strata": ["a", "a"]}, "strata", "repeated"),
        ({"strata": "ab"}, "strata", "not one text"),
        ({"arms": ["only"]}, "arms", "at least 2"),
        ({"ratio": (1, 1, 1)}, "ratio", "3 parts for 2 arms"),
        ({"ratio": (2, 2)}, "ratio", "lowest terms"),
        ({"ratio": (0, 1)}, "ratio", "integers ≥ 1"),
        ({"block_sizes": (2, 3)}, "block_sizes", "3 is not a multiple of 2"),
        ({"block_sizes": ()}, "block_sizes", "must not be empty"),
        ({"block_sizes": (2, 2)}, "block_sizes", "repeated"),
        ({"length_per_stratum": 0}, "length_per_stratum", "from 1 to 100,000, got 0"),
        pytest.param(
            {"length_per_stratum": 10**9},
            "length_per_stratum",
            "from 1 to 100,000, got 1000000000",
            id="list-longer-than-the-bound",
        ),
        pytest.param(
            {"block_sizes": (2, 10**9)},
            "block_sizes",
            "at most 100, got 1000000000",
            id="block-larger-than-the-bound",
        ),
    ],
)
def test_bad_inputs_named(kwargs: dict[str, Any], field: str, message: str) -> None:
    arguments: dict[str, Any] = {
        "seed": bytes(range(16)),
        "strata": ["s"],
        "arms": ARMS,
        "length_per_stratum": 8,
    }
    arguments.update(kwargs)
    with pytest.raises(InputError, match=message) as info:
        generate_allocation_list(**arguments)
    assert info.value.field == field
