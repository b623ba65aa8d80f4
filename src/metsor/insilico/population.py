"""Who a virtual trial's candidates are: the baseline population of a preset's trial.

By default candidates are drawn from the Asian advanced-HCC cohorts of
:func:`metsor.design.cohort.generate_cohort` (METSOR's population: Chinese, mostly men in their
fifties with hepatitis B). A preset whose trial enrolled a different population has one of its
own (:data:`POPULATIONS`, keyed like :data:`metsor.design.outcomes.PRESETS`): the candidates are
drawn as by default, then the characteristics in which the trial differs (sex, age, aetiology,
ECOG, macrovascular invasion, extrahepatic spread, race) are drawn again from the trial's
shares; laboratory values, liver function and history keep the default's distributions. A
preset without a population of its own draws exactly what it drew before, for the same
generator state.

BCLC stage is not drawn: with Child-Pugh A it follows from ECOG, macrovascular invasion and
extrahepatic spread. By the BCLC of SHARP's time (the 2018 rules of :func:`metsor.clinical.bclc.
bclc_stage`: stage C is any of ECOG 1–2, invasion or spread; the 2022 update no longer counts
ECOG alone) the published share at stage C is a check of the drawn shares
(:attr:`BaselinePopulation.bclc_c`), held by a test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from metsor.design.cohort import AETIOLOGIES, VirtualCohort, generate_cohort

__all__ = [
    "POPULATIONS",
    "SHARP_POPULATION",
    "BaselinePopulation",
    "draw_candidates",
    "population_of",
    "screening_records",
]


@dataclass(frozen=True)
class BaselinePopulation:
    """The published baseline of a trial's patients, as the virtual candidates draw it.

    Attributes
    ----------
    trial
        The trial the shares describe.
    male
        Share of men.
    age_mean_years, age_sd_years
        Mean and standard deviation of age (normal, clipped to 16–90 years as by default).
    aetiology
        Share of each aetiology of :data:`metsor.design.cohort.AETIOLOGIES` (``other`` holds
        the other and unknown causes).
    ecog
        Shares of ECOG performance status 0, 1 and 2.
    macrovascular_invasion, extrahepatic_spread
        Shares with each, drawn independently.
    race
        Race written on every candidate's screening record.
    bclc_c
        Published share at BCLC stage C: a check of the drawn shares, not drawn itself.
    source
        Where the figures come from.
    unverified
        Names of the figures not checked against their source, stated as assumptions.
    region
        Share of candidates recruited in each region (the screening record's ``region``), where
        the trial recruited in several (:func:`metsor.insilico.recruiting_sites.draw_sites`);
        None: every candidate comes to the protocol's first site.
    """

    trial: str
    male: float
    age_mean_years: float
    age_sd_years: float
    aetiology: Mapping[str, float]
    ecog: tuple[float, float, float]
    macrovascular_invasion: float
    extrahepatic_spread: float
    race: str
    bclc_c: float
    source: str
    unverified: tuple[str, ...] = ()
    region: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if set(self.aetiology) != set(AETIOLOGIES):
            raise ValueError(f"aetiology shares must name {', '.join(AETIOLOGIES)}")
        named: list[tuple[str, tuple[float, ...]]] = [
            ("aetiology", tuple(self.aetiology.values())),
            ("ecog", self.ecog),
        ]
        if self.region is not None:
            named.append(("region", tuple(self.region.values())))
        for name, shares in named:
            if not math.isclose(sum(shares), 1.0, abs_tol=1e-9) or min(shares) < 0.0:
                raise ValueError(f"{name} shares must be non-negative and sum to 1")
        for name in ("male", "macrovascular_invasion", "extrahepatic_spread", "bclc_c"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1]")

    @property
    def expected_bclc_c(self) -> float:
        """Share at BCLC stage C (2018 rules: any of ECOG 1–2, invasion, spread) that the drawn
        shares give."""
        return 1.0 - (
            self.ecog[0] * (1.0 - self.macrovascular_invasion) * (1.0 - self.extrahepatic_spread)
        )


_LLOVET = (
    "Llovet JM, Ricci S, Mazzaferro V, et al. N Engl J Med 2008;359:378-390 (SHARP), Table 1 "
    "(baseline characteristics, 602 patients)"
)
_KANE = (
    "Kane RC, Farrell AT, Madabushi R, et al. Oncologist 2009;14:95-100 (the FDA's review of "
    "SHARP), abstract, results"
)
_SMPC = (
    "the EU Summary of Product Characteristics of SHARP's drug, section 5.1 (study 100554), as "
    "reproduced at www.120ty.net/bencandy.php?aid=51709&fid=150&page=11"
)

SHARP_POPULATION = BaselinePopulation(
    trial="SHARP (NCT00105443)",
    male=0.87,
    age_mean_years=65.0,
    age_sd_years=10.0,
    aetiology={"HBV": 0.18, "HCV": 0.28, "alcohol": 0.26, "other": 0.28},
    ecog=(0.54, 0.38, 0.08),
    macrovascular_invasion=0.36,
    extrahepatic_spread=0.51,
    race="white",
    bclc_c=0.82,
    source=(
        f"{_LLOVET}: men 87%, mean age about 65 years; ECOG 0 54%, 1 38%, 2 8%; macroscopic "
        "vascular invasion 36%, extrahepatic spread 51%. Aetiology: hepatitis B 18%, hepatitis C "
        f"28%, alcohol 26% ({_KANE}), other or unknown the remaining 28%. BCLC stage C 81.6% "
        f"and 83.2% in the two arms, 82% of the 602 ({_SMPC}). 602 randomized at 121 "
        "centres in 21 countries (ClinicalTrials.gov NCT00105443 results, participant flow). "
        "Region: randomization was stratified by region (Europe, North America, Australasia); "
        "the share recruited in each is not given by any source consulted, so the regions are "
        "taken as equal (assumption)"
    ),
    unverified=(
        # Entered from the publication as recalled: no source consulted gives Table 1 of
        # Llovet 2008 or the registry's baseline table. Aetiology (the FDA's review) and BCLC
        # stage C (the SmPC) were read in the sources the ``source`` names.
        "male",
        "age_mean_years",
        "ecog",
        "macrovascular_invasion",
        "extrahepatic_spread",
        # Assumptions: the spread of age, race and the regional shares are not published here.
        "age_sd_years",
        "race",
        "region",
    ),
    region={"europe": 1 / 3, "north_america": 1 / 3, "australasia": 1 / 3},
)
"""SHARP's patients: Western, hepatitis C and alcohol more than hepatitis B, older, and fewer
with macrovascular invasion than METSOR's Chinese population. The aetiology (the FDA's review,
Kane 2009) and the share at BCLC stage C (the EU SmPC) are checked against their sources;
sex, age, ECOG, invasion and spread are Llovet 2008's Table 1 as recalled and are marked
unverified (:attr:`BaselinePopulation.unverified`) until checked against the publication; the
standard deviation of age, race (white) and equal shares of the three regions of SHARP's
randomization (Europe, North America, Australasia) are assumptions. AFP and laboratory values
keep the default's distributions (SHARP's are not modelled)."""

POPULATIONS: dict[str, BaselinePopulation] = {"sharp": SHARP_POPULATION}
"""The population of each preset whose trial's patients differ from the default's."""


def population_of(preset: str) -> BaselinePopulation | None:
    """The population of ``preset``'s trial, or None for the default Asian cohorts."""
    return POPULATIONS.get(preset)


def draw_candidates(
    n: int, rng: np.random.Generator, population: BaselinePopulation | None = None
) -> VirtualCohort:
    """Draw the baseline of ``n`` virtual candidates.

    Parameters
    ----------
    n
        Number of candidates.
    rng
        Source of randomness.
    population
        The trial's population (None: the default Asian cohorts, drawn exactly as
        :func:`metsor.design.cohort.generate_cohort` draws them).

    Returns
    -------
    VirtualCohort
        Their baseline.
    """
    cohort = generate_cohort(n, rng)
    if population is None:
        return cohort
    p = population
    male = rng.random(n) < p.male
    age = np.clip(np.rint(p.age_mean_years + p.age_sd_years * rng.standard_normal(n)), 16, 90)
    age = age.astype(np.int64)
    aetiology = rng.choice(
        np.array(AETIOLOGIES), size=n, p=[p.aetiology[name] for name in AETIOLOGIES]
    )
    ecog = rng.choice(np.arange(3), size=n, p=list(p.ecog)).astype(np.int64)
    return replace(
        cohort,
        male=male,
        age_years=age,
        aetiology=aetiology,
        ecog=ecog,
        macrovascular_invasion=rng.random(n) < p.macrovascular_invasion,
        extrahepatic_spread=rng.random(n) < p.extrahepatic_spread,
        # the default's pregnancies, kept where the redrawn sex and age still allow one
        pregnant=cohort.pregnant & ~male & (age < 50),
    )


def screening_records(
    cohort: VirtualCohort, population: BaselinePopulation | None = None
) -> list[dict[str, Any]]:
    """The candidates' screening records, with the population's race where it has one."""
    records = cohort.to_screening_records()
    if population is None:
        return records
    return [{**record, "race": population.race} for record in records]
