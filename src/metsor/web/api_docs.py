"""``GET /docs``: the JSON API's Swagger UI, every asset served by the application itself.

A site may be offline, so the page loads Swagger UI (vendored from ``swagger-ui-dist`` with
its licence under ``static/swagger-ui/``) and its start-up script from ``/static``, never from
a CDN; the validator badge, which would call an outside service, is turned off there. The page
keeps the application's Content-Security-Policy (scripts and styles from itself only).
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} API</title>
  <link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/swagger-ui/metsor-docs.js"></script>
</body>
</html>
"""


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI of ``/openapi.json``, from the application's own static files."""
    return HTMLResponse(_PAGE.format(title=escape(request.app.title)))
