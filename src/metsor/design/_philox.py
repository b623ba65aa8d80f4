"""Philox4x32-10, the counter-based random-number generator of the trial simulator.

A counter-based generator turns (key, counter) into random bits with a keyed bijection, so any
draw can be computed on its own: the simulator keys each block of trials with its seed's
``SeedSequence`` child and addresses every patient's draws by (patient, trial, pair, word).
Which thread computes a trial, and in what order, cannot change what it draws.

The rounds and constants are those of Random123 (checked against its known-answer vectors in
the tests); numpy's own ``Philox`` is the 4×64 variant, a different stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["exponential", "minus_log", "philox4x32", "uniform"]

_MULTIPLIER_0 = np.uint64(0xD2511F53)
_MULTIPLIER_1 = np.uint64(0xCD9E8D57)
_WEYL_0 = np.uint32(0x9E3779B9)
_WEYL_1 = np.uint32(0xBB67AE85)
_LOW = np.uint64(0xFFFFFFFF)
_WORD = np.uint64(32)
_DROP = np.uint64(11)
_ULP = 2.0**-53
_FRACTION = np.uint64(0x000FFFFFFFFFFFFF)
_ONE = np.uint64(0x3FF0000000000000)
_EXPONENT_SHIFT = np.uint64(52)
_SQRT2 = 1.4142135623730951
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of log(2): exact high part
_LN2_LO = 1.90821492927058770002e-10


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def philox4x32(
    c0: np.uint32,
    c1: np.uint32,
    c2: np.uint32,
    c3: np.uint32,
    k0: np.uint32,
    k1: np.uint32,
) -> tuple[np.uint32, np.uint32, np.uint32, np.uint32]:  # pragma: no cover - compiled
    """Four random 32-bit words for counter (c0, c1, c2, c3) under key (k0, k1).

    References
    ----------
    Salmon JK, Moraes MA, Dror RO, Shaw DE. Parallel random numbers: as easy as 1, 2, 3.
    Proceedings of SC11, 2011. doi:10.1145/2063384.2063405.
    """
    for _ in range(10):
        p0 = _MULTIPLIER_0 * np.uint64(c0)
        p1 = _MULTIPLIER_1 * np.uint64(c2)
        c0, c1, c2, c3 = (
            np.uint32(p1 >> _WORD) ^ c1 ^ k0,
            np.uint32(p1 & _LOW),
            np.uint32(p0 >> _WORD) ^ c3 ^ k1,
            np.uint32(p0 & _LOW),
        )
        k0 = np.uint32(k0 + _WEYL_0)
        k1 = np.uint32(k1 + _WEYL_1)
    return c0, c1, c2, c3


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def uniform(low: np.uint32, high: np.uint32) -> float:  # pragma: no cover - compiled
    """Uniform on [0, 1) from the top 53 bits of two words (``high`` most significant)."""
    return float(((np.uint64(high) << _WORD) | np.uint64(low)) >> _DROP) * _ULP


def _reinterpret(source: Any, target: Any) -> Any:
    """A numba intrinsic that reads the bits of a ``source`` value as a ``target`` value."""

    def typer(typingctx: Any, value: Any) -> Any:  # pragma: no cover - compiled
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.bitcast(args[0], context.get_value_type(target))

        return target(source), codegen

    return intrinsic(typer)


_bits: Callable[[float], np.uint64] = _reinterpret(types.float64, types.uint64)
"""The IEEE-754 bits of a float64."""
_float: Callable[[np.uint64], float] = _reinterpret(types.uint64, types.float64)
"""The float64 with the given IEEE-754 bits."""


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def minus_log(x: float) -> float:  # pragma: no cover - compiled
    """−log(x) for a normal x > 0, within a few ulp, without branches or calls.

    Written out so that a loop of them vectorizes: x = 2^e · m with m in [√½, √2), and
    log m = 2 atanh((m − 1)/(m + 1)) by its series; e · log 2 is added in two parts.
    """
    bits = _bits(x)
    e = np.int64(bits >> _EXPONENT_SHIFT) - 1023
    m = _float((bits & _FRACTION) | _ONE)
    high = m > _SQRT2
    m = m * 0.5 if high else m
    e = e + high
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    # 2 atanh(s) / (2 s) = sum s^(2k) / (2k + 1); with s^2 <= 0.0295, eleven terms reach 1e-19
    series = 1 / 21
    series = series * s2 + 1 / 19
    series = series * s2 + 1 / 17
    series = series * s2 + 1 / 15
    series = series * s2 + 1 / 13
    series = series * s2 + 1 / 11
    series = series * s2 + 1 / 9
    series = series * s2 + 1 / 7
    series = series * s2 + 1 / 5
    series = series * s2 + 1 / 3
    series = series * s2 + 1.0
    return 0.0 - (e * _LN2_HI + (e * _LN2_LO + 2.0 * s * series))


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def exponential(low: np.uint32, high: np.uint32) -> float:  # pragma: no cover - compiled
    """Standard exponential by inversion, −log(1 − U): finite, as 1 − U ≥ 2⁻⁵³ (exact)."""
    return minus_log(1.0 - uniform(low, high))
