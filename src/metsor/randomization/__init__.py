"""Randomization: stratification, concealed permuted-block lists, minimization, balance.

Pure: values in, values out. State (what was allocated so far) is always passed in.
"""

from metsor.randomization.balance import BalanceRow, BalanceSummary, balance_summary
from metsor.randomization.minimization import MinimizationDecision, minimization_assign
from metsor.randomization.permuted_blocks import (
    MAX_BLOCK_SIZE,
    MAX_LENGTH_PER_STRATUM,
    AllocationEntry,
    AllocationList,
    generate_allocation_list,
    seed_fingerprint,
    verify_allocation_list,
)
from metsor.randomization.strata import (
    FactorLevel,
    StratificationFactor,
    Stratum,
    all_strata,
    factors_from_settings,
    stratum_labels,
    stratum_of,
)

__all__ = [
    "MAX_BLOCK_SIZE",
    "MAX_LENGTH_PER_STRATUM",
    "AllocationEntry",
    "AllocationList",
    "BalanceRow",
    "BalanceSummary",
    "FactorLevel",
    "MinimizationDecision",
    "StratificationFactor",
    "Stratum",
    "all_strata",
    "balance_summary",
    "factors_from_settings",
    "generate_allocation_list",
    "minimization_assign",
    "seed_fingerprint",
    "stratum_labels",
    "stratum_of",
    "verify_allocation_list",
]
