"""``/docs`` works offline: Swagger UI and its script come from the application itself."""

from __future__ import annotations

import re

import httpx

from .conftest import WebServer

_REFERENCE = re.compile(r'(?:src|href)="([^"]+)"')


def test_docs_reference_no_external_host(web_server: WebServer) -> None:
    page = httpx.get(f"{web_server.url}/docs", timeout=30)
    assert page.status_code == 200
    assert "://" not in page.text
    assert "//" not in page.text.replace("<!doctype", "")
    references = _REFERENCE.findall(page.text)
    assert "/static/swagger-ui/swagger-ui-bundle.js" in references
    assert "/static/swagger-ui/swagger-ui.css" in references
    for reference in references:
        assert reference.startswith("/static/"), reference
        asset = httpx.get(f"{web_server.url}{reference}", timeout=30)
        assert asset.status_code == 200, reference
        assert asset.content, reference


def test_docs_start_on_the_apps_openapi_without_the_outside_validator(
    web_server: WebServer,
) -> None:
    script = httpx.get(f"{web_server.url}/static/swagger-ui/metsor-docs.js", timeout=30).text
    assert 'url: "/openapi.json"' in script
    assert "validatorUrl: null" in script
    assert "://" not in script
    licence = httpx.get(f"{web_server.url}/static/swagger-ui/LICENSE", timeout=30)
    assert licence.status_code == 200
    assert "Apache License" in licence.text


def test_docs_keep_the_content_security_policy(web_server: WebServer) -> None:
    page = httpx.get(f"{web_server.url}/docs", timeout=30)
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_redoc_which_needs_a_cdn_is_not_served(web_server: WebServer) -> None:
    assert httpx.get(f"{web_server.url}/redoc", timeout=30).status_code == 404


def test_every_answer_carries_the_security_headers(web_server: WebServer) -> None:
    for path in ("/login", "/docs", "/openapi.json", "/static/metsor.css", "/api/v1/subjects"):
        headers = httpx.get(f"{web_server.url}{path}", timeout=30).headers
        assert headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
