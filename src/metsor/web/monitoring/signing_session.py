"""Whether a browser's login session has already signed (21 CFR 11.200(a)(1)(i)).

The first signature made during a continuous period of controlled access to the system needs
both components, the user ID and the password; later ones during that period the password
only. For the web application that period is the login session of the browser's session
cookie, so what counts is a signature made *through that login session*, not any signature of
the user since it opened: a signature made meanwhile from the command line or the API belongs
to another period of access and leaves the browser's first signature still to come.

The database keeps no link from a signature to the login session that made it. The page
therefore keeps it: a successful signature sets the cookie :data:`SIGNED_COOKIE`, whose value
is an HMAC, under the application's secret, of the session's token (bound apart from the CSRF
token, which is an HMAC of the token alone and is written in every form). Only the server can
make it; it is good for one login session only (a new login has a new token); a browser that
drops it, or never got the answer of its signature, is asked for both components again, the
stricter side. The secret is shared by the server's worker processes, so any of them reads
the cookie another one set.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from starlette.responses import Response

from metsor.web.dependencies import state_of
from metsor.web.security import Principal, csrf_token

__all__ = ["SIGNED_COOKIE", "mark_signed", "signed_in_session"]

#: Cookie of a browser whose login session has signed.
SIGNED_COOKIE = "metsor_signed"


def _proof(request: Request, user: Principal) -> str:
    return csrf_token(state_of(request).secret, f"signed in login session:{user.token}")


def signed_in_session(request: Request, user: Principal) -> bool:
    """Whether the login session that proved ``user`` has signed through this browser.

    Parameters
    ----------
    request
        The request (its cookies).
    user
        The user proved by the session cookie.

    Returns
    -------
    bool
        True when the request carries the proof that a signature was made in this login
        session; False before its first signature (then both components are needed).
    """
    given = request.cookies.get(SIGNED_COOKIE)
    return given is not None and hmac.compare_digest(given, _proof(request, user))


def mark_signed(request: Request, response: Response, user: Principal) -> None:
    """Set the proof that ``user``'s login session has signed on ``response``."""
    response.set_cookie(
        SIGNED_COOKIE,
        _proof(request, user),
        httponly=True,
        samesite="strict",
        secure=state_of(request).settings.https,
        path="/",
    )
