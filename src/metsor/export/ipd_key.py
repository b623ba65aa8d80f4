"""The key of the pseudonymous subject identifiers of the IPD package, kept apart from the data.

A pseudonym is ``IPD-`` and the first 12 hexadecimal digits of HMAC-SHA256(key, USUBJID): the
same subject has the same pseudonym in every dataset and every release made with the same key,
and nobody without the key can tell which subject it is, nor compute it from the subject
identifier. The key is 32 random bytes, written in hexadecimal to a file created with mode 0600
(by default ``metsor-ipd.key`` in ``METSOR_HOME``) the first time a package is made; keep it
secret and never ship it with the package.

References
----------
Krawczyk H, Bellare M, Canetti R. RFC 2104, HMAC: Keyed-Hashing for Message Authentication
(1997). PhUSE De-Identification Standard for CDISC SDTM 3.2 (2015), subject identifiers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from metsor.errors import InputError

__all__ = ["KEY_BYTES", "KEY_FILE", "load_key", "pseudonym"]

#: File name of the key in ``METSOR_HOME``.
KEY_FILE = "metsor-ipd.key"

#: Length of the key in bytes.
KEY_BYTES = 32


def load_key(path: Path | str, *, create: bool = True) -> bytes:
    """The key in ``path``, created (0600, 32 random bytes) when missing and ``create``.

    Raises
    ------
    InputError
        Naming ``key_file`` when the file cannot be read or created, or holds no key of 32
        bytes in hexadecimal.
    """
    file = Path(path)
    if not file.exists():
        if not create:
            raise InputError(f"no key file {file}", field="key_file")
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(KEY_BYTES) + "\n")
        except OSError as exc:
            raise InputError(
                f"cannot create the key file {file}: {exc.strerror or exc}", field="key_file"
            ) from None
    try:
        text = file.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError):
        raise InputError(
            f"the key file {file} must hold {KEY_BYTES} bytes in hexadecimal", field="key_file"
        ) from None
    if len(key) != KEY_BYTES:
        raise InputError(
            f"the key file {file} holds {len(key)} bytes, not {KEY_BYTES}", field="key_file"
        )
    return key


def pseudonym(key: bytes, usubjid: str) -> str:
    """The pseudonymous identifier of a subject: ``IPD-`` and 12 hex digits of the HMAC."""
    digest = hmac.new(key, usubjid.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"IPD-{digest[:12].upper()}"
