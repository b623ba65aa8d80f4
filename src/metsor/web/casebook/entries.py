"""The casebook's entry pages: visits, vital signs, dosing, new anticancer therapies, survival
contacts, death and withdrawal (:data:`metsor.web.casebook.sections.SECTIONS`).

Each page lists the subject's records — every value linked to its audit history, and to its
correction where the user may correct — and the form that records a new one through the
section's service, one audited transaction. A bad value shows the form again with the message
next to its field and the other values kept; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import ConflictError, InputError
from metsor.services.casebook_view import CORRECTABLE_FIELDS, may, subject_casebook
from metsor.services.context import ServiceContext
from metsor.services.reports import subject_row
from metsor.web.casebook.forms import FormRows, form_field_of, read_form
from metsor.web.casebook.sections import (
    ADVERSE_EVENT_ROWS,
    LAB_CELLS,
    LAB_ROWS,
    SECTIONS,
    Input,
    Section,
)
from metsor.web.dependencies import PageUser, checked_form, render, state_of, work
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.security import Principal

__all__ = ["page_context", "rights_of", "router", "submit_entry"]

router = APIRouter(include_in_schema=False, route_class=PermissionFirstRoute)


def rights_of(user: Principal) -> dict[str, Any]:
    """What the user may do (``may``), which fields are correctable, the casebook's menu."""
    return {"may": may(user.role), "correctable": CORRECTABLE_FIELDS, "sections": SECTIONS}


def page_context(request: Request, user: Principal, subject_id: str) -> dict[str, Any]:
    """What every casebook page shows: the casebook, the user's rights, today, the menu."""
    with work(request, user, readonly=True) as ctx:
        view = subject_casebook(ctx, subject_id)
    queried = {
        (q["table"], q["record_id"], q["field"]) for q in view.queries if q["status"] != "closed"
    }
    return {
        "book": view,
        "queried": queried,
        "today": state_of(request).database.clock().date().isoformat(),
        **rights_of(user),
    }


def _section_page(
    request: Request,
    user: Principal,
    subject_id: str,
    section: Section,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = page_context(request, user, subject_id)
    book = context["book"]
    inputs = section.inputs(book)
    events = () if section.events is None else section.events(book)
    lab_rows = range(LAB_ROWS if section.panel else 0)
    event_rows = range(ADVERSE_EVENT_ROWS if events else 0)
    context.update(
        section=section,
        rows=section.rows(book),
        inputs=inputs,
        lab_rows=lab_rows,
        lab_cells=LAB_CELLS,
        event_inputs=events,
        event_rows=event_rows,
        placed=_placed(inputs, lab_rows, events, event_rows),
        errors=errors or {},
        values=values or {},
        submitted=values is not None,
    )
    return render(
        request, "casebook_section.html.j2", context, principal=user, status_code=status_code
    )


def _placed(
    inputs: tuple[Input, ...],
    lab_rows: range,
    events: tuple[Input, ...],
    event_rows: range,
) -> frozenset[str]:
    """The form fields beside which the form shows an error (any other error is shown above
    the form): its inputs, the cells of its tables and the tables themselves."""
    cells = [f"labs.{row}.{name}" for row in lab_rows for name in LAB_CELLS]
    cells += [f"adverse_events.{row}.{f.name}" for row in event_rows for f in events]
    tables = ("labs",) * bool(lab_rows) + ("adverse_events",) * bool(event_rows)
    return frozenset((*(f.name for f in inputs), *cells, *tables))


async def submit_entry(
    request: Request,
    user: Principal,
    subject_id: str,
    write: Callable[[ServiceContext, Mapping[str, str], FormRows], None],
    reason: str,
    shown_again: Callable[[Mapping[str, str], Mapping[str, str], int], Response],
    done: str,
) -> Response:
    """Record the submitted form through ``write`` in one audited transaction.

    The user's right to enter casebook data is checked by the route before the form is read
    (:func:`~metsor.web.permissions.acts`: 403), their right to see the subject first here
    (404); a value the schema or the service refuses shows the form again (``shown_again``
    with the errors by field, the values and 422, or 409 for a conflict with what is
    recorded), nothing written; otherwise the browser is sent to ``done``. ``write`` notes
    in its third argument the form rows it passed on (:func:`~.forms.read_form`'s), by which
    a service's error about a lesion or an adverse event is placed beside its row.
    """
    form = await checked_form(request)
    rows: FormRows = {}

    def run() -> None:
        with work(request, user, reason=reason) as ctx:
            subject_row(ctx, subject_id)  # 404 for a subject the user may not see
            write(ctx, form, rows)

    try:
        await run_in_threadpool(run)
    except (InputError, ConflictError) as exc:
        errors = {form_field_of(exc, rows): exc.message}
        status = 409 if isinstance(exc, ConflictError) else 422
        return await run_in_threadpool(lambda: shown_again(errors, form, status))
    return RedirectResponse(done, status_code=303)


def _add_routes(section: Section) -> None:
    """The page of ``section`` (``GET``) and its form's target (``POST``)."""
    path = f"/subjects/{{subject_id}}/casebook/{section.slug}"

    def page(request: Request, user: PageUser, subject_id: str) -> Response:
        return _section_page(request, user, subject_id, section)

    @acts("enter_casebook")
    async def entry(request: Request, user: PageUser, subject_id: str) -> Response:
        def write(ctx: ServiceContext, form: Mapping[str, str], rows: FormRows) -> None:
            body, numbers = read_form(section.model, form)
            rows.update(numbers)
            section.record(ctx, subject_id=subject_id, **body.model_dump())

        def shown_again(
            errors: Mapping[str, str], values: Mapping[str, str], status: int
        ) -> Response:
            return _section_page(
                request, user, subject_id, section, errors=errors, values=values,
                status_code=status,
            )  # fmt: skip

        return await submit_entry(
            request, user, subject_id, write, section.reason, shown_again,
            f"/subjects/{subject_id}/casebook/{section.slug}",
        )  # fmt: skip

    page.__doc__ = f"{section.title}: the subject's records and the form for a new one."
    entry.__doc__ = f"Record a new {section.noun}."
    router.add_api_route(path, page, methods=["GET"], name=f"casebook-{section.slug}")
    router.add_api_route(path, entry, methods=["POST"], name=f"casebook-{section.slug}-entry")


for _section_of_page in SECTIONS.values():
    _add_routes(_section_of_page)
