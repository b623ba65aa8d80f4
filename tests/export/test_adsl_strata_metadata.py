"""ADSL's define.xml metadata: one STRATnR variable per stratification factor of the trial's
protocol, in place of the stratum's parts, with the factor's levels as its codelist."""

from __future__ import annotations

import pytest

from metsor.export.adam import ADSL, adsl_spec
from metsor.protocol.builtin import builtin


@pytest.mark.parametrize(
    ("nct_id", "codelists"),
    [
        pytest.param(
            "NCT02672488",
            (("ecog0", "ecog1_2"), ("mvi_ehs_no", "mvi_ehs_yes")),
            id="metsor",
        ),
        pytest.param(
            "NCT00105443",
            (
                ("north_america", "europe", "australasia"),
                ("ecog0", "ecog1_2"),
                ("mvi_ehs_no", "mvi_ehs_yes"),
            ),
            id="sharp",
        ),
    ],
)
def test_strata_variables_follow_the_protocols_factors(
    nct_id: str, codelists: tuple[tuple[str, ...], ...]
) -> None:
    protocol = builtin(nct_id)
    spec = adsl_spec(protocol.stratification)
    strata = [v for v in spec.variables if v.name.startswith("STRAT") and v.name.endswith("R")]
    assert [v.name for v in strata] == [f"STRAT{n}R" for n in range(1, len(codelists) + 1)]
    assert tuple(v.codelist for v in strata) == codelists
    for variable, factor in zip(strata, protocol.stratification, strict=True):
        assert variable.method is not None
        assert factor.name in variable.method
        assert len(variable.label) <= 40
    columns = spec.columns
    assert columns[columns.index("TRT01A") + 1 : columns.index("RANDDT")] == tuple(
        v.name for v in strata
    )
    assert "STRATA" not in columns


def test_builtin_definition_is_the_default_protocols() -> None:
    assert ADSL.columns == adsl_spec(builtin("NCT02672488").stratification).columns
