"""Write the built-in virtual screening log of ``metsor demo``.

120 virtual candidates for NCT02672488, drawn with a fixed seed from the baseline of Chinese
advanced-HCC cohorts (CLINICAL-REFERENCE.md, "Baseline of Asian advanced-HCC cohorts"): male
about 88%, median age about 53, ECOG 1 in about half, macrovascular invasion about 55%,
extrahepatic spread about 55%, albumin about 35 g/L, bilirubin about 14 µmol/L, platelets
about 125 × 10⁹/L, hepatitis B the cause of liver disease in about 85%, AFP a median of about
400 ng/mL; all are Asian. Laboratory values use the units of Chinese laboratories (g/L, µmol/L,
10⁹/L) with a share in US units (g/dL, mg/dL, /mm³). Conditions named by the exclusion
criteria occur at low rates, and a few values are left unrecorded, so that the trial's own
screening turns some candidates away and leaves some incomplete, as real screening does.
The rates below are for illustration; they are not estimates from any one study.

Usage::

    python scripts/make_virtual_screening_log.py           # rewrite the file
    python scripts/make_virtual_screening_log.py --check   # exit 1 if the file is stale
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from metsor.eligibility.log import LOG_COLUMNS, record_to_row
from metsor.eligibility.record import parse_record

SEED = 20151201
N_CANDIDATES = 120
TARGET = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "metsor"
    / "eligibility"
    / "data"
    / "virtual_screening_log.csv"
)

# Share of candidates in whom each exclusion condition is present (illustrative).
HISTORY_RATES: dict[str, float] = {
    "severe_cardiovascular_disease": 0.02,
    "uncontrolled_hypertension": 0.015,
    "hiv": 0.005,
    "systemic_chemo_within_6_months": 0.03,
    "gi_bleeding_history": 0.03,
    "seizures_requiring_drugs": 0.005,
    "allograft_transplant": 0.005,
    "bleeding_signs": 0.015,
    "dialysis": 0.005,
    "uncontrollable_ascites": 0.01,
    "prior_systemic_therapy": 0.05,
}
AETIOLOGIES = (["HBV", "HCV", "alcohol", "NASH", "other"], [0.85, 0.05, 0.05, 0.02, 0.03])
NYHA_CLASSES = ([1, 2, 3, 4], [0.93, 0.05, 0.015, 0.005])
MISSING_RATE = 0.005  # chance that any one optional value was not recorded


def _choice(rng: np.random.Generator, options: list[Any], p: list[float]) -> Any:
    return options[int(rng.choice(len(options), p=p))]


def _lab(value: float, unit: str, digits: int = 1) -> dict[str, Any]:
    return {"value": round(float(value), digits), "unit": unit}


def _labs(rng: np.random.Generator) -> dict[str, Any]:
    us_units = rng.random() < 0.2
    hemoglobin = rng.normal(12.8, 1.8)
    anc = rng.lognormal(np.log(3.2), 0.45)  # 10^9/L
    platelets = rng.lognormal(np.log(125.0), 0.5)  # 10^9/L
    bilirubin = rng.lognormal(np.log(14.0), 0.45)  # µmol/L
    albumin = rng.normal(37.0, 4.5)  # g/L
    inr = max(0.8, rng.normal(1.12, 0.14))
    labs: dict[str, Any] = {
        "hemoglobin": (_lab(hemoglobin, "g/dL") if us_units else _lab(hemoglobin * 10, "g/L", 0)),
        "anc": _lab(anc * 1000, "/mm3", 0) if us_units else _lab(anc, "10^9/L", 2),
        "platelets": (
            _lab(platelets * 1000, "/uL", -3) if us_units else _lab(platelets, "10^9/L", 0)
        ),
        "total_bilirubin": (
            _lab(bilirubin / 17.1, "mg/dL", 2) if us_units else _lab(bilirubin, "umol/L")
        ),
        "albumin": _lab(albumin / 10, "g/dL", 1) if us_units else _lab(albumin, "g/L"),
        "inr": {"value": round(float(inr), 2), "unit": ""},
    }
    for enzyme, median, spread, uln in (
        ("ast", 62.0, 0.6, 40.0),
        ("alt", 48.0, 0.6, 40.0),
        ("alp", 140.0, 0.5, 125.0),
    ):
        labs[enzyme] = {
            "value": round(float(rng.lognormal(np.log(median), spread))),
            "unit": "U/L",
            "uln": uln,
        }
    if rng.random() < 0.5:
        labs["prothrombin_activity"] = {
            "value": round(float(np.clip(rng.normal(85.0, 15.0), 20.0, 130.0))),
            "unit": "%",
        }
    return labs


def _candidate(rng: np.random.Generator) -> dict[str, Any]:
    sex = "male" if rng.random() < 0.88 else "female"
    age = int(np.clip(round(rng.normal(53.0, 11.0)), 17, 85))
    histopathology = bool(rng.random() < 0.6)
    record: dict[str, Any] = {
        "age_years": age,
        "sex": sex,
        "consent_signed": bool(rng.random() < 0.98),
        "hcc_confirmation": {
            "histopathology": histopathology,
            "typical_imaging_techniques": _choice(rng, [1, 2, 3], [0.1, 0.6, 0.3]),
        },
        "metastatic_liver_cancer": bool(rng.random() < 0.01),
        "ecog": _choice(rng, [0, 1, 2, 3], [0.38, 0.52, 0.07, 0.03]),
        "tumour": {
            "macrovascular_invasion": bool(rng.random() < 0.55),
            "extrahepatic_spread": bool(rng.random() < 0.55),
            "nodules": _choice(rng, [1, 2, 3, 4, 5], [0.35, 0.2, 0.15, 0.1, 0.2]),
            "largest_nodule_cm": round(float(rng.lognormal(np.log(6.5), 0.5)), 1),
        },
        "liver": {
            "ascites": _choice(
                rng, ["none", "mild", "moderate", "severe"], [0.86, 0.1, 0.03, 0.01]
            ),
            "encephalopathy_grade": _choice(rng, [0, 1, 2], [0.96, 0.03, 0.01]),
        },
        "labs": _labs(rng),
        "history": {name: bool(rng.random() < rate) for name, rate in HISTORY_RATES.items()},
    }
    history = record["history"]
    history["active_infection_grade"] = _choice(rng, [0, 1, 2, 3], [0.94, 0.03, 0.02, 0.01])
    history["nyha_class"] = _choice(rng, *NYHA_CLASSES)
    history["aetiology"] = _choice(rng, *AETIOLOGIES)
    if history["gi_bleeding_history"]:
        history["gi_bleeding_days_ago"] = int(rng.integers(5, 721))
    if history["bleeding_signs"]:
        history["bleeding_days_ago"] = int(rng.integers(0, 366))
    record["race"] = "asian"
    afp = np.clip(rng.lognormal(np.log(400.0), 2.5), 1.0, 1e6)
    record["tumour"]["afp_ng_ml"] = round(float(afp), 1)
    if sex == "female":
        record["pregnant"] = bool(age < 45 and rng.random() < 0.05)
    _drop_some(rng, record)
    return record


def _drop_some(rng: np.random.Generator, record: dict[str, Any]) -> None:
    """Leave a few values unrecorded, as screening logs do."""
    for section in ("labs", "history", "liver"):
        for name in list(record[section]):
            if rng.random() < MISSING_RATE:
                del record[section][name]
    if rng.random() < 0.03 and "alp" in record["labs"]:
        del record["labs"]["alp"]["uln"]


def render(seed: int = SEED, n: int = N_CANDIDATES) -> str:
    """The CSV text of the virtual screening log.

    Parameters
    ----------
    seed
        Seed of the random generator.
    n
        Number of candidates.

    Returns
    -------
    str
        The log: a header line, then one candidate per line.
    """
    rng = np.random.default_rng(seed)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LOG_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for index in range(1, n + 1):
        record = parse_record(_candidate(rng))
        writer.writerow(record_to_row(record, f"VS-{index:03d}"))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write the log, or with ``--check`` report whether the committed file is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: rerun {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {n_lines(text)} candidates to {TARGET}")
    return 0


def n_lines(text: str) -> int:
    """Number of candidate lines in a log text (header excluded)."""
    return len(text.splitlines()) - 1


if __name__ == "__main__":
    raise SystemExit(main())
