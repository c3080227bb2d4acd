"""The sign-in layer's settings, from the server's environment (README, "Sign-in and roles").

| setting | what |
|---|---|
| ``CPO_OIDC_ISSUER`` | the identity provider's issuer URL (its discovery document is below it) |
| ``CPO_OIDC_CLIENT_ID`` | this system's client id at the provider |
| ``CPO_OIDC_CLIENT_SECRET_FILE`` | a 0600 file holding the client secret |
| ``CPO_PUBLIC_URL`` | where people reach the UI (the redirect URI is ``<it>/auth/callback``) |
| ``CPO_OIDC_PERSON_CLAIM`` | the claim holding the person's opaque staff id (``staff_id``) |
| ``CPO_OIDC_GROUPS_CLAIM`` | the claim listing the person's groups (``groups``) |
| ``CPO_ROLES_FILE`` | groups to roles and each role's routes (``access/roles.toml``) |
| ``CPO_SESSION_SECRET_FILE`` | a 0600 file holding the key that signs session cookies |
| ``CPO_SESSION_HOURS`` / ``CPO_SESSION_IDLE_MINUTES`` | a session's whole life (8) and idle limit (60) |
| ``CPO_SERVICE_AUTH_STRING`` | the services' ``user:password`` (workers, the clock, the CLI) |

Without ``CPO_OIDC_ISSUER`` nobody signs in: only the service credential reaches the API.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SERVICE_SETTING = "CPO_SERVICE_AUTH_STRING"
# Prefect's own basic-auth setting: the launcher takes it as the service credential and keeps
# it from Prefect, whose login page would otherwise stand in front of sign-in.
PREFECT_SERVER_AUTH = "PREFECT_SERVER_API_AUTH_STRING"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    public_url: str
    person_claim: str = "staff_id"
    groups_claim: str = "groups"

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url}/auth/callback"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"


@dataclass(frozen=True)
class AccessSettings:
    provider: Provider | None
    service_credential: str | None
    session_secret: str
    session_hours: float = 8.0
    idle_minutes: float = 60.0
    roles_file: Path | None = None

    @property
    def secure_cookie(self) -> bool:
        return bool(self.provider and self.provider.public_url.startswith("https://"))


def read_private(path: Path) -> str:
    """A secret file's one line; refused if others may read it."""
    if path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} is readable by others: chmod 600 {path}")
    return path.read_text(encoding="utf-8").strip()


def from_environment(env: Mapping[str, str] | None = None) -> AccessSettings:
    env = os.environ if env is None else env
    provider = None
    if env.get("CPO_OIDC_ISSUER"):
        provider = Provider(
            issuer=env["CPO_OIDC_ISSUER"],
            client_id=env["CPO_OIDC_CLIENT_ID"],
            client_secret=read_private(Path(env["CPO_OIDC_CLIENT_SECRET_FILE"])),
            public_url=env["CPO_PUBLIC_URL"].rstrip("/"),
            person_claim=env.get("CPO_OIDC_PERSON_CLAIM", "staff_id"),
            groups_claim=env.get("CPO_OIDC_GROUPS_CLAIM", "groups"),
        )
    secret_file = env.get("CPO_SESSION_SECRET_FILE")
    if provider and not secret_file:
        raise ValueError("CPO_SESSION_SECRET_FILE: a 0600 file with the session-signing key")
    return AccessSettings(
        provider=provider,
        service_credential=env.get(SERVICE_SETTING) or env.get(PREFECT_SERVER_AUTH) or None,
        session_secret=read_private(Path(secret_file)) if secret_file else os.urandom(32).hex(),
        session_hours=float(env.get("CPO_SESSION_HOURS", "8")),
        idle_minutes=float(env.get("CPO_SESSION_IDLE_MINUTES", "60")),
        roles_file=Path(env["CPO_ROLES_FILE"]) if env.get("CPO_ROLES_FILE") else None,
    )
