"""The casebook services' boundary: what comes in is checked by a model, what goes out is frozen.

A casebook service takes keyword arguments (the CLI's options, the web's form or JSON, the
virtual trial's values) and checks them first against the pydantic model of its entry — types,
dates, allowed codes, lengths — before it reads anything (:func:`checked`); the first fault is an
:class:`~metsor.errors.InputError` naming the field (:func:`metsor.validation.input_error`).
The rules that need the subject's record (date order, one entry a day, the arm's drugs) are
the service's own, after that. The same model is the web's JSON body, less the subject (in the
path), so a field's type and bounds are written once.

What a service gives back is a frozen record of what was stored, never
the stored row (:class:`metsor.services.records.FrozenRecord`): a caller cannot change the
database by changing the result, and a face reads plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from metsor.errors import InputError
from metsor.services.records import FrozenRecord
from metsor.validation import input_error

__all__ = [
    "CasebookInput",
    "Day",
    "FrozenRecord",
    "Whole",
    "checked",
    "one_of",
    "ruled_by",
    "set_changed",
]


def _day(value: object) -> object:
    """A date from a ``date`` or ISO text; a date and time, or anything else, refused."""
    if isinstance(value, datetime):
        raise ValueError("must be a date, not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a date (YYYY-MM-DD), got {value!r}")


Day = Annotated[date, BeforeValidator(_day)]
"""A calendar day, given as a ``date`` or as ISO text (``2016-03-01``)."""


def _whole(value: object) -> object:
    """True and False refused as numbers (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number, got {value!r}")
    return value


Whole = Annotated[int, BeforeValidator(_whole)]
"""A whole number, given as an ``int``, a whole ``float`` or its text (``"3"``); not a bool."""


def one_of(options: tuple[str, ...]) -> AfterValidator:
    """A check that a text is one of ``options``, naming them when it is not.

    Examples
    --------
    >>> from typing import Annotated
    >>> Method = Annotated[str, one_of(("visit", "phone"))]
    """

    def check(value: str) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}; got {value!r}")
        return value

    return AfterValidator(check)


def ruled_by(rule: Callable[[Any], Any]) -> AfterValidator:
    """A check by a rule of :mod:`metsor.clinical` (a plausible range, a unit), its
    :class:`~metsor.errors.InputError` kept as the field's message; the value it returns
    (a unit's accepted spelling) is the field's.

    Examples
    --------
    >>> from metsor.clinical.plausibility import check_vital_sign
    >>> Pulse = Annotated[int, ruled_by(lambda v: int(check_vital_sign("heart_rate_bpm", v)))]
    """

    def check(value: Any) -> Any:
        try:
            return rule(value)
        except InputError as exc:
            raise ValueError(exc.message) from None

    return AfterValidator(check)


class CasebookInput(BaseModel):
    """Base of the casebook services' input models: unknown fields refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Input = TypeVar("Input", bound=BaseModel)


def checked(model: type[Input], values: Mapping[str, Any]) -> Input:
    """``values`` checked against ``model``.

    Parameters
    ----------
    model
        The entry's input model.
    values
        The values the service was given, by field name.

    Returns
    -------
    BaseModel
        The checked input.

    Raises
    ------
    InputError
        The first value the model refuses, naming its field (others follow in the message).
    """
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        raise input_error(exc) from None


def set_changed(row: object, given: BaseModel, names: tuple[str, ...] | None = None) -> None:
    """Set on a stored ``row`` each value of ``given`` (of its fields ``names``, default all)
    that differs from the row's: a corrected row, checked again through its input model,
    takes the model's spelling."""
    for name in type(given).model_fields if names is None else names:
        value = getattr(given, name)
        if getattr(row, name) != value:
            setattr(row, name, value)
