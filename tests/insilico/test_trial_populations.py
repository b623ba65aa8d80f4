"""Each trial's virtual candidates are its own population: SHARP's Western patients for SHARP,
METSOR's Asian cohorts, unchanged, for METSOR.

SHARP's shares (:data:`metsor.insilico.population.SHARP_POPULATION`: Llovet JM et al. N Engl J
Med 2008;359:378, Table 1, marked unverified there, with the aetiology and BCLC stage C checked
against the FDA's review and the Nexavar SmPC) are compared with the candidates who pass
SHARP's screening, drawn as its virtual trial draws them (its scenario's preset names the
population), at a reduced size: each share within ``Z`` binomial standard errors.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

import numpy as np
import pytest

from metsor.clinical.bclc import bclc_stage
from metsor.design.cohort import VirtualCohort, generate_cohort
from metsor.insilico.population import (
    SHARP_POPULATION,
    BaselinePopulation,
    draw_candidates,
    population_of,
)
from metsor.insilico.recruiting_sites import draw_sites, region_of_site
from metsor.insilico.recruitment import eligible_candidates, plan_recruitment
from metsor.insilico.scenario import DEFAULT_SCENARIO, scenario_for
from metsor.protocol import builtin

SHARP = builtin("NCT00105443")
METSOR = builtin("NCT02672488")
N = 1_500
"""Eligible SHARP candidates drawn (a reduced size: SHARP randomized 602)."""
Z = 3.5
"""Standard errors a share may lie from the published one (two-sided about 5e-4 each)."""


@pytest.fixture(scope="module")
def sharp_draw() -> tuple[VirtualCohort, list[dict[str, Any]]]:
    population = population_of(scenario_for(SHARP.nct_id).preset)
    return eligible_candidates(N, np.random.default_rng(2008), SHARP, population)


@pytest.fixture(scope="module")
def sharp_candidates(sharp_draw: tuple[VirtualCohort, list[dict[str, Any]]]) -> VirtualCohort:
    return sharp_draw[0]


def _stage_2018(cohort: VirtualCohort, i: int) -> str:
    """BCLC stage by the rules of SHARP's time (ECOG 1–2 alone is stage C); Child-Pugh A, as
    SHARP's screening requires."""
    return bclc_stage(
        nodules=int(cohort.nodules[i]),
        largest_nodule_cm=float(cohort.largest_nodule_cm[i]),
        macrovascular_invasion=bool(cohort.macrovascular_invasion[i]),
        extrahepatic_spread=bool(cohort.extrahepatic_spread[i]),
        ecog=int(cohort.ecog[i]),
        child_pugh_class="A",
        version="2018",
    ).stage


SHARES: dict[str, tuple[float, Any]] = {
    "men": (SHARP_POPULATION.male, lambda c: c.male),
    "ECOG 0": (SHARP_POPULATION.ecog[0], lambda c: c.ecog == 0),
    "ECOG 1": (SHARP_POPULATION.ecog[1], lambda c: c.ecog == 1),
    "ECOG 2": (SHARP_POPULATION.ecog[2], lambda c: c.ecog == 2),
    "macrovascular invasion": (
        SHARP_POPULATION.macrovascular_invasion,
        lambda c: c.macrovascular_invasion,
    ),
    "extrahepatic spread": (SHARP_POPULATION.extrahepatic_spread, lambda c: c.extrahepatic_spread),
    **{
        f"aetiology {name}": (share, lambda c, name=name: c.aetiology == name)
        for name, share in SHARP_POPULATION.aetiology.items()
    },
    "BCLC stage C": (
        SHARP_POPULATION.bclc_c,
        lambda c: np.array([_stage_2018(c, i) == "C" for i in range(c.n)]),
    ),
}


@pytest.mark.parametrize("name", [pytest.param(name, id=name) for name in SHARES])
def test_sharp_candidates_have_the_published_shares(
    sharp_candidates: VirtualCohort, name: str
) -> None:
    published, has = SHARES[name]
    observed = float(np.mean(has(sharp_candidates)))
    error = math.sqrt(published * (1.0 - published) / sharp_candidates.n)
    assert sharp_candidates.n == N
    assert abs(observed - published) <= Z * error, (observed, published)


REGIONAL = SHARP_POPULATION.region or {}


@pytest.mark.parametrize("region", [pytest.param(r, id=r) for r in REGIONAL])
def test_sharp_candidates_come_from_each_region_in_its_share(
    sharp_draw: tuple[VirtualCohort, list[dict[str, Any]]], region: str
) -> None:
    """The region stratum is filled as the population's shares say (equal thirds: no source
    consulted gives SHARP's, an assumption named unverified)."""
    _, records = sharp_draw
    share = REGIONAL[region]
    observed = float(np.mean([r["region"] == region for r in records]))
    assert abs(observed - share) <= Z * math.sqrt(share * (1.0 - share) / len(records))


def test_a_sharp_candidates_region_is_that_of_the_site_that_recruits_them() -> None:
    assert SHARP.trial_start is not None
    plan = plan_recruitment(
        n_target=60,
        scenario=scenario_for(SHARP.nct_id),
        start=SHARP.trial_start,
        accrual_months=14.0,
        follow_up_months=6.0,
        rng=np.random.default_rng([5, 0]),
        protocol=SHARP,
    )
    sites = {c.site for c in plan.candidates}
    assert sites == {0, 1, 2}
    assert all(c.record["region"] == region_of_site(SHARP, c.site) for c in plan.candidates)


def test_a_region_without_a_site_is_refused() -> None:
    two_sites = SHARP.model_copy(update={"sites": SHARP.sites[:2]})
    with pytest.raises(ValueError, match="no site in australasia"):
        draw_sites(10, np.random.default_rng(1), two_sites, SHARP_POPULATION)


@pytest.mark.parametrize(
    ("protocol", "population"),
    [
        pytest.param(METSOR, None, id="metsor-default-population"),
        pytest.param(SHARP.model_copy(update={"sites": SHARP.sites[:1]}), SHARP_POPULATION,
                     id="one-site"),
    ],
)  # fmt: skip
def test_one_site_or_no_regional_shares_draws_nothing(
    protocol: Any, population: BaselinePopulation | None
) -> None:
    """Every candidate comes to the first site and the generator is left as it was."""
    rng = np.random.default_rng(3)
    sites = draw_sites(25, rng, protocol, population)
    assert sites.tolist() == [0] * 25
    assert rng.random() == np.random.default_rng(3).random()


def test_sharp_candidates_are_older_and_not_the_default_cohort(
    sharp_candidates: VirtualCohort,
) -> None:
    assert abs(float(np.mean(sharp_candidates.age_years)) - 65.0) < 1.0
    assert float(np.mean(sharp_candidates.aetiology == "HBV")) < 0.3  # the default: 88%


def test_the_drawn_shares_give_the_published_stage_c_share() -> None:
    """BCLC stage C is not drawn: ECOG, invasion and spread drawn independently give it."""
    assert SHARP_POPULATION.expected_bclc_c == pytest.approx(0.830656, rel=1e-9)
    assert abs(SHARP_POPULATION.expected_bclc_c - SHARP_POPULATION.bclc_c) < 0.02


def test_every_sharp_share_not_checked_is_named_unverified() -> None:
    """Sex, age, ECOG, invasion and spread are Llovet 2008's Table 1 as recalled; the aetiology
    (the FDA's review, Kane 2009) and BCLC stage C (the Nexavar SmPC) were read in their
    sources, which the population's source names."""
    recalled = {"male", "age_mean_years", "ecog", "macrovascular_invasion", "extrahepatic_spread"}
    assert recalled <= set(SHARP_POPULATION.unverified)
    assert not {"aetiology", "bclc_c"} & set(SHARP_POPULATION.unverified)
    assert "Llovet" in SHARP_POPULATION.source
    assert "Kane RC" in SHARP_POPULATION.source
    assert "Summary of Product Characteristics" in SHARP_POPULATION.source


@pytest.mark.parametrize(
    ("preset", "population"),
    [
        pytest.param("sharp", SHARP_POPULATION, id="sharp"),
        pytest.param("metsor", None, id="metsor-default"),
        pytest.param("asia-pacific", None, id="asia-pacific-default"),
        pytest.param("reflect", None, id="reflect-default"),
    ],
)
def test_each_preset_names_its_population(
    preset: str, population: BaselinePopulation | None
) -> None:
    assert population_of(preset) is population


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"ecog": (0.5, 0.5, 0.5)}, "ecog shares", id="ecog-sum"),
        pytest.param({"aetiology": {"HBV": 1.0}}, "aetiology shares must name", id="aetiology"),
        pytest.param({"male": 1.2}, "male must lie", id="male"),
        pytest.param({"region": {"europe": 0.5}}, "region shares", id="region-sum"),
    ],
)
def test_a_population_refuses_impossible_shares(change: dict[str, Any], message: str) -> None:
    values = {f.name: getattr(SHARP_POPULATION, f.name) for f in fields(SHARP_POPULATION)}
    with pytest.raises(ValueError, match=message):
        BaselinePopulation(**{**values, **change})


def _same(left: VirtualCohort, right: VirtualCohort) -> None:
    for f in fields(VirtualCohort):
        a, b = getattr(left, f.name), getattr(right, f.name)
        if isinstance(a, dict):
            assert a.keys() == b.keys()
            for key in a:
                np.testing.assert_array_equal(a[key], b[key], err_msg=f"{f.name}.{key}")
        else:
            np.testing.assert_array_equal(a, b, err_msg=f.name)


def test_without_a_population_the_candidates_are_the_default_cohort() -> None:
    """Two paths, one draw: the default population is generate_cohort's, draw for draw."""
    _same(
        draw_candidates(300, np.random.default_rng(11)),
        generate_cohort(300, np.random.default_rng(11)),
    )


METSOR_FIRST_CANDIDATES = [
    (66, "male", "HBV", 3, False, True),
    (61, "male", "HBV", 1, True, False),
    (61, "female", "HBV", 0, False, False),
    (51, "male", "HBV", 1, False, True),
    (46, "male", "HBV", 1, True, False),
    (64, "female", "HBV", 1, True, True),
]
"""Age, sex, aetiology, ECOG, macrovascular invasion and extrahepatic spread of the first six
of the 170 candidates of METSOR's virtual trial at the demo's seed, printed by
``_first_candidates(_metsor_plan())`` below on the parent of the commit that gave SHARP a
population of its own (8bc41d1), and the same after it."""
METSOR_CANDIDATES = 170


def _metsor_plan() -> list[dict[str, Any]]:
    """The candidates of ``metsor demo`` (seed 20160203: rng ``[seed, 0]``, 82 subjects)."""
    assumptions = METSOR.assumptions
    assert assumptions is not None
    assert METSOR.trial_start is not None
    plan = plan_recruitment(
        n_target=82,
        scenario=scenario_for(METSOR.nct_id),
        start=METSOR.trial_start,
        accrual_months=assumptions.accrual_months,
        follow_up_months=assumptions.follow_up_months,
        rng=np.random.default_rng([20160203, 0]),
        protocol=METSOR,
    )
    return [candidate.record for candidate in plan.candidates]


def _first_candidates(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            r["age_years"],
            r["sex"],
            r["history"]["aetiology"],
            r["ecog"],
            r["tumour"]["macrovascular_invasion"],
            r["tumour"]["extrahepatic_spread"],
        )
        for r in records[:6]
    ]


def test_metsor_candidates_are_unchanged_for_the_demo_seed() -> None:
    records = _metsor_plan()
    assert scenario_for(METSOR.nct_id) is DEFAULT_SCENARIO
    assert population_of(DEFAULT_SCENARIO.preset) is None
    assert len(records) == METSOR_CANDIDATES
    assert _first_candidates(records) == METSOR_FIRST_CANDIDATES
    assert {r["race"] for r in records} == {"asian"}
