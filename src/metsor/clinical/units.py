"""Laboratory units and the conversions between them.

Each analyte has one reference unit; every accepted unit carries the factor that turns a value
in it into the reference unit. Conversion factors are the published equivalents:

- total bilirubin: 1 mg/dL = 17.1 µmol/L (molar mass 584.7 g/mol);
- creatinine: 1 mg/dL = 88.42 µmol/L (molar mass 113.12 g/mol);
- haemoglobin: 1 g/dL = 10 g/L = 0.6206 mmol/L (monomer, 16,114.5 g/mol);
- albumin: 1 g/dL = 10 g/L;
- blood counts: 1 × 10^9/L = 1,000 /mm³ = 1,000 /µL;
- glucose: 1 mmol/L = 18.016 mg/dL (molar mass 180.16 g/mol);
- lactate: 1 mmol/L = 9.008 mg/dL (molar mass 90.08 g/mol);
- alpha-fetoprotein: 1 IU/mL = 1.21 ng/mL (WHO first international standard 72/225).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from metsor.clinical._checks import finite
from metsor.errors import InputError

__all__ = ["ACCEPTED_UNITS", "ANALYTES", "convert", "normalize_unit"]

_COUNT = {"/mm3": 1.0, "/uL": 1.0, "10^9/L": 1000.0}

# analyte -> {unit: factor to the first (reference) unit}
_FACTORS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "hemoglobin": {"g/dL": 1.0, "g/L": 0.1, "mmol/L": 1.0 / 0.6206},
        "anc": _COUNT,
        "platelets": _COUNT,
        "wbc": _COUNT,
        "lymphocytes": _COUNT,
        "total_bilirubin": {"mg/dL": 1.0, "umol/L": 1.0 / 17.1},
        "albumin": {"g/dL": 1.0, "g/L": 0.1},
        "creatinine": {"mg/dL": 1.0, "umol/L": 1.0 / 88.42},
        "ast": {"U/L": 1.0},
        "alt": {"U/L": 1.0},
        "alp": {"U/L": 1.0},
        "inr": {"": 1.0},
        "prothrombin_activity": {"%": 1.0},
        "glucose": {"mg/dL": 1.0, "mmol/L": 18.016},
        "lactate": {"mmol/L": 1.0, "mg/dL": 1.0 / 9.008},
        "afp": {"ng/mL": 1.0, "IU/mL": 1.21},
    }
)

ACCEPTED_UNITS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {analyte: tuple(factors) for analyte, factors in _FACTORS.items()}
)
"""For each analyte, the units :func:`convert` accepts; the first is the reference unit."""

ANALYTES: tuple[str, ...] = tuple(_FACTORS)
"""The analytes :func:`convert` knows."""

# Other spellings of the same unit; matched after case folding (which maps µ to μ).
_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        spelling.casefold(): unit
        for spelling, unit in {
            "µmol/L": "umol/L",
            "μmol/L": "umol/L",
            "/µL": "/uL",
            "/μL": "/uL",
            "/mm³": "/mm3",
            "cells/mm3": "/mm3",
            "cells/uL": "/uL",
            "x10^9/L": "10^9/L",
            "10⁹/L": "10^9/L",
            "×10⁹/L": "10^9/L",
            "IU/L": "U/L",
            "ug/L": "ng/mL",
            "µg/L": "ng/mL",
            "kU/L": "IU/mL",
            "ratio": "",
        }.items()
    }
)


def normalize_unit(analyte: str, unit: str) -> str:
    """Return the accepted spelling of ``unit`` for ``analyte``.

    Parameters
    ----------
    analyte
        One of :data:`ANALYTES`.
    unit
        A unit as written, e.g. ``"µmol/L"`` or ``"x10^9/L"``; case is ignored.

    Returns
    -------
    str
        The unit as spelled in :data:`ACCEPTED_UNITS`.

    Raises
    ------
    InputError
        If the analyte is unknown or the unit is not one it accepts.
    """
    accepted = ACCEPTED_UNITS.get(analyte)
    if accepted is None:
        raise InputError(
            f"unknown analyte {analyte!r}; known analytes: {', '.join(ANALYTES)}", field=analyte
        )
    folded = unit.strip().casefold() if isinstance(unit, str) else None
    if folded is not None:
        folded = _ALIASES.get(folded, folded)
        for candidate in accepted:
            if candidate.casefold() == folded.casefold():
                return candidate
    shown = ", ".join(repr(u) for u in accepted)
    raise InputError(
        f"unit {unit!r} is not accepted for {analyte}; accepted units: {shown}", field=analyte
    )


def convert(analyte: str, value: float, unit: str, target_unit: str) -> float:
    """Convert a laboratory value of ``analyte`` from ``unit`` to ``target_unit``.

    Parameters
    ----------
    analyte
        One of :data:`ANALYTES`, e.g. ``"total_bilirubin"``.
    value
        The measured value; must be finite and not negative.
    unit, target_unit
        Units from :data:`ACCEPTED_UNITS` for this analyte (other spellings such as
        ``"µmol/L"`` are accepted, see :func:`normalize_unit`).

    Returns
    -------
    float
        The value expressed in ``target_unit``.

    Raises
    ------
    InputError
        Naming the analyte, for an unknown analyte or unit, or a negative or non-finite value.

    Examples
    --------
    >>> round(convert("total_bilirubin", 1.0, "mg/dL", "umol/L"), 1)
    17.1
    """
    source = normalize_unit(analyte, unit)
    target = normalize_unit(analyte, target_unit)
    amount = finite(value, analyte)
    if amount < 0:
        raise InputError(f"{analyte} must not be negative, got {value!r} {unit}", field=analyte)
    if source == target:
        return amount
    factors = _FACTORS[analyte]
    return amount * factors[source] / factors[target]
