"""Who may do what in monitoring and sign-off."""

from __future__ import annotations

from metsor.errors import PermissionDeniedError
from metsor.services.context import ServiceContext

__all__ = ["MONITORING_ROLES", "require_role"]

#: Roles allowed each monitoring action.
MONITORING_ROLES: dict[str, frozenset[str]] = {
    "verify_source": frozenset({"admin", "monitor"}),
    "set_sdv_plan": frozenset({"admin", "data_manager"}),
    "view_sdv": frozenset({"admin", "data_manager", "monitor", "investigator", "coordinator"}),
    "sign_casebook": frozenset({"investigator"}),
    "freeze_lock": frozenset({"admin", "data_manager"}),
    "export_audit": frozenset({"admin", "data_manager", "monitor"}),
}


def require_role(ctx: ServiceContext, action: str) -> None:
    """Raise PermissionDeniedError unless the acting user's role may perform ``action``."""
    allowed = MONITORING_ROLES[action]
    if ctx.actor.role not in allowed:
        raise PermissionDeniedError(
            f"user {ctx.username!r} (role {ctx.actor.role}) may not {action.replace('_', ' ')}; "
            f"allowed roles: {', '.join(sorted(allowed))}",
            field="user",
        )
