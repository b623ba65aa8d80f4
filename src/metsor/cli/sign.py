"""``metsor sign SUBJECT``: an investigator's electronic signature (21 CFR Part 11).

The signer has proved who they are for the session (login or ``METSOR_PASSWORD``) and enters
both components of the signature again — user ID and password — as §11.200 asks of the first
signature of a session; each command is its own session. A wrong password does not sign and
counts toward lock-out. ``--visit ID`` signs one visit and what was recorded at it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from metsor.cli._common import (
    DbOption,
    JsonOption,
    UserOption,
    abort_on_user_error,
    emit,
    open_database,
    password_from_stdin,
    prove_user,
    resolve_username,
)
from metsor.errors import PermissionDeniedError

if TYPE_CHECKING:
    from metsor.services.context import Database

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``sign`` to the application."""
    app.command("sign")(sign)


def sign(
    subject_id: Annotated[str, typer.Argument(help="Subject, e.g. TJ-001.")],
    meaning: Annotated[
        str, typer.Option("--meaning", help="approve (reviewed and approved) or review.")
    ] = "approve",
    visit: Annotated[int | None, typer.Option("--visit", help="Sign only this visit.")] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Your printed name (needed on your first signature)."),
    ] = None,
    user_id: Annotated[
        str | None, typer.Option("--user-id", help="The user ID component (else asked).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Sign a subject's casebook (or a visit) by entering user ID and password again."""
    from metsor.cli._login_file import read_login
    from metsor.config import settings
    from metsor.services.monitoring.signatures import sign_casebook

    with abort_on_user_error():
        saved = read_login(settings(db).database_url)
        acting_user = resolve_username(user, saved.username if saved else None)
        with open_database(db) as database:
            prove_user(database, acting_user, saved)
            typed = user_id or str(typer.prompt("User ID"))
            if password_stdin:
                password = password_from_stdin("--password-stdin")
            else:
                password = str(typer.prompt("Password", hide_input=True))
            try:
                signature = sign_casebook(
                    database, acting_user=acting_user, user_id=typed, password=password,
                    subject_id=subject_id, meaning=meaning, visit_id=visit, printed_name=name,
                )  # fmt: skip
            except PermissionDeniedError as exc:
                raise _named_component(exc, database, acting_user, typed, password_stdin) from None
    emit(as_json, signature.to_dict(), f"{subject_id}: {signature.manifest()}")


def _named_component(
    exc: PermissionDeniedError,
    database: Database,
    acting_user: str,
    typed: str,
    password_stdin: bool,
) -> PermissionDeniedError:
    """The refusal of a signature, naming the component at fault rather than ``--user``.

    The services name the user for a role that may not sign, a user ID that is not the acting
    user's and a wrong password alike; the acting user has already proved who they are, so
    the last two are about what was entered for the signature (``--user-id``, and the password
    of ``--password-stdin`` or of the prompt), as the web's sign-off page shows them by its
    fields.
    """
    from metsor.services.context import unit_of_work
    from metsor.services.monitoring._roles import MONITORING_ROLES

    if exc.field != "user":
        return exc
    if typed != acting_user:
        return PermissionDeniedError(exc.message, field="user_id")
    with unit_of_work(database, acting_user, readonly=True) as ctx:
        if ctx.actor.role not in MONITORING_ROLES["sign_casebook"]:
            return exc
    return PermissionDeniedError(
        exc.message, field="password_stdin" if password_stdin else "password"
    )
