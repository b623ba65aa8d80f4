"""Best overall response (Eisenhauer et al., Eur J Cancer 2009;45:228–247, section 4.4 and
table 3): the best response from randomisation until the first PD; confirmation of CR/PR at
≥ 4 weeks only when required (not in randomised trials with a survival primary endpoint)."""

from __future__ import annotations

import datetime

import pytest

from metsor.clinical.best_response import best_overall_response
from metsor.clinical.tumour import Response
from metsor.errors import InputError

RANDOMIZED = datetime.date(2016, 3, 1)


def series(*pairs: tuple[int, str]) -> list[tuple[datetime.date, Response]]:
    return [(RANDOMIZED + datetime.timedelta(days=d), r) for d, r in pairs]  # type: ignore[misc]


def bor(*pairs: tuple[int, str], **kwargs: object) -> str:
    return best_overall_response(series(*pairs), randomized_on=RANDOMIZED, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (((42, "SD"), (84, "PR"), (126, "SD")), "PR"),
        (((42, "SD"), (84, "PD")), "SD"),
        (((42, "PD"), (84, "PR")), "PD"),  # nothing after the first PD counts
        (((42, "NE"), (84, "NE")), "NE"),
        (((42, "NE"), (84, "PD")), "PD"),
        (((42, "CR"), (84, "PR")), "CR"),
        ((), "NE"),
    ],
)
def test_best_response_without_confirmation(
    pairs: tuple[tuple[int, str], ...], expected: str
) -> None:
    assert bor(*pairs) == expected


def test_order_of_input_does_not_matter() -> None:
    assert bor((84, "PD"), (42, "PR")) == "PR"


def test_responses_before_randomisation_are_ignored() -> None:
    assert bor((-10, "CR"), (42, "SD")) == "SD"


@pytest.mark.parametrize(("day", "expected"), [(365, "PR"), (366, "SD")])
def test_window_is_inclusive(day: int, expected: str) -> None:
    assert bor((42, "SD"), (day, "PR")) == expected


def test_no_window() -> None:
    assert bor((42, "SD"), (800, "PR"), window_days=None) == "PR"


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (((42, "CR"), (70, "CR")), "CR"),  # 28 days: confirmed
        (((42, "CR"), (69, "CR")), "SD"),  # 27 days: not
        (((42, "PR"), (70, "PR")), "PR"),
        (((42, "PR"), (70, "CR")), "PR"),  # table 3: PR then CR is PR
        (((42, "CR"), (70, "PR")), "PR"),
        (((42, "PR"), (84, "SD")), "SD"),  # table 3: PR then SD is SD
        (((42, "PR"), (84, "PD")), "SD"),
        (((42, "PR"), (84, "PD"), (126, "PR")), "SD"),
    ],
)
def test_confirmation(pairs: tuple[tuple[int, str], ...], expected: str) -> None:
    assert bor(*pairs, confirmation_required=True) == expected


def test_minimum_duration_of_stable_disease() -> None:
    """Table 3: an unconfirmed response followed by PD is SD only if the SD minimum is met."""
    assert bor((30, "SD"), (60, "PD"), sd_min_days=42) == "PD"
    assert bor((42, "SD"), (84, "PD"), sd_min_days=42) == "SD"
    assert bor((30, "SD"), sd_min_days=42) == "NE"
    assert bor((30, "PR"), (60, "PD"), confirmation_required=True, sd_min_days=42) == "PD"


@pytest.mark.parametrize(
    ("responses", "kwargs", "field"),
    [
        (series((42, "XX")), {}, "responses"),
        (series((42, "SD"), (42, "PR")), {}, "responses"),
        (series((42, "SD")), {"window_days": -1}, "window_days"),
    ],
)
def test_bad_input(
    responses: list[tuple[datetime.date, Response]], kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InputError) as info:
        best_overall_response(responses, randomized_on=RANDOMIZED, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
