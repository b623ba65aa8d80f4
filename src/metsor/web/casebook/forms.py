"""A casebook form's text fields read through the API's schema, so both check input alike.

:func:`read_form` turns the submitted text (empty meaning "not given") into the entry's
pydantic model — the very schema the JSON API takes — and raises
:class:`~metsor.errors.InputError` naming the form field of the first bad value. Lesion rows
of a tumour assessment are named ``lesions.<row>.<field>``, a visit's laboratory values
``labs.<row>.<field>`` and its adverse events ``adverse_events.<row>.<field>`` (an event's
relatedness to a study drug ``adverse_events.<row>.relatedness.<drug>``); blank rows are left
out. A group of fields that the entry takes as one part (the vital signs of a visit's page) is
named ``<part>.<field>``: the part is given when any of its fields is.

A service's error about an adverse event of a visit's page names the event's field only
(``grade``); :func:`form_field_of` places it beside that field of the event's row when the page
gives one event, beside the page's events otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from metsor.errors import InputError, MetsorError
from metsor.web.casebook.schemas import AdverseEventIn, LesionIn
from metsor.web.faults import fault_message

__all__ = ["LESION_FIELDS", "FormRows", "form_field_of", "read_form"]

_M = TypeVar("_M", bound=BaseModel)

#: Form fields that are not part of any entry.
_NOT_ENTRY = frozenset({"csrf_token"})

#: The parts of an entry that its form gives as a group of fields (``vital_signs.ecog``,
#: ``relatedness.sorafenib``).
_PARTS = frozenset({"vital_signs", "relatedness", "action_taken"})


def _part(form: Mapping[str, str], name: str) -> dict[str, str] | None:
    """The fields of part ``name`` given (non-blank), or None when none is."""
    given = {
        key.partition(".")[2]: value.strip()
        for key, value in form.items()
        if key.partition(".")[0] == name and value.strip()
    }
    return given or None


#: The entries' tables of rows on a form: a tumour assessment's lesions, a visit's
#: laboratory values (``labs.<row>.<field>``) and adverse events.
_ROWS = ("lesions", "labs", "adverse_events")

#: The parts of a table's row given as a group of fields (an adverse event's relatedness
#: and action for each study drug): a given row has them, empty when none is chosen, so that
#: the service names the drug missing.
_ROW_PARTS = {"adverse_events": ("relatedness", "action_taken")}

FormRows = dict[str, list[int]]
"""The form row number of each row given, by table (``{"labs": [0, 4]}``)."""


def _rows(form: Mapping[str, str], name: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows of table ``name`` given (non-blank), and the form row number of each."""
    rows: dict[int, dict[str, Any]] = {}
    for key, value in form.items():
        head, _, rest = key.partition(".")
        if head != name or not value.strip():
            continue
        row, _, field = rest.partition(".")
        if row.isdigit() and field:
            given = rows.setdefault(int(row), {part: {} for part in _ROW_PARTS.get(name, ())})
            part, _, item = field.partition(".")
            if item and part in _ROW_PARTS.get(name, ()):
                given[part][item] = value.strip()
            else:
                given[field] = value.strip()
    numbers = sorted(rows)
    return [rows[n] for n in numbers], numbers


def read_form(model: type[_M], form: Mapping[str, str]) -> tuple[_M, FormRows]:
    """The entry of ``form`` as ``model``.

    Parameters
    ----------
    model
        The entry's schema (its JSON API body).
    form
        The submitted text fields.

    Returns
    -------
    tuple
        The entry, and the form row number of each row it lists, by table (the lesions of a
        tumour assessment; the laboratory values and adverse events of a visit's page).

    Raises
    ------
    InputError
        Naming the form field of the first value the schema refuses.
    """
    data: dict[str, Any] = {
        key: value.strip()
        for key, value in form.items()
        if key not in _NOT_ENTRY and "." not in key and value.strip()
    }
    numbers: FormRows = {}
    for table in (name for name in _ROWS if name in model.model_fields):
        rows, numbers[table] = _rows(form, table)
        if rows or table == "lesions":  # no laboratory row given: no panel
            data[table] = rows
    for name in _PARTS.intersection(model.model_fields):
        part = _part(form, name)
        if part is not None:
            data[name] = part
    try:
        return model.model_validate(data), numbers
    except ValidationError as exc:
        raise _first_error(exc, numbers) from None


#: The fields of a lesion row.
LESION_FIELDS = frozenset(LesionIn.model_fields)


#: The fields of an adverse event.
_EVENT_FIELDS = frozenset(AdverseEventIn.model_fields)


def form_field_of(exc: MetsorError, rows: FormRows) -> str:
    """The form field a service's error names.

    A lesion's field within its form row when the error gives the row, the lesion table
    (``lesions``) when it names a lesion's field only. An adverse event's field of a visit's
    page (the service names the field, not the event) within the event's row when the page
    gives one event, the page's events (``adverse_events``) when it gives several.
    """
    field = exc.field or "form"
    lesions = rows.get("lesions", [])
    if exc.row is not None and 0 < exc.row <= len(lesions):
        row = lesions[exc.row - 1]
        return f"lesions.{row}.{field if field in LESION_FIELDS else 'lesion_id'}"
    if field in LESION_FIELDS:
        return "lesions"
    events = rows.get("adverse_events", [])
    table, _, placed = field.partition(".")
    index, _, rest = placed.partition(".")
    if table == "adverse_events" and index.isdigit() and int(index) < len(events):
        return f"adverse_events.{events[int(index)]}.{rest}"
    if events and field.partition(".")[0] in _EVENT_FIELDS:
        return f"adverse_events.{events[0]}.{field}" if len(events) == 1 else "adverse_events"
    return field


def _first_error(exc: ValidationError, numbers: FormRows) -> InputError:
    """The first field the schema refuses, named as the form names it.

    A form field is text, so of the errors of a field that may hold one of several types (a
    correction's value) the one about text — the union's last member — is the one to show.
    A check of the entry's own (a plausible range, an allowed code) is shown in its words,
    without pydantic's "Value error," before them.
    """
    errors = exc.errors()
    where = [str(part) for part in errors[0]["loc"]]
    if len(where) > 1 and where[0] in _ROWS and where[1].isdigit():
        depth = 4 if len(where) > 3 and where[2] in _ROW_PARTS.get(where[0], ()) else 3
        row = numbers[where[0]][int(where[1])]
        field = ".".join((where[0], str(row), *where[2:depth]))
        same = [e for e in errors if [str(p) for p in e["loc"][:depth]] == where[:depth]]
    elif len(where) > 1 and where[0] in _PARTS:
        field = ".".join(where[:2])
        same = [e for e in errors if [str(p) for p in e["loc"][:2]] == where[:2]]
    else:
        field = where[0]
        same = [e for e in errors if str(e["loc"][0]) == field]
    return InputError(f"{field}: {fault_message(same[-1])}", field=field)
