"""Setting up a trial database: ``metsor db init``.

:func:`initialize` migrates the database to the newest schema and, on first use, writes in one
transaction: the protocol's site(s), the first administrator, and the randomization scheme
with its concealed list (:func:`metsor.services.scheme.create_scheme`). Run again, it only
migrates; what exists is left as it is, and an option that differs from the initialised trial
(method, list length, block sizes, target, seed, administrator, a new administrator password)
is refused rather than ignored. The administrator is the bootstrap user: every other user is
added by them (``metsor users add``). Their password is the one given, or one generated here
(``generate_admin_password``) and returned once in :attr:`InitResult.generated_admin_password`.

The built-in protocol (NCT02672488) has one site, Tianjin Medical University Cancer Institute
and Hospital, code ``TJ``; its subjects are ``TJ-001``, ``TJ-002``, …
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metsor.config import Settings
from metsor.errors import InputError
from metsor.protocol import Protocol
from metsor.protocol.builtin import DEFAULT_NCT_ID, builtin
from metsor.services.allocation_seed import SeedSource, create_seed
from metsor.services.audit_key import AuditKeySource, attach, create_audit_key
from metsor.services.context import Database, session_scope
from metsor.services.protocol_in_force import store_protocol, stored_nct_id
from metsor.services.scheme import (
    DEFAULT_BLOCK_SIZES,
    METHODS,
    check_list_length,
    create_scheme,
)
from metsor.services.sites import new_site
from metsor.services.users import check_password_length, generate_password, new_user
from metsor.store.engine import read_only
from metsor.store.migrate import created_only_on_success, upgrade
from metsor.store.models.core import RandomizationScheme, Site, User

__all__ = [
    "InitResult",
    "create_home_folder",
    "create_private_home",
    "initialize",
    "protocol_sites",
]

# Site codes of the cities of the built-in protocol's sites; other cities take their first
# three letters.
_CITY_CODES = {"tianjin": "TJ"}


@dataclass(frozen=True)
class InitResult:
    """What :func:`initialize` did.

    ``generated_admin_password`` is the administrator's password when :func:`initialize`
    generated it (shown once by ``metsor db init``; only its hash is stored); it is not part
    of :meth:`to_dict`.
    """

    revision: str | None
    admin: str
    admin_created: bool
    sites_created: tuple[str, ...]
    scheme_created: bool
    method: str
    target_enrollment: int
    seed_fingerprint: str
    seed_origin: str | None = None
    seed_created: bool = False
    audit_key_fingerprint: str | None = None
    audit_key_origin: str | None = None
    audit_key_created: bool = False
    notes: tuple[str, ...] = field(default=())
    generated_admin_password: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "revision": self.revision,
            "admin": self.admin,
            "admin_created": self.admin_created,
            "sites_created": list(self.sites_created),
            "scheme_created": self.scheme_created,
            "method": self.method,
            "target_enrollment": self.target_enrollment,
            "seed_fingerprint": self.seed_fingerprint,
            "seed_origin": self.seed_origin,
            "seed_created": self.seed_created,
            "audit_key_fingerprint": self.audit_key_fingerprint,
            "audit_key_origin": self.audit_key_origin,
            "audit_key_created": self.audit_key_created,
        }


def protocol_sites(protocol: Protocol | None = None) -> tuple[tuple[str, str], ...]:
    """``(code, name)`` of each site of a protocol (default the built-in NCT02672488)."""
    from metsor.protocol import builtin

    sites = []
    for site in (protocol or builtin()).sites:
        city = (site.city or site.facility).strip()
        code = _CITY_CODES.get(city.casefold(), city[:3].upper())
        sites.append((code, site.facility))
    return tuple(sites)


def _target_enrollment(protocol: Protocol) -> int:
    return int(protocol.design.target_enrollment)


def _refuse_changes(
    session: Session,
    *,
    admin: str | None,
    admin_password: str | None,
    requested: dict[str, tuple[str, object, object]],
) -> None:
    """Refuse, naming the option, what a second initialisation asks and the trial is not.

    ``requested`` maps a parameter to ``(option, asked, in force)``; ``asked`` None is not asked.
    """
    for parameter, (option, asked, in_force) in requested.items():
        if asked is not None and asked != in_force:
            raise InputError(
                f"the trial is already initialised with {option} {in_force}, not {asked}: "
                "db init never changes an initialised trial (nothing changed)",
                field=parameter,
            )
    if admin is not None:
        found = session.scalars(
            select(User).where(User.username == admin, User.role == "admin")
        ).one_or_none()
        if found is None:
            raise InputError(
                f"the trial is already initialised and has no administrator {admin!r}: "
                "an administrator adds users with 'metsor users add' (nothing changed)",
                field="admin",
            )
    if admin_password is not None:
        raise InputError(
            "the trial is already initialised: db init does not change a password; "
            "use 'metsor users reset-password' (nothing changed)",
            field="admin_password",
        )


@created_only_on_success  # a failed init leaves no database file behind
def initialize(
    database: Database,
    *,
    admin: str | None = None,
    admin_password: str | None = None,
    generate_admin_password: bool = False,
    method: str | None = None,
    length_per_stratum: int | None = None,
    block_sizes: Sequence[int] | None = None,
    sites: Sequence[tuple[str, str]] | None = None,
    seed: SeedSource | None = None,
    target_enrollment: int | None = None,
    audit_key: AuditKeySource | None = None,
    protocol: Protocol | None = None,
) -> InitResult:
    """Migrate the database and, the first time, write sites, administrator and scheme.

    Run on an initialised trial, it only migrates; any of ``admin``, ``admin_password``,
    ``method``, ``length_per_stratum``, ``block_sizes``, ``seed`` or ``target_enrollment``
    that is given and differs from the trial is refused (:class:`InputError` naming it).

    Parameters
    ----------
    database
        The database.
    admin
        Username of the first administrator (default ``admin``).
    admin_password
        Their password.
    generate_admin_password
        Without ``admin_password``, generate one (returned once in
        :attr:`InitResult.generated_admin_password`); else the administrator has no password
        and cannot log in.
    method
        ``permuted_blocks`` (the concealed list, the default) or ``minimization``.
    length_per_stratum
        Entries of the list per stratum; default the protocol's target enrollment, so any
        stratum can take every subject.
    block_sizes
        Block sizes of the list (default
        :data:`~metsor.services.scheme.DEFAULT_BLOCK_SIZES`).
    sites
        ``(code, name)`` of the sites to create; default :func:`protocol_sites`.
    seed
        The allocation seed; default :func:`metsor.services.allocation_seed.create_seed`
        where the database's settings hold it (``METSOR_ALLOCATION_SEED`` or the key file,
        or a new one written to the key file).
    target_enrollment
        Subjects to randomize before a decision must raise the cap; default the protocol's.
    audit_key
        The key of the audit chain; default
        :func:`metsor.services.audit_key.create_audit_key` where the database's settings
        hold it (``METSOR_AUDIT_KEY`` or the key file, or a new one written to the key file,
        0600, also when the trial is already initialised). The database's sessions keep the
        chain with it from now on.
    protocol
        The protocol the trial runs, stored with it (default the built-in NCT02672488); its
        arms, strata, drugs and schedule are read from the database from then on.

    Returns
    -------
    InitResult
        What was created.

    Raises
    ------
    InputError
        For an unknown method, a target below 1, a database that cannot be created or
        opened (naming it and why; ``METSOR_HOME`` is created 0700 when missing, see
        :func:`create_home_folder`), or an option that differs from the initialised trial.
    """
    if method is not None and method not in METHODS:
        raise InputError(f"method {method!r} is not one of {', '.join(METHODS)}", field="method")
    if target_enrollment is not None and target_enrollment < 1:
        raise InputError(
            f"target enrollment must be at least 1, got {target_enrollment}",
            field="target_enrollment",
        )
    if length_per_stratum is not None:
        check_list_length(length_per_stratum)  # before any file is made
    if admin_password is not None:
        check_password_length(admin_password)  # before any file is made
    create_home_folder(database.url, database.settings)
    upgrade(database.url)
    create_private_home(database.settings)
    key = audit_key or create_audit_key(database.settings.audit_key)
    attach(database.sessions, key, anchor=database.anchor_file)
    admin_name = admin or "admin"
    with session_scope(database, actor=admin_name, reason="database initialised") as session:
        scheme = session.get(RandomizationScheme, 1)
        if scheme is not None:
            _refuse_changes(
                session,
                admin=admin,
                admin_password=admin_password,
                requested={
                    "method": ("method", method, scheme.method),
                    "length_per_stratum": (
                        "length_per_stratum", length_per_stratum, scheme.length_per_stratum
                    ),
                    "block_sizes": (
                        "block sizes",
                        list(block_sizes) if block_sizes is not None else None,
                        list(scheme.block_sizes),
                    ),
                    "target_enrollment": (
                        "target enrollment", target_enrollment, scheme.target_enrollment
                    ),
                    "seed": (
                        "the allocation seed of fingerprint",
                        seed.fingerprint if seed is not None else None,
                        scheme.seed_fingerprint,
                    ),
                    "protocol": (
                        "the protocol",
                        protocol.nct_id if protocol is not None else None,
                        stored_nct_id(session) or DEFAULT_NCT_ID,
                    ),
                },
            )  # fmt: skip
            existing = InitResult(
                revision=None,
                admin=admin_name,
                admin_created=False,
                sites_created=(),
                scheme_created=False,
                method=scheme.method,
                target_enrollment=scheme.target_enrollment,
                seed_fingerprint=scheme.seed_fingerprint,
            )
            return _with_key(replace(existing, revision=_revision(database)), key)
        chosen = protocol or builtin(DEFAULT_NCT_ID)
        store_protocol(session, chosen)
        target = target_enrollment or _target_enrollment(chosen)
        created_sites: list[str] = []
        if not session.scalar(select(func.count()).select_from(Site)):
            for code, name in sites if sites is not None else protocol_sites(chosen):
                created_sites.append(new_site(session, name=name, code=code).code)
        admin_created = False
        generated = None
        if session.scalars(select(User).where(User.username == admin_name)).first() is None:
            if admin_password is None and generate_admin_password:
                generated = admin_password = generate_password()
            new_user(session, username=admin_name, role="admin", site=None, password=admin_password)
            admin_created = True
        source = seed or create_seed(database.seed_place)
        scheme = create_scheme(
            session,
            seed=source,
            protocol=chosen,
            method=method or "permuted_blocks",
            target_enrollment=target,
            length_per_stratum=length_per_stratum or target,
            block_sizes=DEFAULT_BLOCK_SIZES if block_sizes is None else block_sizes,
        )
        result = InitResult(
            revision=None,
            admin=admin_name,
            admin_created=admin_created,
            sites_created=tuple(created_sites),
            scheme_created=True,
            method=scheme.method,
            target_enrollment=scheme.target_enrollment,
            seed_fingerprint=scheme.seed_fingerprint,
            seed_origin=source.origin,
            seed_created=source.created,
            generated_admin_password=generated,
        )
    return _with_key(replace(result, revision=_revision(database)), key)


def _with_key(result: InitResult, key: AuditKeySource) -> InitResult:
    return replace(
        result,
        audit_key_fingerprint=key.fingerprint,
        audit_key_origin=key.origin,
        audit_key_created=key.created,
    )


def create_home_folder(url: str, settings: Settings) -> Path | None:
    """Create ``METSOR_HOME`` (0700) when ``url`` is the default database in it and it is missing.

    The default database is the SQLite file ``metsor.sqlite`` in ``METSOR_HOME``
    (:attr:`metsor.config.Settings.default_database_url`), a folder that may not exist before
    the first ``metsor db init``. A database named explicitly (``--db``,
    ``METSOR_DATABASE_URL``) is left as named: a missing folder there is more likely a mistyped
    path, and opening it fails with a message naming it.

    Parameters
    ----------
    url
        The database URL.
    settings
        The settings in force (:attr:`metsor.services.context.Database.settings`): the home.

    Returns
    -------
    Path or None
        The home folder when ``url`` is the default database, else None.

    Raises
    ------
    InputError
        Naming ``METSOR_HOME``, the folder and the reason when it cannot be created (a file in
        its place, no permission).
    """
    if url != settings.default_database_url:
        return None
    home = settings.home
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the folder {home} for the database: {exc.strerror or exc}",
            field="METSOR_HOME",
        ) from None
    return home


def create_private_home(settings: Settings) -> Path:
    """Create ``METSOR_HOME`` 0700 when it is missing; the key files are written there.

    Whatever the database, ``METSOR_HOME`` holds the key files (allocation seed, audit key)
    and the login sessions by default, so only its owner may list or enter it. A folder that
    exists already keeps its mode (it may be the current folder).

    Parameters
    ----------
    settings
        The settings in force (:attr:`metsor.services.context.Database.settings`): the home.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    InputError
        Naming ``METSOR_HOME`` when it cannot be created.
    """
    home = settings.home
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the folder {home}: {exc.strerror or exc}", field="METSOR_HOME"
        ) from None
    return home


def _revision(database: Database) -> str | None:
    with read_only(database.engine).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
