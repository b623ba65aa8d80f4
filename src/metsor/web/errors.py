"""How errors answer: a page with the message, or JSON naming the field, with its status.

``NotFoundError`` (also another site's subject) is 404, ``PermissionDeniedError`` 403,
``ConflictError`` 409, ``InputError`` 422; a request without a valid session redirects a page
to the login form and answers the API with 401.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from metsor.errors import (
    ConflictError,
    InputError,
    MetsorError,
    NotFoundError,
    PermissionDeniedError,
)
from metsor.web.dependencies import render
from metsor.web.security import SESSION_COOKIE, AuthenticationRequiredError

__all__ = ["install_error_handlers", "status_of"]


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


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MetsorError)
    status = status_of(exc)
    if _is_api(request):
        return JSONResponse({"detail": exc.message, "field": exc.field}, status_code=status)
    return render(
        request, "error.html.j2", {"status": status, "message": exc.message}, status_code=status
    )


async def _authentication(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthenticationRequiredError)
    if _is_api(request):
        return JSONResponse(
            {"detail": exc.message, "field": "authorization"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Answer domain and authentication errors as described above."""
    app.add_exception_handler(MetsorError, _domain_error)
    app.add_exception_handler(AuthenticationRequiredError, _authentication)
