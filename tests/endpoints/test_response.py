"""Best overall response and objective response within 12 months (RECIST 1.1 §4.4, Eisenhauer
et al. 2009; mRECIST, Lencioni & Llovet 2010). The 12-month window is 365 days, the same
horizon as the time-to-event endpoints (STATISTICS-REFERENCE.md: ORR within 12 months)."""

from __future__ import annotations

import pytest

from metsor.endpoints import best_response
from metsor.errors import InputError

from .builders import course, day, scan


def test_best_of_the_series_by_each_criterion() -> None:
    subject = course(alive=400, scans=(scan(56, "SD", "SD"), scan(112, "PR", "SD"),
                                       scan(168, "PD", "PD")))  # fmt: skip
    mrecist = best_response(subject)
    assert (mrecist.response, mrecist.objective_response) == ("PR", True)
    recist = best_response(subject, criterion="recist")
    assert (recist.response, recist.objective_response) == ("SD", False)


@pytest.mark.parametrize(
    ("response_day", "expected"),
    [(364, "CR"), (365, "CR"), (366, "SD")],
)
def test_window_boundary_at_twelve_months(response_day: int, expected: str) -> None:
    """floor(12 × 30.4375) = 365 days: a CR on day 365 counts, one on day 366 does not."""
    subject = course(alive=500, scans=(scan(56, "SD"), scan(response_day, "CR")))
    assert best_response(subject).response == expected
    assert best_response(subject, window_months=None).response == "CR"


def test_responses_after_first_progression_do_not_count() -> None:
    subject = course(alive=400, scans=(scan(56, "PD"), scan(112, "PR")))
    assert best_response(subject).response == "PD"


def test_responses_after_new_therapy_do_not_count() -> None:
    subject = course(alive=400, therapy=100, scans=(scan(56, "SD"), scan(100, "SD"),
                                                    scan(112, "PR")))  # fmt: skip
    result = best_response(subject)
    assert (result.response, result.assessments_counted) == ("SD", 2)


def test_cutoff() -> None:
    subject = course(alive=400, scans=(scan(56, "SD"), scan(112, "PR")))
    assert best_response(subject, cutoff=day(100)).response == "SD"
    assert best_response(subject, cutoff=day(112)).response == "PR"


def test_inadequate_assessment_is_not_evaluable_unless_pd() -> None:
    assert best_response(course(scans=(scan(56, "PR", adequate=False),))).response == "NE"
    assert best_response(course(scans=(scan(56, "PD", adequate=False),))).response == "PD"
    assert best_response(course()).response == "NE"


def test_confirmation_when_asked() -> None:
    """RECIST 1.1: confirmation at least 4 weeks later; unconfirmed PR counts as SD."""
    subject = course(alive=400, scans=(scan(56, "PR"), scan(112, "SD")))
    assert best_response(subject, confirmation_required=True).response == "SD"
    confirmed = course(alive=400, scans=(scan(56, "PR"), scan(112, "PR")))
    assert best_response(confirmed, confirmation_required=True).response == "PR"


def test_bad_arguments_named() -> None:
    with pytest.raises(InputError, match="criterion") as info:
        best_response(course(), criterion="irecist")  # type: ignore[arg-type]
    assert info.value.field == "criterion"
    with pytest.raises(InputError, match="window_months must be a positive number") as info:
        best_response(course(), window_months=-1)
    assert info.value.field == "window_months"
