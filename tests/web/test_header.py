"""The page header names the user and role, and the site of a site user (each their own)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

Login = Callable[[str], httpx.Client]


def test_each_site_user_sees_their_own_site_in_the_header(login: Login) -> None:
    for _ in range(2):  # the second time from what the server remembers
        assert "· site TJ" in login("coord_tj").get("/subjects").text
        bj = login("coord_bj").get("/subjects").text
        assert "· site BJ" in bj
        assert "· site TJ" not in bj
    assert "· site" not in login("monitor").get("/subjects").text


#: The links of the navigation bar each role is offered (the actions it may take).
NAVIGATION = {
    "coord_tj": ["/", "/subjects", "/subjects/new", "/monitoring/sdv"],
    "inv_tj": ["/", "/subjects", "/subjects/new", "/monitoring/sdv"],
    "monitor": ["/", "/subjects", "/monitoring/sdv"],
    "datamgr": ["/", "/subjects", "/exports", "/monitoring/sdv"],
    "stat": ["/", "/subjects", "/exports"],
}


def _navigation(page: str) -> list[str]:
    bar = re.search(r'<nav class="nav">(.*?)</nav>', page, re.DOTALL)
    assert bar is not None, "the page has no navigation bar"
    return re.findall(r'<a href="([^"]+)"', bar.group(1))


def test_each_role_is_offered_only_the_pages_it_may_use(login: Login) -> None:
    for username, links in NAVIGATION.items():
        client = login(username)
        assert _navigation(client.get("/subjects").text) == links, username
        for link in links:
            assert client.get(link).status_code == 200, (username, link)
        offers_screening = 'href="/subjects/new"' in client.get("/subjects").text
        assert offers_screening == (username in ("coord_tj", "inv_tj")), username
