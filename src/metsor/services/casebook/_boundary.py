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

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from metsor.services.records import FrozenRecord
from metsor.validation import input_error

__all__ = ["CasebookInput", "Day", "FrozenRecord", "checked", "one_of"]


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
