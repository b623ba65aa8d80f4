"""How errors answer: a page with the message, or JSON naming the field, with its status.

``NotFoundError`` (also another site's subject) is 404, ``PermissionDeniedError`` 403,
``ConflictError`` 409, ``InputError`` 422; a request without a valid session redirects a page
to the login form and answers the API with 401. A body, path or query value that its schema
refuses (FastAPI's ``RequestValidationError``: not JSON, not an object, a text where a number
is wanted, an unknown field) is 422 as an ``InputError`` is, with every fault named
(:mod:`metsor.web.faults`).

Every error of the API has one shape::

    {"detail": "what is wrong, in words",
     "field": "the (first) field at fault, or null",
     "errors": [{"field": "labs.0.unit", "message": "..."}, ...]}

``detail`` is the service's message (or the faults', each after its field); ``errors`` lists
each fault: one for a service's refusal, one per field the schema refuses. Nothing of the
value sent is echoed but what :func:`metsor.errors.readable` keeps, and no traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from metsor.errors import (
    ConflictError,
    InputError,
    MetsorError,
    NotFoundError,
    PermissionDeniedError,
)
from metsor.web.dependencies import render
from metsor.web.faults import Fault, faults_of
from metsor.web.security import SESSION_COOKIE, AuthenticationRequiredError

__all__ = ["api_error", "install_error_handlers", "status_of"]


def status_of(exc: MetsorError) -> int:
    """The HTTP status of a domain error."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, InputError):
        return 422
    return 400


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def api_error(
    status: int,
    detail: str,
    faults: Sequence[Fault],
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The API's answer to an error: ``detail``, the first fault's ``field``, every fault."""
    return JSONResponse(
        {
            "detail": detail,
            "field": faults[0].field if faults else None,
            "errors": [fault.to_dict() for fault in faults],
        },
        status_code=status,
        headers=headers,
    )


def _page_error(request: Request, status: int, message: str) -> Response:
    return render(
        request, "error.html.j2", {"status": status, "message": message}, status_code=status
    )


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MetsorError)
    status = status_of(exc)
    if _is_api(request):
        return api_error(status, exc.message, [Fault(exc.field, exc.message)])
    return _page_error(request, status, exc.message)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    faults = faults_of(exc.errors())
    detail = "; ".join(f"{fault.field}: {fault.message}" for fault in faults)
    if _is_api(request):
        return api_error(422, detail, faults)
    return _page_error(request, 422, detail)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not _is_api(request):
        return await http_exception_handler(request, exc)
    detail = str(exc.detail)
    return api_error(exc.status_code, detail, [Fault(None, detail)], headers=exc.headers)


async def _authentication(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthenticationRequiredError)
    if _is_api(request):
        return api_error(
            401,
            exc.message,
            [Fault("authorization", exc.message)],
            headers={"WWW-Authenticate": "Bearer"},
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Answer domain, validation, HTTP and authentication errors as described above."""
    app.add_exception_handler(MetsorError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(AuthenticationRequiredError, _authentication)
