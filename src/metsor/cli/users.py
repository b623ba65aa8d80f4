"""``metsor users``: the people who use the trial database, managed by an administrator.

``add``, ``list``, ``role``, ``deactivate`` and ``reset-password``; each change is one audited
transaction with its reason (``--reason``). A password is read from standard input
(``--password-stdin``); without it, ``add`` and ``reset-password`` generate a random one and
print it once, to be handed to the user (it is stored only as a scrypt hash).
"""

from __future__ import annotations

from typing import Annotated

import typer

from metsor.cli._common import (
    DbOption,
    JsonOption,
    UserOption,
    abort_on_user_error,
    acting,
    emit,
    password_from_stdin,
)

__all__ = ["app"]

app = typer.Typer(help="Users, their roles and sites (admin).", no_args_is_help=True)

PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from standard input (else one is generated and shown once).",
    ),
]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why, for the audit trail.")]


def _password(password_stdin: bool) -> tuple[str, bool]:
    """The password given on standard input, or a generated one; whether it was generated."""
    from metsor.services.users import generate_password

    if password_stdin:
        return password_from_stdin("--password-stdin"), False
    return generate_password(), True


def _shown_once(username: str, password: str) -> str:
    return (
        f"password of {username}, shown this once (only its hash is stored): {password}\n"
        "hand it to them safely"
    )


@app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option("--role", help="admin, data_manager, investigator, …")],
    site: Annotated[str | None, typer.Option("--site", help="Code or name of the site.")] = None,
    password_stdin: PasswordStdinOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Add a user (admin)."""
    from metsor.services.users import add_user

    with abort_on_user_error():
        password, generated = _password(password_stdin)
        with acting(db, user) as ctx:
            added = add_user(ctx, username=username, role=role, site=site, password=password)
            payload: dict[str, object] = {"username": added.username, "role": added.role,
                                          "site": site}  # fmt: skip
    text = f"user {username} added ({role})"
    if generated:
        payload["password"] = password
        text += "\n" + _shown_once(username, password)
    emit(as_json, payload, text)


@app.command("list")
def users_list(db: DbOption = None, as_json: JsonOption = False, user: UserOption = None) -> None:
    """List the users: role, site, active or not, locked out until when (admin)."""
    from metsor.services.users import list_users

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        rows = [summary.to_dict() for summary in list_users(ctx)]
    lines = []
    for row in rows:
        state = "active" if row["active"] else "deactivated"
        if row["locked_until"]:
            state += f", locked until {row['locked_until']}"
        lines.append("\t".join([row["username"], row["role"], row["site"] or "-", state]))
    emit(as_json, {"users": rows}, "\n".join(lines))


@app.command("role")
def users_role(
    username: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="admin, data_manager, investigator, …")],
    site: Annotated[str | None, typer.Option("--site", help="Code or name of the site.")] = None,
    reason: ReasonOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Give a user another role (and site) (admin)."""
    from metsor.services.users import change_role

    with abort_on_user_error(), acting(db, user) as ctx:
        changed = change_role(ctx, username, role=role, site=site, reason=reason).to_dict()
    where = f", site {changed['site']}" if changed["site"] else ""
    emit(as_json, changed, f"user {username} is now {changed['role']}{where}")


@app.command("deactivate")
def users_deactivate(
    username: Annotated[str, typer.Argument(help="The user.")],
    reason: ReasonOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Deactivate a user: no more logins, open sessions ended (admin)."""
    from metsor.services.users import deactivate_user

    with abort_on_user_error(), acting(db, user) as ctx:
        deactivate_user(ctx, username, reason=reason)
    emit(as_json, {"username": username, "active": False}, f"user {username} deactivated")


@app.command("reset-password")
def users_reset_password(
    username: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: PasswordStdinOption = False,
    reason: ReasonOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Set a user's password, lift a lock-out, end their sessions (admin)."""
    from metsor.services.users import reset_password

    with abort_on_user_error():
        password, generated = _password(password_stdin)
        with acting(db, user) as ctx:
            reset_password(ctx, username, password=password, reason=reason)
    payload: dict[str, object] = {"username": username}
    text = f"password of {username} reset"
    if generated:
        payload["password"] = password
        text += "\n" + _shown_once(username, password)
    emit(as_json, payload, text)
