"""RECIST 1.1 time-point response.

Rules from Eisenhauer et al., Eur J Cancer 2009;45:228–247: ≤ 5 targets, ≤ 2 per organ,
non-nodal targets ≥ 10 mm, nodal targets ≥ 15 mm short axis; CR all targets gone and nodes
< 10 mm; PR ≥ 30% below baseline sum; PD ≥ 20% above nadir and ≥ 5 mm absolute, or new
lesion, or unequivocal non-target progression (tables 1 and 2).
"""

from __future__ import annotations

import datetime

import pytest

from metsor.clinical.recist import sum_of_diameters, timepoint_response, validate_baseline
from metsor.clinical.tumour import Assessment, Lesion
from metsor.errors import InputError

BASE_DAY = datetime.date(2016, 3, 1)


def day(n: int) -> datetime.date:
    return BASE_DAY + datetime.timedelta(days=n)


def targets(*sizes: float | None, organ: str = "liver") -> tuple[Lesion, ...]:
    """Non-nodal targets T1, T2, ... in distinct organs unless ``organ`` is shared."""
    return tuple(
        Lesion(f"T{i}", f"{organ}{i}", "target", size) for i, size in enumerate(sizes, start=1)
    )


def scan(n: int, *sizes: float | None, non_target: str = "absent", new: bool = False) -> Assessment:
    return Assessment(day(n), targets(*sizes), non_target, new)  # type: ignore[arg-type]


BASELINE = scan(0, 30.0, 20.0)  # sum 50 mm


@pytest.mark.parametrize(
    ("sizes", "response"),
    [
        ((21.0, 14.0), "PR"),  # 35 mm: exactly −30%
        ((21.0, 14.5), "SD"),  # 35.5 mm: −29%
        ((20.0, 14.0), "PR"),  # 34 mm: −32%
        ((30.0, 20.0), "SD"),  # no change
        ((36.0, 24.0), "PD"),  # 60 mm: exactly +20% over nadir 50, +10 mm
        ((35.9, 24.0), "SD"),  # 59.9 mm: +19.8%
        ((0.0, 0.0), "CR"),
    ],
)
def test_target_response_boundaries(sizes: tuple[float, float], response: str) -> None:
    assert timepoint_response(BASELINE, [], scan(60, *sizes)) == response


def test_twenty_percent_under_five_mm_is_not_progression() -> None:
    """Nadir 20 mm; 24 mm is +20% but only +4 mm: SD. 25 mm (+25%, +5 mm) is PD."""
    baseline = scan(0, 20.0)
    assert timepoint_response(baseline, [], scan(60, 24.0)) == "SD"
    assert timepoint_response(baseline, [], scan(60, 25.0)) == "PD"


def test_exactly_five_mm_and_twenty_percent_is_progression() -> None:
    """Nadir 25 mm, 30 mm: +20% and +5 mm exactly."""
    assert timepoint_response(scan(0, 25.0), [], scan(60, 30.0)) == "PD"


def test_progression_is_measured_from_the_nadir_not_baseline() -> None:
    """Baseline 50, nadir 30 at day 60; 36 mm at day 120 is +20% and +6 mm over the nadir
    (PD) though still −28% from baseline."""
    history = [scan(60, 18.0, 12.0)]
    assert timepoint_response(BASELINE, history, scan(120, 22.0, 14.0)) == "PD"
    assert timepoint_response(BASELINE, history, scan(120, 21.0, 14.0)) == "PR"


def test_history_after_current_does_not_set_the_nadir() -> None:
    later = [scan(180, 10.0, 5.0)]
    assert timepoint_response(BASELINE, later, scan(60, 30.0, 20.0)) == "SD"


def test_nadir_ignores_incompletely_measured_time_points() -> None:
    history = [scan(60, 10.0, None)]
    assert timepoint_response(BASELINE, history, scan(120, 30.0, 20.0)) == "SD"


def test_new_lesion_is_progression_whatever_the_targets() -> None:
    assert timepoint_response(BASELINE, [], scan(60, 0.0, 0.0, new=True)) == "PD"
    lesions = (*targets(0.0, 0.0), Lesion("N1", "bone", "new", 4.0))
    assert timepoint_response(BASELINE, [], Assessment(day(60), lesions, "absent")) == "PD"


@pytest.mark.parametrize(
    ("sizes", "non_target", "response"),
    [
        ((0.0, 0.0), "absent", "CR"),
        ((0.0, 0.0), "present", "PR"),
        ((0.0, 0.0), "not_evaluated", "PR"),
        ((20.0, 14.0), "present", "PR"),
        ((30.0, 20.0), "not_evaluated", "SD"),
        ((30.0, 20.0), "unequivocal_progression", "PD"),
        ((0.0, 0.0), "unequivocal_progression", "PD"),
    ],
)
def test_targets_with_non_targets_table_1(
    sizes: tuple[float, float], non_target: str, response: str
) -> None:
    """Eisenhauer 2009, table 1."""
    baseline = Assessment(day(0), (*targets(30.0, 20.0), Lesion("NT1", "bone", "non_target", None)))
    assert timepoint_response(baseline, [], scan(60, *sizes, non_target=non_target)) == response


def test_non_target_status_is_ignored_without_baseline_non_targets() -> None:
    """No non-target lesions at baseline: the default status "present" cannot deny a CR."""
    current = Assessment(day(60), targets(0.0, 0.0))
    assert current.non_target_status == "present"
    assert timepoint_response(BASELINE, [], current) == "CR"


@pytest.mark.parametrize(
    ("non_target", "response"),
    [
        ("absent", "CR"),
        ("present", "SD"),
        ("not_evaluated", "NE"),
        ("unequivocal_progression", "PD"),
    ],
)
def test_non_target_disease_only_table_2(non_target: str, response: str) -> None:
    """Eisenhauer 2009, table 2; non-CR/non-PD is reported as SD."""
    baseline = Assessment(day(0), (Lesion("NT1", "bone", "non_target", None),))
    current = Assessment(day(60), (), non_target)  # type: ignore[arg-type]
    assert timepoint_response(baseline, [], current) == response


def test_missing_target_is_not_evaluable_unless_progression_is_already_shown() -> None:
    assert timepoint_response(BASELINE, [], scan(60, 30.0, None)) == "NE"
    # 61 mm measured in one lesion alone is > +20% and > +5 mm over the nadir of 50
    assert timepoint_response(BASELINE, [], scan(60, 61.0, None)) == "PD"
    omitted = Assessment(day(60), targets(30.0)[:1], "absent")
    assert timepoint_response(BASELINE, [], omitted) == "NE"


def node(lesion_id: str, short_axis: float, kind: str = "target") -> Lesion:
    return Lesion(lesion_id, "lymph node", kind, None, is_lymph_node=True, short_axis_mm=short_axis)  # type: ignore[arg-type]


def test_nodes_below_ten_mm_count_as_complete_response() -> None:
    """CR needs every node < 10 mm short axis; the sum need not be 0."""
    baseline = Assessment(day(0), (*targets(20.0), node("N1", 20.0)))
    cr = Assessment(day(60), (*targets(0.0), node("N1", 9.9)), "absent")
    pr = Assessment(day(60), (*targets(0.0), node("N1", 10.0)), "absent")
    assert timepoint_response(baseline, [], cr) == "CR"
    assert timepoint_response(baseline, [], pr) == "PR"
    assert sum_of_diameters(baseline, cr) == pytest.approx(9.9)


def test_reappearance_after_complete_response_is_progression() -> None:
    """Nadir 0 mm: a 5 mm reappearance is PD; a 4 mm one misses the 5 mm rule and, at −92%
    from baseline, is PR."""
    history = [scan(60, 0.0, 0.0)]
    assert timepoint_response(BASELINE, history, scan(120, 5.0, 0.0)) == "PD"
    assert timepoint_response(BASELINE, history, scan(120, 4.0, 0.0)) == "PR"


class TestBaselineSelection:
    """Eisenhauer 2009, section 4.2: ≤ 5 targets, ≤ 2 per organ, size minimums."""

    def test_five_targets_two_per_organ_is_accepted(self) -> None:
        lesions = targets(10.0, 11.0, 12.0, 13.0, 14.0)
        assert len(validate_baseline(Assessment(day(0), lesions))) == 5

    def test_sixth_target_is_refused_by_name(self) -> None:
        with pytest.raises(InputError, match="lesion 'T6' is target number 6"):
            validate_baseline(Assessment(day(0), targets(*[20.0] * 6)))

    def test_third_target_in_an_organ_is_refused(self) -> None:
        with pytest.raises(InputError, match=r"lesion 'T3' is target number 3 in 'Liver'"):
            validate_baseline(
                Assessment(
                    day(0),
                    (
                        Lesion("T1", "liver", "target", 20.0),
                        Lesion("T2", "liver", "target", 20.0),
                        Lesion("T3", "Liver", "target", 20.0),
                    ),
                )
            )

    @pytest.mark.parametrize(("size", "ok"), [(9.9, False), (10.0, True), (10.1, True)])
    def test_non_nodal_minimum_ten_mm(self, size: float, ok: bool) -> None:
        baseline = Assessment(day(0), targets(size))
        if ok:
            validate_baseline(baseline)
        else:
            with pytest.raises(InputError, match=r"lesion 'T1': a RECIST 1\.1 target must measure"):
                validate_baseline(baseline)

    @pytest.mark.parametrize(("short_axis", "ok"), [(14.9, False), (15.0, True)])
    def test_nodal_minimum_fifteen_mm_short_axis(self, short_axis: float, ok: bool) -> None:
        baseline = Assessment(day(0), (node("N1", short_axis),))
        if ok:
            validate_baseline(baseline)
        else:
            with pytest.raises(InputError, match=r"lesion 'N1': a lymph node is a RECIST 1\.1"):
                validate_baseline(baseline)

    def test_unmeasured_target_and_new_lesion_are_refused(self) -> None:
        with pytest.raises(InputError, match="lesion 'T1'"):
            validate_baseline(Assessment(day(0), targets(None)))
        with pytest.raises(InputError, match="lesion 'X'"):
            validate_baseline(Assessment(day(0), (Lesion("X", "lung", "new", 12.0),)))


def test_follow_up_target_unknown_at_baseline_is_refused() -> None:
    current = Assessment(day(60), (*targets(30.0, 20.0), Lesion("T9", "lung", "target", 12.0)))
    with pytest.raises(InputError, match="lesion 'T9'"):
        timepoint_response(BASELINE, [], current)


def test_current_must_follow_baseline() -> None:
    with pytest.raises(InputError, match="not after the baseline"):
        timepoint_response(BASELINE, [], scan(0, 30.0, 20.0))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"diameter_mm": -1.0}, "diameter_mm"),
        ({"kind": "nontarget"}, "kind"),
        ({"lesion_id": ""}, "lesion_id"),
        ({"enhancing": False, "viable_diameter_mm": 5.0}, "viable_diameter_mm"),
    ],
)
def test_lesion_checks_its_fields(kwargs: dict[str, object], field: str) -> None:
    fields: dict[str, object] = {
        "lesion_id": "T1",
        "organ": "liver",
        "kind": "target",
        "diameter_mm": 10.0,
    }
    with pytest.raises(InputError) as info:
        Lesion(**{**fields, **kwargs})  # type: ignore[arg-type]
    assert info.value.field == field


def test_assessment_refuses_duplicate_lesion_ids() -> None:
    with pytest.raises(InputError, match="lesion 'T1' appears twice"):
        Assessment(day(0), (*targets(10.0), *targets(12.0)))
