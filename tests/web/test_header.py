"""The page header names the user and role, and the site of a site user (each their own)."""

from __future__ import annotations

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
