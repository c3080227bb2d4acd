"""The services' credential: one ``user:password`` secret in a file only its owner reads.

``make run`` generates it once (``.cpo/prefect-auth``, mode 0600). The server's sign-in layer
takes it (``CPO_SERVICE_AUTH_STRING``) from services, never from a person: the workers, the
flow runs they start, the clock, ``cpo record`` and the tests send it (basic auth). People
sign in through the identity provider instead (``access/``).

Prefect reads ``PREFECT_API_AUTH_STRING`` from the environment when it is first imported, so
a command that calls the API puts the saved secret there before it imports Prefect.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

USER = "cpo"
FILE_SETTING = "CPO_PREFECT_AUTH_FILE"
DEFAULT_FILE = Path(".cpo") / "prefect-auth"
CLIENT_SETTING = "PREFECT_API_AUTH_STRING"


def auth_file() -> Path:
    """Where the secret is: ``CPO_PREFECT_AUTH_FILE``, else ``.cpo/prefect-auth`` here."""
    return Path(os.environ.get(FILE_SETTING) or DEFAULT_FILE)


def ensure_secret(path: Path) -> str:
    """The secret in ``path``, generated first if there is none: ``cpo:<32 random chars>``.

    Created with mode 0600 from the start (never readable by others, not even for a moment);
    an existing file is kept, so a restart keeps every service's credential valid."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret(path)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(f"{USER}:{secrets.token_urlsafe(24)}\n")
    return read_secret(path)


def read_secret(path: Path) -> str:
    """The ``user:password`` line of a secret file; refused if others may read it."""
    if path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} is readable by others: chmod 600 {path}")
    secret = path.read_text(encoding="utf-8").strip()
    if ":" not in secret:
        raise ValueError(f"{path}: expected one line 'user:password'")
    return secret


def use_saved_credentials() -> bool:
    """Give Prefect's client the saved secret, unless the environment already names one.
    Call before Prefect is imported. True if a secret is now in the environment."""
    if os.environ.get(CLIENT_SETTING):
        return True
    path = auth_file()
    if not path.exists():
        return False
    os.environ[CLIENT_SETTING] = read_secret(path)
    return True
