"""The dataset export page and its downloads (data managers, statisticians, administrators).

``GET /exports`` lists the packages; ``POST /exports/{name}`` (with the form's CSRF token and
an optional cut-off date) answers the package as a zip download. Roles that may not extract
datasets (monitors, investigators, coordinators) get 403 on both; a bad cut-off shows the page
again with the message next to the field. Nothing is written to the trial database.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.errors import InputError, NotFoundError
from metsor.services.access import require
from metsor.services.enrollment import check_trial_start
from metsor.web.dependencies import PageUser, checked_form, render, state_of, work
from metsor.web.exports.packages import PACKAGES, write_zip
from metsor.web.permissions import PermissionFirstRoute, acts
from metsor.web.security import Principal

__all__ = ["router"]

router = APIRouter(prefix="/exports", include_in_schema=False, route_class=PermissionFirstRoute)


def _page(
    request: Request,
    user: Principal,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with work(request, user, readonly=True) as ctx:
        require(ctx, "extract_datasets")
    context = {
        "active": "exports",
        "packages": list(PACKAGES.values()),
        "errors": errors or {},
        "values": values or {},
        "today": state_of(request).database.clock().date().isoformat(),
    }
    return render(request, "exports.html.j2", context, principal=user, status_code=status_code)


def _cutoff(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError("cutoff must be a date (YYYY-MM-DD)", field="cutoff") from None
    return day


@router.get("")
def exports(request: Request, user: PageUser) -> Response:
    """The packages that can be downloaded, with a cut-off date field."""
    return _page(request, user)


@router.post("/{name}")
@acts("extract_datasets")
async def download(request: Request, user: PageUser, name: str) -> Response:
    """The package ``name`` as of the cut-off, as a zip file."""
    package = PACKAGES.get(name)
    if package is None:
        raise NotFoundError(f"no export package {name!r} (known: {', '.join(PACKAGES)})")
    form = await checked_form(request)
    home = state_of(request).database.settings.home  # where the IPD's pseudonym key is kept
    folder = Path(tempfile.mkdtemp(prefix="metsor-export-"))

    def write() -> tuple[Path, str]:
        cutoff = _cutoff(form.get("cutoff", "")[:32])
        with work(request, user, readonly=True) as ctx:
            require(ctx, "extract_datasets")
            if cutoff is not None:  # before the start of the database's trial it cuts nothing
                check_trial_start(cutoff, "cutoff", ctx.protocol)
            stamp = (cutoff or ctx.today()).strftime("%Y%m%d")
            package.write(ctx, folder / "package", cutoff, home)
        prefix = f"metsor-{package.name}-{stamp}"
        archive = folder / f"{prefix}.zip"
        write_zip(folder / "package", archive, prefix)
        return archive, prefix

    try:
        archive, prefix = await run_in_threadpool(write)
    except InputError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        errors = {exc.field or "cutoff": exc.message}
        values = {"cutoff": form.get("cutoff", "")[:32]}
        return await run_in_threadpool(
            lambda: _page(request, user, errors=errors, values=values, status_code=422)
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=f"{prefix}.zip",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
