"""A casebook form refused by its entry's model names the form field, in readable words: the
dosing, therapy, survival contact, death, withdrawal and tumour forms read through the
services' own input models."""

from __future__ import annotations

import pytest

from metsor.errors import InputError
from metsor.web.casebook.forms import read_form
from metsor.web.casebook.schemas import (
    AnticancerTherapyIn,
    DeathIn,
    DoseIn,
    SurvivalContactIn,
    TumourAssessmentIn,
    WithdrawalIn,
)

_LESION = {"lesions.3.lesion_id": "T1", "lesions.3.organ": "liver", "lesions.3.kind": "target"}


@pytest.mark.parametrize(
    ("model", "form", "field", "words"),
    [
        pytest.param(DoseIn, {"drug": "sorafenib", "event": "stop", "event_date": "2026-03-02"},
                     "event", "must be one of start", id="dose-event"),
        pytest.param(DoseIn, {"drug": "sorafenib", "event": "start", "event_date": "2026-02-30"},
                     "event_date", "must be a date", id="dose-date"),
        pytest.param(AnticancerTherapyIn,
                     {"name": "TACE", "category": "herbal", "started_on": "2026-03-02"},
                     "category", "must be one of systemic", id="therapy-category"),
        pytest.param(SurvivalContactIn,
                     {"contact_on": "2026-03-02", "status": "well", "method": "phone"},
                     "status", "must be one of alive", id="contact-status"),
        pytest.param(DeathIn, {"death_date": "2026-03-02", "cause": "old age"}, "cause",
                     "must be one of disease_progression", id="death-cause"),
        pytest.param(WithdrawalIn,
                     {"kind": "consent_withdrawn", "withdrawn_on": "2026-03-02", "reason": "x",
                      "last_contact_date": "yesterday"},
                     "last_contact_date", "must be a date", id="withdrawal-last-contact"),
        pytest.param(TumourAssessmentIn, {"assessed_on": "2026-03-02", "method": "PET"},
                     "method", "must be one of CT, MRI", id="tumour-method"),
        pytest.param(TumourAssessmentIn,
                     {"assessed_on": "2026-03-02", **_LESION, "lesions.3.diameter_mm": "-3"},
                     "lesions.3.diameter_mm", "lesion 'T1': diameter_mm -3 mm is outside",
                     id="tumour-lesion-length"),
        pytest.param(TumourAssessmentIn,
                     {"assessed_on": "2026-03-02", **_LESION, "lesions.3.kind": "tgt"},
                     "lesions.3.kind", "must be one of target", id="tumour-lesion-kind"),
    ],
)  # fmt: skip
def test_a_refused_form_names_its_field(
    model: type, form: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_form(model, form)
    assert caught.value.field == field
    assert caught.value.message.startswith(f"{field}: ")
    assert words in caught.value.message


def test_a_form_is_read_as_the_service_takes_it() -> None:
    form = {"assessed_on": "2026-03-02", **_LESION, "lesions.3.diameter_mm": "12",
            "lesions.3.enhancing": "yes", "lesions.3.viable_diameter_mm": "10"}  # fmt: skip
    entry, rows = read_form(TumourAssessmentIn, form)
    assert rows == {"lesions": [3]}
    assert entry.lesions[0].enhancing is True
    assert entry.lesions[0].diameter_mm == 12.0
