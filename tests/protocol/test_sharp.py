"""SHARP (NCT00105443) as a second built-in protocol: the same engine, its own data.

Llovet JM et al. Sorafenib in advanced hepatocellular carcinoma. N Engl J Med 2008;359:378–390.
"""

from __future__ import annotations

from typing import Any

import pytest

from metsor.eligibility import screen
from metsor.eligibility.examples import eligible_record
from metsor.insilico.recruiting_sites import region_of_site
from metsor.protocol import builtin

SHARP = builtin("NCT00105443")
METSOR = builtin("NCT02672488")


def test_sharp_is_sorafenib_against_placebo_one_to_one() -> None:
    assert SHARP.acronym == "SHARP"
    assert SHARP.design.target_enrollment == 602
    assert SHARP.design.allocation_ratio == (1, 1)
    assert SHARP.arm_codes == ("sorafenib", "placebo")
    assert SHARP.experimental_arm.code == "sorafenib"
    (placebo,) = SHARP.drugs_of("placebo")
    assert not placebo.active
    (active,) = SHARP.drugs_of("sorafenib")
    assert active.active
    assert [level.code for level in placebo.levels] == [level.code for level in active.levels]
    assert [level.code for level in active.reductions()] == ["400mg_bid", "400mg_qd", "400mg_qod"]


def test_sharp_scans_every_six_weeks_and_stratifies_by_three_factors() -> None:
    assert SHARP.endpoint_rules.tumour_interval_days == 42
    assert [f.name for f in SHARP.stratification] == ["region", "ecog", "mvi_ehs"]
    assert SHARP.outcomes[0].measure == "Overall Survival"
    assert SHARP.outcomes[0].type == "primary"


def test_sharp_has_a_site_in_each_region_it_stratified_by() -> None:
    """Barcelona (Europe), New York (North America), Auckland (Australasia): a virtual SHARP
    fills every level of its region stratum from sites of that region."""
    (region,) = [f for f in SHARP.stratification if f.name == "region"]
    levels = {level.label for level in region.levels}
    sites = {region_of_site(SHARP, i) for i in range(len(SHARP.sites))}
    assert sites == levels == {"europe", "north_america", "australasia"}
    assert SHARP.sites[0].city == "Barcelona"  # the first site, as before


def _with_labs(record: dict[str, Any], **labs: dict[str, Any]) -> dict[str, Any]:
    return {**record, "labs": {**record["labs"], **labs}}


def _attested(record: dict[str, Any]) -> dict[str, Any]:
    manual = [c.id for c in SHARP.criteria if c.rule is None]
    return {**record, "attested": manual}


@pytest.mark.parametrize(
    ("labs", "criterion", "sharp", "metsor"),
    [
        pytest.param({"platelets": {"value": 55000, "unit": "/uL"}}, "platelets", "fail",
                     "pass", id="platelets-between-the-two-cutoffs"),
        pytest.param({"hemoglobin": {"value": 8.7, "unit": "g/dL"}}, "hemoglobin", "pass",
                     "fail", id="hemoglobin-between-the-two-cutoffs"),
        pytest.param({"total_bilirubin": {"value": 2.5, "unit": "mg/dL"}}, "total_bilirubin",
                     "pass", "fail", id="bilirubin-between-the-two-cutoffs"),
    ],
)  # fmt: skip
def test_each_trial_screens_with_its_own_cutoffs(
    labs: dict[str, Any], criterion: str, sharp: str, metsor: str
) -> None:
    record = _attested(_with_labs(eligible_record(), **labs))
    assert _status(screen(record, SHARP), criterion) == sharp
    assert _status(screen(record, METSOR), criterion) == metsor


def test_checklist_items_pass_only_when_attested() -> None:
    plain = screen(eligible_record(), SHARP)
    assert _status(plain, "life_expectancy") == "unknown"
    assert plain.verdict == "incomplete"
    attested = screen(_attested(eligible_record()), SHARP)
    assert _status(attested, "life_expectancy") == "pass"


def _status(result: Any, criterion: str) -> str:
    return str(next(c.status for c in result.criteria if c.id == criterion))


@pytest.mark.parametrize(
    "criterion",
    [pytest.param(c.id, id=c.id) for c in SHARP.criteria if c.cutoff is not None],
)
def test_each_laboratory_cutoff_not_checked_says_so(criterion: str) -> None:
    """The laboratory cut-offs are Llovet 2008's Methods as recalled: the registry record states
    none, so each source names the publication and says it is unverified, unless a source it
    names confirms it (the platelet count)."""
    (found,) = [c for c in SHARP.criteria if c.id == criterion]
    assert found.cutoff is not None
    assert "Llovet" in found.cutoff.source
    assert ("Unverified" in found.cutoff.source) != ("confirmed by" in found.cutoff.source)
