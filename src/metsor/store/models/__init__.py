"""Tables of the trial database; importing this package registers them all on ``Base``.

``core`` holds sites, users, subjects, screening, consent, randomization and the audit log;
``casebook`` holds what is recorded after randomization; ``auth`` login sessions and attempts;
``monitoring`` SDV marks, signatures, freezes and locks and edit-check queries; ``protocol``
the protocol the trial runs.
"""

from metsor.store.models import audit as audit
from metsor.store.models import auth as auth
from metsor.store.models import casebook as casebook
from metsor.store.models import core as core
from metsor.store.models import monitoring as monitoring
from metsor.store.models import protocol as protocol

__all__ = ["audit", "auth", "casebook", "core", "monitoring", "protocol"]
