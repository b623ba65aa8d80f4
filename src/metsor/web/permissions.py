"""Who may act is checked before what they sent is read.

FastAPI validates a JSON body before the endpoint runs, and a form is read and checked before
its service checks the role; either way a user who may not act was told what is wrong with
the value (422) before being refused (403), learning the validation rules instead of the real
reason. So a write endpoint names its action with :func:`acts`, and the route class of its
router, :class:`PermissionFirstRoute`, proves the user (the bearer token under ``/api/``, the
session cookie elsewhere) and checks the action before the body is read: a role that may not
act gets 403 naming the role, whatever the body, and nothing is written.

The rule is the services' own, never restated here: :func:`metsor.services.access.require`
by default, or the monitoring one (:func:`metsor.services.monitoring._roles.require_role`),
called in a read-only unit of work; the service checks it again when it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from metsor.services.access import require
from metsor.services.context import ServiceContext
from metsor.web.dependencies import api_user_of, page_user_of, work

__all__ = ["Action", "PermissionFirstRoute", "action_of", "acts"]

_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])

#: The attribute of an endpoint that holds its :class:`Action`.
_ACTION = "metsor_action"


@dataclass(frozen=True)
class Action:
    """What an endpoint does, and the services' rule of who may do it.

    Attributes
    ----------
    name
        The action, a key of the rule's table (``enter_casebook``, ``verify_source``).
    rule
        The services' check: raises :class:`~metsor.errors.PermissionDeniedError` naming the
        user and role unless the acting user may perform ``name``.
    """

    name: str
    rule: Callable[[ServiceContext, str], None] = require

    def check(self, ctx: ServiceContext) -> None:
        """Raise unless the acting user of ``ctx`` may perform the action."""
        self.rule(ctx, self.name)


def acts(
    name: str, rule: Callable[[ServiceContext, str], None] = require
) -> Callable[[_Endpoint], _Endpoint]:
    """Mark an endpoint as performing action ``name`` under the services' ``rule``.

    Place it under the route's decorator; the route must be of a router whose route class is
    :class:`PermissionFirstRoute`.
    """

    def mark(endpoint: _Endpoint) -> _Endpoint:
        setattr(endpoint, _ACTION, Action(name, rule))
        return endpoint

    return mark


def action_of(endpoint: Callable[..., Any]) -> Action | None:
    """The action an endpoint is marked with (:func:`acts`), or None."""
    action = getattr(endpoint, _ACTION, None)
    return action if isinstance(action, Action) else None


async def _check(request: Request, action: Action) -> None:
    """Prove the request's user and check ``action`` (403 naming the role when refused)."""
    if request.url.path.startswith("/api/"):
        user = await api_user_of(request)
    else:
        user = await run_in_threadpool(page_user_of, request)

    def check() -> None:
        with work(request, user, readonly=True) as ctx:
            action.check(ctx)

    await run_in_threadpool(check)


class PermissionFirstRoute(APIRoute):
    """A route that checks its endpoint's action (:func:`acts`) before reading the request's
    body; a route without one is served as any other."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, preceded by the permission check when it has an action."""
        handler = super().get_route_handler()
        action = action_of(self.endpoint)
        if action is None:
            return handler

        async def permission_first(request: Request) -> Response:
            await _check(request, action)
            return await handler(request)

        return permission_first
