"""Any text typed into a casebook form is recorded, or refused with a message on the page —
never a server error: numbers as words, non-finite and huge numbers, other scripts' digits,
control characters."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import WebServer, csrf_of
from .enrolled import randomized_days_ago

Login = Callable[[str], httpx.Client]

#: Text a person (or a pasted cell) may put in a field.
TYPED = st.one_of(
    st.sampled_from(
        ["", " ", "nan", "inf", "-inf", "1e999", "-0", "120.5", "١٢٠", "0x10", "12,5", "∞"]
    ),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)

_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def _answered(answer: httpx.Response) -> None:
    assert answer.status_code in (303, 409, 422), answer.text
    if answer.status_code != 303:
        assert 'class="error"' in answer.text or 'class="alert"' in answer.text


@pytest.fixture
def subject(web_server: WebServer) -> str:
    subject_id, _, _ = randomized_days_ago(web_server, 30)
    return subject_id


@pytest.fixture
def coordinator(login: Login) -> tuple[httpx.Client, str]:
    """A coordinator logged in once for every example, with the session's CSRF token."""
    client = login("coord_tj")
    return client, csrf_of(client.get("/subjects").text)


@_SETTINGS
@given(
    field=st.sampled_from(
        ["measured_on", "systolic_mmhg", "diastolic_mmhg", "temperature_c", "weight_kg", "ecog"]
    ),
    text=TYPED,
)
def test_vital_signs_form_takes_any_text(
    coordinator: tuple[httpx.Client, str], subject: str, field: str, text: str
) -> None:
    client, token = coordinator
    form = {"systolic_mmhg": "120", "diastolic_mmhg": "80", field: text}
    path = f"/subjects/{subject}/casebook/vital-signs"
    _answered(client.post(path, data={"csrf_token": token, **form}))


@_SETTINGS
@given(
    field=st.sampled_from(
        [
            "lesions.0.diameter_mm",
            "lesions.0.kind",
            "lesions.0.enhancing",
            "lesions.4.organ",
            "method",
            "non_target_status",
            "new_lesion",
        ]
    ),
    text=TYPED,
)
def test_tumour_form_takes_any_text(
    coordinator: tuple[httpx.Client, str], subject: str, field: str, text: str
) -> None:
    client, token = coordinator
    path = f"/subjects/{subject}/casebook/tumour"
    form = {
        "lesions.0.lesion_id": "T1",
        "lesions.0.organ": "liver",
        "lesions.0.kind": "target",
        "lesions.0.diameter_mm": "40",
        field: text,
    }
    _answered(client.post(path, data={"csrf_token": token, **form}))
