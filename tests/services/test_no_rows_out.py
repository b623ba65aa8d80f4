"""No public service gives a face an ORM row: every return annotation is read (issue 9).

A public function of :mod:`metsor.services` (or a subpackage) returns frozen records or plain
values; the tables of :mod:`metsor.store.models` stay inside the service's transaction. A
function whose first parameter is a :class:`~sqlalchemy.orm.Session` works inside another
service's transaction and may hand rows on; so may the few listed in :data:`INTERNAL`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

import metsor.services
from metsor.services.context import ServiceContext
from metsor.services.sites import SiteRecord
from metsor.store.models.casebook import AdverseEvent, AdverseEventDrug
from metsor.store.models.core import Site

ROW_MODULES = "metsor.store.models"

INTERNAL: frozenset[str] = frozenset(
    {
        # The subject's row, locked, for the service that changes it (never called by a face).
        "metsor.services.access.subject_for",
        # A query's row for the service that answers, closes or cites it.
        "metsor.services.casebook.queries.visible_query",
        # A page's records checked and added to the session, unflushed, for record_visit_page
        # (which returns them frozen); the single-record services flush and freeze them.
        "metsor.services.casebook.adverse_events.enter_adverse_event",
        "metsor.services.casebook.labs.enter_lab_panel",
        "metsor.services.casebook.visits.enter_visit",
        "metsor.services.casebook.vital_signs.enter_vital_signs",
    }
)

#: The faces: no module of theirs calls a function of INTERNAL.
FACES = ("cli", "web", "insilico", "report", "export")


def rows_named(annotation: object) -> list[type]:
    """The ORM model classes an annotation names, at any depth (``list[Site] | None``)."""
    if isinstance(annotation, type) and annotation.__module__.startswith(ROW_MODULES):
        return [annotation]
    return [row for argument in typing.get_args(annotation) for row in rows_named(argument)]


def takes_a_session(function: Callable[..., Any], hints: dict[str, Any]) -> bool:
    """Whether the first parameter is a Session (a helper inside another service's work)."""
    parameters = list(inspect.signature(function).parameters)
    return bool(parameters) and hints.get(parameters[0]) is Session


def rows_returned(functions: Iterable[tuple[str, Callable[..., Any]]]) -> dict[str, list[str]]:
    """Qualified name: the row classes returned, for each function that is not a helper."""
    found: dict[str, list[str]] = {}
    for name, function in functions:
        hints = typing.get_type_hints(function)
        rows = rows_named(hints.get("return"))
        if rows and not takes_a_session(function, hints):
            found[name] = [row.__name__ for row in rows]
    return found


def public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every public function defined in a public module of :mod:`metsor.services`."""
    modules = pkgutil.walk_packages(metsor.services.__path__, "metsor.services.")
    for info in modules:
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                not name.startswith("_")
                and inspect.isfunction(value)
                and value.__module__ == module.__name__
            ):
                yield f"{module.__name__}.{name}", value


def test_no_public_service_returns_a_row() -> None:
    returned = rows_returned(public_functions())
    unexpected = {name: rows for name, rows in returned.items() if name not in INTERNAL}
    assert unexpected == {}


def test_the_list_of_internal_functions_is_current() -> None:
    returned = rows_returned(public_functions())
    assert sorted(INTERNAL - returned.keys()) == []


@pytest.mark.parametrize("face", [pytest.param(face, id=face) for face in FACES])
def test_no_face_calls_a_function_that_hands_rows_on(face: str) -> None:
    names = {qualified.rsplit(".", 1)[1] for qualified in INTERNAL}
    folder = Path(metsor.services.__file__).parent.parent / face
    calls = {
        f"{path.relative_to(folder.parent)}:{number}"
        for path in sorted(folder.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for name in names
        if re.search(rf"\b{name}\(", line)
    }
    assert calls == set()


# What the check is shown: functions as a module of services would define them.


def _gives_a_site(ctx: ServiceContext) -> Site:
    raise NotImplementedError


def _gives_sites_or_none(ctx: ServiceContext) -> list[Site] | None:
    raise NotImplementedError


def _gives_an_event_and_drugs(ctx: ServiceContext) -> tuple[AdverseEvent, list[AdverseEventDrug]]:
    raise NotImplementedError


def _gives_a_record(ctx: ServiceContext) -> tuple[SiteRecord, ...]:
    raise NotImplementedError


def _finds_a_site(session: Session, site: str) -> Site:
    raise NotImplementedError


def _gives_nothing(ctx: ServiceContext) -> None:
    raise NotImplementedError


@pytest.mark.parametrize(
    ("function", "rows"),
    [
        pytest.param(_gives_a_site, ["Site"], id="a row"),
        pytest.param(_gives_sites_or_none, ["Site"], id="a list of rows, or None"),
        pytest.param(
            _gives_an_event_and_drugs, ["AdverseEvent", "AdverseEventDrug"], id="nested rows"
        ),
        pytest.param(_gives_a_record, None, id="frozen records"),
        pytest.param(_finds_a_site, None, id="a helper taking a Session"),
        pytest.param(_gives_nothing, None, id="nothing"),
    ],
)
def test_the_check_finds_a_row_however_it_is_returned(
    function: Callable[..., Any], rows: list[str] | None
) -> None:
    found = rows_returned([("service", function)])
    assert found.get("service") == rows
