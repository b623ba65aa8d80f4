"""The tumour assessment page: the assessments with their RECIST 1.1 and mRECIST responses as
the services computed them, and the form for a new one with a row per lesion.

A follow-up's rows start from the baseline's target and non-target lesions (identifier,
organ, kind, lymph node, enhancing), so that the site measures the same lesions again; blank
rows are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from metsor.services.casebook.tumour import record_tumour_assessment
from metsor.services.casebook_view import (
    IMAGING_METHODS,
    LESION_KINDS,
    NON_TARGET_STATUSES,
)
from metsor.services.context import ServiceContext
from metsor.web.casebook.entries import page_context, submit_entry
from metsor.web.casebook.forms import FormRows, read_form
from metsor.web.casebook.schemas import TumourAssessmentIn
from metsor.web.dependencies import PageUser, render
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.security import Principal

__all__ = ["LESION_ROWS", "router"]

router = APIRouter(include_in_schema=False, route_class=PermissionFirstRoute)

LESION_ROWS = 8
"""Lesion rows the form offers (a baseline has at most five targets)."""

_CARRIED = ("lesion_id", "organ", "kind", "is_lymph_node", "enhancing")


def _carried_rows(assessments: tuple[Mapping[str, Any], ...]) -> dict[str, str]:
    """Form values of the baseline's target and non-target lesions, to measure again."""
    baseline = next((a for a in assessments if a["is_baseline"]), None)
    if baseline is None:
        return {}
    values = {}
    followed = [lesion for lesion in baseline["lesions"] if lesion["kind"] != "new"]
    for row, lesion in enumerate(followed[:LESION_ROWS]):
        for field in _CARRIED:
            value = lesion[field]
            if value is not None:
                text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
                values[f"lesions.{row}.{field}"] = text
    return values


def _page(
    request: Request,
    user: Principal,
    subject_id: str,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = page_context(request, user, subject_id)
    assessments = context["book"].tumour_assessments
    context.update(
        errors=errors or {},
        values=values if values is not None else _carried_rows(assessments),
        assessments=assessments,
        lesion_rows=range(LESION_ROWS),
        methods=IMAGING_METHODS,
        kinds=LESION_KINDS,
        statuses=NON_TARGET_STATUSES,
    )
    return render(request, "tumour.html.j2", context, principal=user, status_code=status_code)


@router.get("/subjects/{subject_id}/casebook/tumour")
def tumour_page(request: Request, user: PageUser, subject_id: str) -> Response:
    """The tumour assessments and their responses."""
    return _page(request, user, subject_id)


@router.post("/subjects/{subject_id}/casebook/tumour")
@acts("enter_casebook")
async def tumour_entry(request: Request, user: PageUser, subject_id: str) -> Response:
    """Record a tumour assessment; its responses are computed by the services."""

    def write(ctx: ServiceContext, form: Mapping[str, str], rows: FormRows) -> None:
        body, numbers = read_form(TumourAssessmentIn, form)
        rows.update(numbers)
        record_tumour_assessment(ctx, subject_id=subject_id, **body.model_dump())

    def shown_again(errors: Mapping[str, str], values: Mapping[str, str], status: int) -> Response:
        return _page(request, user, subject_id, errors=errors, values=values, status_code=status)

    return await submit_entry(
        request,
        user,
        subject_id,
        write,
        "tumour assessment entered",
        shown_again,
        f"/subjects/{subject_id}/casebook/tumour",
    )
