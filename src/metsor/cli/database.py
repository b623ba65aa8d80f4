"""Trial database commands: db, sites, subjects, randomization (audit: :mod:`metsor.cli.audit`).

Every command takes ``--db URL`` (else ``METSOR_DATABASE_URL``, else the SQLite file of
:func:`metsor.config.settings`) and ``--json``. Commands that act for a user take ``--user
NAME`` (else ``METSOR_USER``, else the user logged in) and prove who they are first
(:func:`metsor.cli._common.acting`). ``metsor db init`` is the bootstrap: it migrates the
database and creates the protocol's site, the first administrator (``--admin``, default
``admin``, with the password of ``--admin-password-stdin`` or a generated one printed once)
and the concealed allocation list; that administrator then adds the other users
(:mod:`metsor.cli.users`).

Errors a user can cause print ``error: …`` on stderr and exit with code 2; ``metsor audit
verify`` exits 1 when it finds the trail broken.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metsor.cli._common import (
    DbOption,
    JsonOption,
    UserOption,
    abort_on_user_error,
    acting,
    emit,
    open_database,
    option_names,
    parse_date,
    password_from_stdin,
    read_json_object,
)

if TYPE_CHECKING:
    from metsor.services.context import ServiceContext
    from metsor.services.enrollment import RegistrationResult

__all__ = ["register"]

db_app = typer.Typer(help="Create and migrate the trial database.", no_args_is_help=True)
sites_app = typer.Typer(help="Trial sites.", no_args_is_help=True)
subjects_app = typer.Typer(
    help="Register, screen, consent, randomize subjects.", no_args_is_help=True
)
randomization_app = typer.Typer(help="Randomization balance and decisions.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the database command groups to the application."""
    app.add_typer(db_app, name="db")
    app.add_typer(sites_app, name="sites")
    app.add_typer(subjects_app, name="subjects")
    app.add_typer(randomization_app, name="randomization")


@db_app.command("init")
@option_names(
    length_per_stratum="--list-length",
    password="--admin-password-stdin",
    admin_password="--admin-password-stdin",
)
def db_init(
    db: DbOption = None,
    as_json: JsonOption = False,
    admin: Annotated[
        str | None, typer.Option("--admin", help="First administrator (default admin).")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--admin-password-stdin",
            "--password-stdin",
            help="Read the administrator's password (else one is generated and shown once).",
        ),
    ] = False,
    method: Annotated[
        str | None,
        typer.Option(
            "--method", help="permuted_blocks (concealed list, the default) or minimization."
        ),
    ] = None,
    list_length: Annotated[
        int | None, typer.Option("--list-length", help="List entries per stratum.", min=1)
    ] = None,
) -> None:
    """Migrate the database; the first time, create site, administrator and allocation list.

    Run again, it only migrates: an option that differs from the initialised trial is refused.
    """
    from metsor.services.setup import initialize

    with abort_on_user_error():
        password = password_from_stdin("--admin-password-stdin") if password_stdin else None
        with open_database(db) as database:
            result = initialize(
                database,
                admin=admin,
                admin_password=password,
                generate_admin_password=not password_stdin,
                method=method,
                length_per_stratum=list_length,
            )
    lines = [f"database at revision {result.revision}"]
    if result.scheme_created:
        lines.append(f"sites created: {', '.join(result.sites_created) or 'none'}")
        lines.append(f"administrator: {result.admin}" + (" (new)" if result.admin_created else ""))
        lines.append(f"randomization: {result.method}, target {result.target_enrollment}")
        lines.append(f"allocation seed fingerprint (SHA-256): {result.seed_fingerprint}")
        if result.seed_created:
            lines.append(
                f"a new allocation seed was written to {result.seed_origin}: keep it secret, "
                "safe, and apart from the database"
            )
        if result.generated_admin_password is not None:
            lines.append(
                f"password of {result.admin}, generated and shown this once (only its hash is "
                f"stored): {result.generated_admin_password}"
            )
            lines.append(
                f"keep it safe; log in with 'metsor login --user {result.admin}', and change it "
                f"with 'metsor users reset-password {result.admin} --password-stdin'"
            )
    else:
        lines.append("already initialised; nothing else changed")
    payload = result.to_dict()
    if result.generated_admin_password is not None:
        payload["admin_password"] = result.generated_admin_password
    emit(as_json, payload, "\n".join(lines))


@sites_app.command("add")
def sites_add(
    name: Annotated[str, typer.Argument(help="Full name of the site.")],
    code: Annotated[str | None, typer.Option("--code", help="2–8 letters, prefixes ids.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Add a trial site (admin)."""
    from metsor.services.sites import add_site

    with abort_on_user_error(), acting(db, user) as ctx:
        site = add_site(ctx, name=name, code=code)
        payload = {"code": site.code, "name": site.name}
    emit(as_json, payload, f"site {payload['code']} added: {payload['name']}")


@sites_app.command("list")
def sites_list(db: DbOption = None, as_json: JsonOption = False, user: UserOption = None) -> None:
    """List the sites."""
    from metsor.services.sites import list_sites

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        rows = [{"code": s.code, "name": s.name} for s in list_sites(ctx)]
    emit(as_json, {"sites": rows}, "\n".join(f"{r['code']}\t{r['name']}" for r in rows))


def _screen_record(
    db: str | None,
    user: str | None,
    as_json: bool,
    record: Path,
    screened_on: str | None,
    action: Callable[[ServiceContext, dict[str, Any], date | None], RegistrationResult],
) -> None:
    """Read a record file, screen it by ``action`` in one unit of work, print the verdict."""
    with abort_on_user_error():
        data = read_json_object(record, "RECORD", kind="a screening record")
        day = parse_date(screened_on, "--screened-on")
        with acting(db, user) as ctx:
            result = action(ctx, data, day)
    emit(as_json, result.to_dict(), f"{result.subject_id}\t{result.verdict}\t{result.status}")


@subjects_app.command("register")
def subjects_register(
    record: Annotated[Path, typer.Argument(help="Screening record, JSON.")],
    site: Annotated[str | None, typer.Option("--site", help="Code or name of the site.")] = None,
    screened_on: Annotated[str | None, typer.Option("--screened-on", help="YYYY-MM-DD.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Register a candidate and screen their record; an ineligible one is a screen failure."""
    from metsor.services.enrollment import register_subject

    _screen_record(
        db, user, as_json, record, screened_on,
        lambda ctx, data, day: register_subject(ctx, record=data, site=site, screened_on=day),
    )  # fmt: skip


@subjects_app.command("rescreen")
def subjects_rescreen(
    subject_id: Annotated[str, typer.Argument(help="Subject, e.g. TJ-001.")],
    record: Annotated[Path, typer.Argument(help="New screening record, JSON.")],
    screened_on: Annotated[str | None, typer.Option("--screened-on", help="YYYY-MM-DD.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Screen a subject not yet randomized again with a new record."""
    from metsor.services.enrollment import rescreen_subject

    _screen_record(
        db, user, as_json, record, screened_on,
        lambda ctx, data, day: rescreen_subject(ctx, subject_id, record=data, screened_on=day),
    )  # fmt: skip


@subjects_app.command("consent")
@option_names(consent_date="--date")
def subjects_consent(
    subject_id: Annotated[str, typer.Argument(help="Subject, e.g. TJ-001.")],
    on: Annotated[
        str | None, typer.Option("--date", help="Signed on, YYYY-MM-DD (required).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Record a subject's informed consent on the day the form was signed (--date)."""
    from metsor.errors import InputError
    from metsor.services.enrollment import record_consent

    with abort_on_user_error():
        day = parse_date(on, "--date")
        if day is None:
            raise InputError(
                "give the day the consent form was signed: --date YYYY-MM-DD", field="--date"
            )
        with acting(db, user) as ctx:
            result = record_consent(ctx, subject_id, consent_date=day)
    emit(as_json, result.to_dict(), f"{subject_id} consented on {result.consent_date}")


@subjects_app.command("randomize")
def subjects_randomize(
    subject_id: Annotated[str, typer.Argument(help="Subject, e.g. TJ-001.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Randomize an eligible, consented subject (exactly once)."""
    from metsor.services.randomize import randomize_subject

    with abort_on_user_error(), acting(db, user, readonly=False) as ctx:
        result = randomize_subject(ctx, subject_id)
    where = f"list position {result.list_position}" if result.list_position else result.method
    emit(
        as_json,
        result.to_dict(),
        f"{subject_id} randomized to {result.arm} (stratum {result.stratum}, {where})",
    )


@subjects_app.command("list")
def subjects_list(
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """List the subjects you may see."""
    from metsor.services.reports import list_subjects

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        rows = [row.to_dict() for row in list_subjects(ctx, status=status)]
    text = "\n".join(
        "\t".join(str(r[k] or "") for k in ("subject_id", "site", "status", "arm", "stratum"))
        for r in rows
    )
    emit(as_json, {"subjects": rows}, text or "no subjects")


@subjects_app.command("show")
def subjects_show(
    subject_id: Annotated[str, typer.Argument(help="Subject, e.g. TJ-001.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """A subject's status and its signatures (valid and voided, with why)."""
    from metsor.services.monitoring.signatures import list_signatures
    from metsor.services.reports import subject_row

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        status = subject_row(ctx, subject_id).status
        signatures = list_signatures(ctx, subject_id)
    lines = [f"{subject_id}: {status}"]
    lines.extend(f"  signature {s.id}: {s.manifest()}" for s in signatures)
    if not signatures:
        lines.append("  not signed")
    payload = {"subject_id": subject_id, "status": status,
               "signatures": [s.to_dict() for s in signatures]}  # fmt: skip
    emit(as_json, payload, "\n".join(lines))


@randomization_app.command("report")
def randomization_report(
    db: DbOption = None, as_json: JsonOption = False, user: UserOption = None
) -> None:
    """Balance of the allocations by arm, stratum and site."""
    from metsor.services.reports import randomization_report as report

    with abort_on_user_error(), acting(db, user, readonly=True) as ctx:
        payload = report(ctx)
    arms = payload["arms"]
    lines = [
        f"{payload['method']}: {payload['randomized']} of {payload['enrollment_cap']} randomized",
        "\t".join(["group", "level", *arms, "total", "imbalance"]),
    ]
    for row in payload["rows"]:
        cells = [row["group"], row["level"], *(str(row[a]) for a in arms)]
        lines.append("\t".join([*cells, str(row["total"]), f"{row['imbalance']:g}"]))
    emit(as_json, payload, "\n".join(lines))


@randomization_app.command("raise-cap")
def randomization_raise_cap(
    cap: Annotated[int, typer.Argument(help="New enrollment cap.")],
    rationale: Annotated[str, typer.Option("--rationale", help="Why, for the record.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Record a decision raising the enrollment cap (admin)."""
    from metsor.services.scheme import raise_enrollment_cap

    with abort_on_user_error(), acting(db, user) as ctx:
        decision = raise_enrollment_cap(ctx, new_cap=cap, rationale=rationale)
        payload = {"decision": decision.id, **decision.value}
    emit(as_json, payload, f"enrollment cap raised to {cap}")
