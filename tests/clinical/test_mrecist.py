"""mRECIST time-point response (Lencioni & Llovet, Semin Liver Dis 2010;30:52–60): viable
(arterially enhancing) diameters; CR no enhancement in any target; PR ≥ 30% below baseline;
PD ≥ 20% above nadir with no 5 mm rule, or a new lesion ≥ 1 cm."""

from __future__ import annotations

import datetime

import pytest

from metsor.clinical import recist
from metsor.clinical.mrecist import sum_of_viable_diameters, timepoint_response, validate_baseline
from metsor.clinical.tumour import Assessment, Lesion
from metsor.errors import InputError

BASE_DAY = datetime.date(2016, 3, 1)


def day(n: int) -> datetime.date:
    return BASE_DAY + datetime.timedelta(days=n)


def hcc(lesion_id: str, viable: float | None, total: float = 40.0) -> Lesion:
    enhancing = None if viable is None else viable > 0
    return Lesion(
        lesion_id, "liver", "target", total, viable_diameter_mm=viable, enhancing=enhancing
    )


def scan(n: int, *viable: float | None, new: tuple[Lesion, ...] = ()) -> Assessment:
    lesions = tuple(hcc(f"T{i}", v) for i, v in enumerate(viable, start=1))
    return Assessment(day(n), lesions + new, "absent")


BASELINE = scan(0, 30.0, 20.0)  # viable sum 50 mm


@pytest.mark.parametrize(
    ("viable", "response"),
    [
        ((21.0, 14.0), "PR"),  # exactly −30%
        ((21.0, 14.5), "SD"),
        ((36.0, 24.0), "PD"),  # exactly +20%
        ((35.9, 24.0), "SD"),
        ((0.0, 0.0), "CR"),  # no enhancement in any target
        ((0.0, 5.0), "PR"),  # −90% but enhancement persists
    ],
)
def test_viable_diameter_boundaries(viable: tuple[float, float], response: str) -> None:
    assert timepoint_response(BASELINE, [], scan(60, *viable)) == response


def test_no_five_mm_rule() -> None:
    """Nadir 20 mm, 24 mm viable: +20%, +4 mm. mRECIST PD; RECIST 1.1 SD."""
    baseline = scan(0, 20.0)
    current = scan(60, 24.0)
    assert timepoint_response(baseline, [], current) == "PD"
    recist_baseline = Assessment(day(0), (Lesion("T1", "liver", "target", 20.0),))
    recist_current = Assessment(day(60), (Lesion("T1", "liver", "target", 24.0),), "absent")
    assert recist.timepoint_response(recist_baseline, [], recist_current) == "SD"


def test_necrosis_without_shrinkage_is_response() -> None:
    """The whole point of mRECIST: a lesion of unchanged size whose viable part shrank."""
    current = Assessment(
        day(60), (hcc("T1", 10.0, total=40.0), hcc("T2", 5.0, total=30.0)), "absent"
    )
    assert timepoint_response(BASELINE, [], current) == "PR"
    assert sum_of_viable_diameters(BASELINE, current) == 15.0


def test_non_enhancing_lesion_adds_zero() -> None:
    current = Assessment(
        day(60),
        (
            Lesion("T1", "liver", "target", 40.0, enhancing=False),
            Lesion("T2", "liver", "target", 30.0, enhancing=False),
        ),
        "absent",
    )
    assert timepoint_response(BASELINE, [], current) == "CR"


def test_reappearing_enhancement_after_complete_response_is_progression() -> None:
    history = [scan(60, 0.0, 0.0)]
    assert timepoint_response(BASELINE, history, scan(120, 3.0, 0.0)) == "PD"


@pytest.mark.parametrize(("size", "response"), [(9.9, "SD"), (10.0, "PD"), (None, "PD")])
def test_new_lesion_counts_from_one_centimetre(size: float | None, response: str) -> None:
    """New intrahepatic lesion ≥ 1 cm is PD (Lencioni & Llovet 2010); unsized counts."""
    new = (Lesion("N1", "liver", "new", size),)
    assert timepoint_response(BASELINE, [], scan(60, 30.0, 20.0, new=new)) == response


def test_missing_viable_measurement_is_not_evaluable() -> None:
    assert timepoint_response(BASELINE, [], scan(60, 30.0, None)) == "NE"


class TestBaseline:
    def test_target_must_enhance(self) -> None:
        lesion = Lesion("T1", "liver", "target", 30.0, enhancing=False)
        with pytest.raises(InputError, match="lesion 'T1': an mRECIST target must show"):
            validate_baseline(Assessment(day(0), (lesion,)))

    @pytest.mark.parametrize(("viable", "ok"), [(9.9, False), (10.0, True), (None, False)])
    def test_viable_diameter_at_least_ten_mm(self, viable: float | None, ok: bool) -> None:
        baseline = Assessment(
            day(0), (Lesion("T1", "liver", "target", 30.0, viable_diameter_mm=viable),)
        )
        if ok:
            assert validate_baseline(baseline)[0].lesion_id == "T1"
        else:
            with pytest.raises(InputError, match="lesion 'T1': an mRECIST target needs"):
                validate_baseline(baseline)

    def test_recist_limits_on_count_apply(self) -> None:
        lesions = tuple(
            Lesion(f"T{i}", f"organ{i}", "target", 20.0, viable_diameter_mm=20.0)
            for i in range(1, 7)
        )
        with pytest.raises(InputError, match=r"lesion 'T6'.*mRECIST allows at most 5"):
            validate_baseline(Assessment(day(0), lesions))
