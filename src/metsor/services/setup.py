"""Setting up a trial database: ``metsor db init``.

:func:`initialize` migrates the database to the newest schema and, on first use, writes in one
transaction: the protocol's site(s), the first administrator, and the randomization scheme
with its concealed list (:func:`metsor.services.scheme.create_scheme`). Run again, it only
migrates; what exists is left as it is. The administrator is the bootstrap user: every other
user is added by them (``metsor users add``).

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

from metsor.config import default_database_url, home_folder
from metsor.errors import InputError
from metsor.services.allocation_seed import SeedSource, create_seed
from metsor.services.audit_key import AuditKeySource, attach, create_audit_key
from metsor.services.context import Database, session_scope
from metsor.services.scheme import DEFAULT_BLOCK_SIZES, METHODS, create_scheme
from metsor.services.sites import new_site
from metsor.services.users import new_user
from metsor.store.engine import read_only
from metsor.store.migrate import upgrade
from metsor.store.models.core import RandomizationScheme, Site, User

__all__ = ["InitResult", "create_home_folder", "initialize", "protocol_sites"]

# Site codes of the cities of the built-in protocol's sites; other cities take their first
# three letters.
_CITY_CODES = {"tianjin": "TJ"}


@dataclass(frozen=True)
class InitResult:
    """What :func:`initialize` did."""

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


def protocol_sites() -> tuple[tuple[str, str], ...]:
    """``(code, name)`` of each site of the built-in protocol."""
    from metsor.protocol import builtin

    sites = []
    for site in builtin().sites:
        city = (site.city or site.facility).strip()
        code = _CITY_CODES.get(city.casefold(), city[:3].upper())
        sites.append((code, site.facility))
    return tuple(sites)


def _target_enrollment() -> int:
    from metsor.protocol import builtin

    return int(builtin().design.target_enrollment)


def initialize(
    database: Database,
    *,
    admin: str = "admin",
    admin_password: str | None = None,
    method: str = "permuted_blocks",
    length_per_stratum: int | None = None,
    block_sizes: Sequence[int] = DEFAULT_BLOCK_SIZES,
    sites: Sequence[tuple[str, str]] | None = None,
    seed: SeedSource | None = None,
    target_enrollment: int | None = None,
    audit_key: AuditKeySource | None = None,
) -> InitResult:
    """Migrate the database and, the first time, write sites, administrator and scheme.

    Parameters
    ----------
    database
        The database.
    admin
        Username of the first administrator.
    admin_password
        Their password (None: command-line use only, no web login).
    method
        ``permuted_blocks`` (the concealed list) or ``minimization``.
    length_per_stratum
        Entries of the list per stratum; default the protocol's target enrollment, so any
        stratum can take every subject.
    block_sizes
        Block sizes of the list.
    sites
        ``(code, name)`` of the sites to create; default :func:`protocol_sites`.
    seed
        The allocation seed; default :func:`metsor.services.allocation_seed.create_seed`
        (from the environment or key file, or a new one written to the key file).
    target_enrollment
        Subjects to randomize before a decision must raise the cap; default the protocol's.
    audit_key
        The key of the audit chain; default
        :func:`metsor.services.audit_key.create_audit_key` (from the environment or key file,
        or a new one written to the key file, 0600, also when the trial is already
        initialised). The database's sessions keep the chain with it from now on.

    Returns
    -------
    InitResult
        What was created.

    Raises
    ------
    InputError
        For an unknown method, a target below 1, or a database that cannot be created or
        opened (naming it and why; ``METSOR_HOME`` is created when missing, see
        :func:`create_home_folder`).
    """
    if method not in METHODS:
        raise InputError(f"method {method!r} is not one of {', '.join(METHODS)}", field="method")
    if target_enrollment is not None and target_enrollment < 1:
        raise InputError(
            f"target enrollment must be at least 1, got {target_enrollment}",
            field="target_enrollment",
        )
    create_home_folder(database.url)
    upgrade(database.url)
    key = audit_key or create_audit_key()
    attach(database.sessions, key)
    target = target_enrollment or _target_enrollment()
    with session_scope(database, actor=admin, reason="database initialised") as session:
        scheme = session.get(RandomizationScheme, 1)
        if scheme is not None:
            existing = InitResult(
                revision=None,
                admin=admin,
                admin_created=False,
                sites_created=(),
                scheme_created=False,
                method=scheme.method,
                target_enrollment=scheme.target_enrollment,
                seed_fingerprint=scheme.seed_fingerprint,
            )
            return _with_key(replace(existing, revision=_revision(database)), key)
        created_sites: list[str] = []
        if not session.scalar(select(func.count()).select_from(Site)):
            for code, name in sites if sites is not None else protocol_sites():
                created_sites.append(new_site(session, name=name, code=code).code)
        admin_created = False
        if session.scalars(select(User).where(User.username == admin)).first() is None:
            new_user(session, username=admin, role="admin", site=None, password=admin_password)
            admin_created = True
        source = seed or create_seed()
        scheme = create_scheme(
            session,
            seed=source,
            method=method,
            target_enrollment=target,
            length_per_stratum=length_per_stratum or target,
            block_sizes=block_sizes,
        )
        result = InitResult(
            revision=None,
            admin=admin,
            admin_created=admin_created,
            sites_created=tuple(created_sites),
            scheme_created=True,
            method=scheme.method,
            target_enrollment=scheme.target_enrollment,
            seed_fingerprint=scheme.seed_fingerprint,
            seed_origin=source.origin,
            seed_created=source.created,
        )
    return _with_key(replace(result, revision=_revision(database)), key)


def _with_key(result: InitResult, key: AuditKeySource) -> InitResult:
    return replace(
        result,
        audit_key_fingerprint=key.fingerprint,
        audit_key_origin=key.origin,
        audit_key_created=key.created,
    )


def create_home_folder(url: str) -> Path | None:
    """Create ``METSOR_HOME`` when ``url`` is the default database in it and it is missing.

    The default database is the SQLite file ``metsor.sqlite`` in ``METSOR_HOME``
    (:func:`metsor.config.default_database_url`), a folder that may not exist before the first
    ``metsor db init``. A database named explicitly (``--db``, ``METSOR_DATABASE_URL``) is
    left as named: a missing folder there is more likely a mistyped path, and opening it fails
    with a message naming it.

    Parameters
    ----------
    url
        The database URL.

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
    if url != default_database_url():
        return None
    home = home_folder()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the folder {home} for the database: {exc.strerror or exc}",
            field="METSOR_HOME",
        ) from None
    return home


def _revision(database: Database) -> str | None:
    with read_only(database.engine).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
