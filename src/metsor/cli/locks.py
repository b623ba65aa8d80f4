"""``metsor freeze|lock|unlock|unfreeze``: a data manager's freeze and lock, and ``metsor locks``.

``freeze`` stops data changes (queries still allowed), ``lock`` stops every change;
``unlock`` (back to frozen) and ``unfreeze`` (back to open) need a reason and void the
signatures of the subjects they reopen. Each takes ``--subject ID``, ``--site CODE`` or
``--study``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from metsor.cli._common import DbOption, JsonOption, UserOption, abort_on_user_error, acting, emit
from metsor.errors import InputError

__all__ = ["register"]

_Subject = Annotated[str | None, typer.Option("--subject", help="A subject.")]
_Site = Annotated[str | None, typer.Option("--site", help="A site code.")]
_Study = Annotated[bool, typer.Option("--study", help="The whole study.")]
_Reason = Annotated[str, typer.Option("--reason", help="Why (audited).")]


def register(app: typer.Typer) -> None:
    """Add ``freeze``, ``lock``, ``unlock``, ``unfreeze`` and ``locks``."""
    for action in ("freeze", "lock", "unlock", "unfreeze"):
        app.command(action, help=f"{action.capitalize()} a subject, a site or the study.")(
            _command(action)
        )
    app.command("locks")(locks)


def _scope(subject: str | None, site: str | None, study: bool) -> tuple[str, str | None]:
    given: list[tuple[str, str | None]] = [
        (s, t) for s, t in (("subject", subject), ("site", site)) if t is not None
    ]
    if study:
        given.append(("study", None))
    if len(given) != 1:
        raise InputError("give exactly one of --subject, --site, --study", field="--subject")
    return given[0]


def _command(action: str) -> Callable[..., None]:
    def run(
        reason: _Reason,
        subject: _Subject = None,
        site: _Site = None,
        study: _Study = False,
        db: DbOption = None,
        as_json: JsonOption = False,
        user: UserOption = None,
    ) -> None:
        from metsor.services.monitoring.locks import change_lock

        with abort_on_user_error():
            scope, target = _scope(subject, site, study)
            with acting(db, user) as ctx:
                row = change_lock(ctx, action=action, scope=scope, target=target, reason=reason)
        voided = f"; {row.voided_signatures} signatures voided" if row.voided_signatures else ""
        emit(as_json, row.to_dict(), f"{row}{voided}")

    run.__name__ = f"{action}_command"
    return run


def locks(db: DbOption = None, as_json: JsonOption = False, user: UserOption = None) -> None:
    """Every freeze and lock with its state."""
    from metsor.services.monitoring.locks import list_locks

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        rows = list_locks(ctx)
    emit(as_json, {"locks": [r.to_dict() for r in rows]},
         "\n".join(str(r) for r in rows) or "nothing frozen or locked")  # fmt: skip
