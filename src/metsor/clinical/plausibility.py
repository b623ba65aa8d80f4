"""Plausible ranges: the values a living adult patient can have, and what lies beyond them.

A value outside its range is not an extreme finding but an error of entry — most often a
wrong unit (haemoglobin 128 "g/dL" is 128 g/L; albumin 39 "g/dL" is 39 g/L; platelets
120,000,000 "/µL" is 120 × 10^9/L written in /L). The ranges are wide on purpose: they refuse
the impossible, never the rare. Every range below is in the analyte's reference unit (the
first of :data:`metsor.clinical.units.ACCEPTED_UNITS`); a value in another unit is converted
first, and the message gives the range in the unit the value was given in. The casebook
(laboratory results, vital signs, tumour measurements) and the screening record (its
laboratory values and tumour size) check against this one table.

=====================  ===============  =====================================================
quantity               range            why
=====================  ===============  =====================================================
haemoglobin            1–25 g/dL        survival reported down to ~1.5 g/dL; polycythaemia
                                        rarely reaches 25 g/dL
albumin                0.5–7 g/dL       analbuminaemia < 1 g/dL; the serum maximum ~6 g/dL
platelets              0–5,000,000 /µL  essential thrombocythaemia ~ 2–4 × 10^6/µL at most
ANC                    0–200,000 /mm³   leukaemoid reactions ~ 10^5/mm³
WBC, lymphocytes       0–1,000,000 /mm³ hyperleukocytosis of leukaemia ~ 10^6/mm³
total bilirubin        0–100 mg/dL      fulminant hepatic failure ~ 50–70 mg/dL
creatinine             0.1–40 mg/dL     0.1 mg/dL (9 µmol/L) is the lower limit of routine
                                        assays; anuric renal failure ~ 20–30 mg/dL. Zero is
                                        refused: the eGFR divides by it
AST, ALT               0–100,000 U/L    ischaemic hepatitis ~ 10^4 U/L
ALP                    0–20,000 U/L     extreme cholestasis ~ 5,000 U/L
INR                    0.5–25           laboratories report "> 20" off scale
prothrombin activity   0–200 %          % of normal
glucose                5–3,000 mg/dL    hyperosmolar states ~ 2,700 mg/dL
lactate                0–40 mmol/L      refractory shock ~ 30 mmol/L
AFP                    0–10^7 ng/mL     HCC: values above 10^6 ng/mL are reported
systolic BP            50–300 mm Hg     shock to hypertensive crisis
diastolic BP           20–200 mm Hg     shock to hypertensive crisis
heart rate             20–250 /min      complete heart block to tachyarrhythmia
temperature            30–45 °C         deep hypothermia to lethal hyperthermia
weight                 20–300 kg        adult patients
lesion diameter        0–400 mm         giant HCC ~ 30 cm; the abdomen bounds it
viable diameter        0–400 mm         and never above the lesion's own diameter
lymph node short axis  0–400 mm
largest nodule         0.1–40 cm        screening record, cm
=====================  ===============  =====================================================

References
----------
Tietz Clinical Guide to Laboratory Tests, 4th ed. (Wu AHB, ed.), Saunders 2006: reference
intervals and critical values of each analyte.
Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid
tumours: revised RECIST guideline (version 1.1). Eur J Cancer 2009;45:228–247 (measurements
in mm).
WHO Expert Committee on Biological Standardization: first international standard for
alpha-fetoprotein (72/225), 1 IU = 1.21 ng.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from metsor.clinical import units
from metsor.clinical._checks import bounded, finite, whole
from metsor.errors import InputError

__all__ = [
    "ANALYTE_RANGES",
    "TUMOUR_RANGES",
    "VITAL_SIGN_RANGES",
    "PlausibleRange",
    "bounded",
    "check_lab",
    "check_tumour_measure",
    "check_viable_within_whole",
    "check_vital_sign",
    "finite",
    "whole",
]


@dataclass(frozen=True)
class PlausibleRange:
    """The closed interval ``[low, high]`` a quantity can take, in ``unit``, and why."""

    low: float
    high: float
    unit: str
    source: str

    def contains(self, value: float) -> bool:
        """Whether ``value`` (in :attr:`unit`) lies within the range."""
        return self.low <= value <= self.high

    def describe(self) -> str:
        """``1–25 g/dL``: the range as a text."""
        return f"{_num(self.low)}–{_num(self.high)} {self.unit}".rstrip()


def _num(value: float) -> str:
    """``120,000,000``, ``8.842``, ``1e+308``: a value as the messages show it."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


def _r(low: float, high: float, unit: str, source: str) -> PlausibleRange:
    return PlausibleRange(low, high, unit, source)


_COUNT = "/mm3"
ANALYTE_RANGES: Mapping[str, PlausibleRange] = MappingProxyType(
    {
        "hemoglobin": _r(1.0, 25.0, "g/dL", "survival reported to ~1.5 g/dL; ≤ 25 g/dL"),
        "albumin": _r(0.5, 7.0, "g/dL", "analbuminaemia < 1 g/dL; serum maximum ~6 g/dL"),
        "platelets": _r(0.0, 5e6, _COUNT, "thrombocythaemia ~2–4 × 10^6/µL at most"),
        "anc": _r(0.0, 2e5, _COUNT, "leukaemoid reactions ~10^5/mm³"),
        "wbc": _r(0.0, 1e6, _COUNT, "hyperleukocytosis ~10^6/mm³"),
        "lymphocytes": _r(0.0, 1e6, _COUNT, "lymphocytic leukaemia ~10^6/mm³"),
        "total_bilirubin": _r(0.0, 100.0, "mg/dL", "fulminant hepatic failure ~50–70 mg/dL"),
        "creatinine": _r(
            0.1, 40.0, "mg/dL", "routine assays' lower limit 0.1 mg/dL; anuria ~20–30 mg/dL"
        ),
        "ast": _r(0.0, 1e5, "U/L", "ischaemic hepatitis ~10^4 U/L"),
        "alt": _r(0.0, 1e5, "U/L", "ischaemic hepatitis ~10^4 U/L"),
        "alp": _r(0.0, 2e4, "U/L", "extreme cholestasis ~5,000 U/L"),
        "inr": _r(0.5, 25.0, "", "laboratories report > 20 off scale"),
        "prothrombin_activity": _r(0.0, 200.0, "%", "per cent of normal"),
        "glucose": _r(5.0, 3000.0, "mg/dL", "hyperosmolar states ~2,700 mg/dL"),
        "lactate": _r(0.0, 40.0, "mmol/L", "refractory shock ~30 mmol/L"),
        "afp": _r(0.0, 1e7, "ng/mL", "HCC: values above 10^6 ng/mL are reported"),
    }
)
"""Plausible range of each analyte of :data:`metsor.clinical.units.ANALYTES`, in its
reference unit."""

VITAL_SIGN_RANGES: Mapping[str, PlausibleRange] = MappingProxyType(
    {
        "systolic_mmhg": _r(50, 300, "mm Hg", "shock to hypertensive crisis"),
        "diastolic_mmhg": _r(20, 200, "mm Hg", "shock to hypertensive crisis"),
        "heart_rate_bpm": _r(20, 250, "/min", "complete heart block to tachyarrhythmia"),
        "temperature_c": _r(30, 45, "°C", "deep hypothermia to lethal hyperthermia"),
        "weight_kg": _r(20, 300, "kg", "adult patients"),
    }
)
"""Plausible range of each vital sign of the casebook."""

TUMOUR_RANGES: Mapping[str, PlausibleRange] = MappingProxyType(
    {
        "diameter_mm": _r(0, 400, "mm", "giant HCC ~30 cm; 0 when the lesion disappeared"),
        "viable_diameter_mm": _r(0, 400, "mm", "mRECIST; never above the lesion's diameter"),
        "short_axis_mm": _r(0, 400, "mm", "RECIST 1.1 lymph node short axis"),
        "largest_nodule_cm": _r(0.1, 40, "cm", "screening record: giant HCC ~30 cm"),
    }
)
"""Plausible range of each tumour measurement."""

_INTEGER_VITALS = frozenset({"systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm"})


def check_lab(analyte: str, value: object, unit: str, *, field: str | None = None) -> float:
    """Return ``value`` if it is a plausible value of ``analyte`` in ``unit``.

    Parameters
    ----------
    analyte
        One of :data:`metsor.clinical.units.ANALYTES`.
    value
        The value, in ``unit``.
    unit
        A unit accepted for the analyte (any spelling :func:`~metsor.clinical.units.
        normalize_unit` knows).
    field
        The name of the field, for the error; default ``analyte``.

    Returns
    -------
    float
        The value.

    Raises
    ------
    InputError
        Naming ``field``, for a value that is not a finite number or lies outside the range
        of :data:`ANALYTE_RANGES`; the message gives the range in ``unit``.

    Examples
    --------
    >>> check_lab("hemoglobin", 128, "g/L")
    128.0
    """
    name = field or analyte
    amount = finite(value, name)
    plausible = ANALYTE_RANGES[analyte]
    accepted = units.normalize_unit(analyte, unit)
    in_reference = units.convert(analyte, abs(amount), accepted, plausible.unit)
    if amount < 0 or not plausible.contains(in_reference):
        low = units.convert(analyte, plausible.low, plausible.unit, accepted)
        high = units.convert(analyte, plausible.high, plausible.unit, accepted)
        shown = PlausibleRange(low, high, accepted, plausible.source)
        raise InputError(
            f"{name} {_num(amount)} {accepted} is outside the plausible range"
            f"{'' if name == analyte else ' of ' + analyte} ({shown.describe()}); check the "
            "value and its unit",
            field=name,
        )
    return amount


def check_vital_sign(name: str, value: object, *, field: str | None = None) -> float:
    """Return ``value`` if it is a plausible value of vital sign ``name``.

    Blood pressure and heart rate must be whole numbers.

    Raises
    ------
    InputError
        Naming ``field`` (default ``name``), with the range and unit in the message.
    """
    plausible = VITAL_SIGN_RANGES[name]
    where = field or name
    if name in _INTEGER_VITALS:
        amount: float = whole(value, where, low=-(2**63), high=2**63 - 1)
    else:
        amount = finite(value, where)
    if not plausible.contains(amount):
        raise InputError(
            f"{where} {_num(amount)} {plausible.unit} is outside the plausible range "
            f"({plausible.describe()})",
            field=where,
        )
    return amount


def check_tumour_measure(name: str, value: object, *, field: str | None = None) -> float:
    """Return ``value`` if it is a plausible tumour measurement ``name``.

    Raises
    ------
    InputError
        Naming ``field`` (default ``name``), with the range and unit in the message.
    """
    plausible = TUMOUR_RANGES[name]
    where = field or name
    amount = finite(value, where)
    if not plausible.contains(amount):
        raise InputError(
            f"{where} {_num(amount)} {plausible.unit} is outside the plausible range "
            f"({plausible.describe()})",
            field=where,
        )
    return amount


def check_viable_within_whole(
    diameter_mm: float | None, viable_diameter_mm: float | None, *, lesion: str = ""
) -> None:
    """Refuse a viable (enhancing) diameter larger than the lesion's whole diameter.

    mRECIST measures the viable part within the lesion (Lencioni & Llovet 2010), so it can
    never exceed the lesion's longest diameter.

    Raises
    ------
    InputError
        Naming ``viable_diameter_mm``.
    """
    if diameter_mm is None or viable_diameter_mm is None:
        return
    if viable_diameter_mm > diameter_mm:
        which = f"lesion {lesion!r}: " if lesion else ""
        raise InputError(
            f"{which}viable_diameter_mm {_num(viable_diameter_mm)} mm is larger than the "
            f"lesion's diameter_mm {_num(diameter_mm)} mm; the viable part lies within it",
            field="viable_diameter_mm",
        )
