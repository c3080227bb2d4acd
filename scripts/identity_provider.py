"""The demo's identity provider: ``scripts/oidc/provider.mjs`` (oidc-provider, on Node) on
127.0.0.1, with one demo user per role and the UI's sign-in layer as its one client.

Everything it needs is made once under ``.cpo/oidc/`` (mode 0600): its signing key, the
client's secret, the users' passwords; the server's sign-in settings point there
(``sign_in_env``). Each person's id is an opaque staff id, never their name or e-mail; the
manager is the demo cases' team manager (``tm``), and ``senior`` is their lead professional
(``sw``) with the manager role, whom the profiles do not let acknowledge (R-E6).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROVIDER = REPO / "scripts" / "oidc"
CLIENT_ID = "cpo-ui"


@dataclass(frozen=True)
class DemoUser:
    login: str
    staff_id: str  # the person's id: what the sign-in layer stamps and the journal holds
    groups: tuple[str, ...]
    name: str  # fictional; it stays at the provider (R-G1)

    @property
    def roles(self) -> str:
        return ", ".join(group.removeprefix("cpo-").rstrip("s") for group in self.groups)


DEMO_USERS = (
    DemoUser("admin", "adm-01", ("cpo-recorders",), "Avery Admin"),
    DemoUser("viewer", "ops-01", ("cpo-viewers",), "Val Viewer"),
    DemoUser("manager", "tm", ("cpo-managers",), "Morgan Manager"),
    DemoUser("data", "dm-01", ("cpo-data",), "Dana Data"),
    DemoUser("operator", "eng-01", ("cpo-operators",), "Otis Operator"),
    DemoUser("senior", "sw", ("cpo-managers",), "Sam Senior"),
)


def private_json(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(content, file, indent=1)


def passwords(folder: Path) -> dict[str, str]:
    """The demo users' passwords, made once and kept (a restart keeps what was printed)."""
    path = folder / "demo-users.json"
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    made = {user.login: secrets.token_urlsafe(9) for user in DEMO_USERS}
    private_json(path, made)
    return made


def signing_key(folder: Path) -> dict[str, str]:
    path = folder / "signing-key.json"
    if not path.exists():
        from joserfc.jwk import RSAKey

        key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(4), "use": "sig"})
        private_json(path, key.as_dict(private=True))
    return dict(json.loads(path.read_text(encoding="utf-8")))


def write_config(folder: Path, port: int, ui: str) -> Path:
    """The provider's configuration, and the client secret the server reads (both 0600)."""
    secret_file = folder / "client-secret"
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret_file.touch(mode=0o600)
        secret_file.write_text(secrets.token_urlsafe(32))
    known = passwords(folder)
    users = {
        user.login: {
            "password": known[user.login],
            "claims": {
                "sub": f"demo-{user.login}",
                "staff_id": user.staff_id,
                "groups": list(user.groups),
                "name": user.name,
                "email": f"{user.login}@demo.invalid",
            },
        }  # fmt: skip
        for user in DEMO_USERS
    }
    client = {
        "client_id": CLIENT_ID, "client_secret": secret_file.read_text().strip(),
        "redirect_uris": [f"{ui}/auth/callback"],
        "post_logout_redirect_uris": [f"{ui}/auth/signed-out"],
        "grant_types": ["authorization_code"], "response_types": ["code"],
    }  # fmt: skip
    config = {
        "issuer": f"http://127.0.0.1:{port}", "port": port,
        "cookie_key": secrets.token_urlsafe(32), "jwk": signing_key(folder),
        "clients": [client, {**client, "client_id": "another-app",
                             "redirect_uris": ["http://127.0.0.1:9/callback"]}],
        "users": users,
    }  # fmt: skip
    path = folder / "provider.json"
    private_json(path, config)
    return path


def sign_in_env(folder: Path, port: int, ui: str) -> dict[str, str]:
    """The server's settings for signing in through this provider (access/settings.py)."""
    return {
        "CPO_OIDC_ISSUER": f"http://127.0.0.1:{port}",
        "CPO_OIDC_CLIENT_ID": CLIENT_ID,
        "CPO_OIDC_CLIENT_SECRET_FILE": str(folder / "client-secret"),
        "CPO_PUBLIC_URL": ui,
        "CPO_OIDC_PERSON_CLAIM": "staff_id",
        "CPO_OIDC_GROUPS_CLAIM": "groups",
        "CPO_SESSION_SECRET_FILE": str(session_key(folder)),
    }


def session_key(folder: Path) -> Path:
    path = folder / "session-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path


def start(folder: Path, port: int, ui: str, log: Path) -> subprocess.Popen[bytes]:
    """The provider, in a process group of its own; returns once its discovery answers."""
    node = shutil.which("node")
    if node is None or not (PROVIDER / "node_modules" / "oidc-provider").exists():
        raise RuntimeError("the demo's identity provider needs Node and `npm ci` in scripts/oidc "
                           "(./scripts/bootstrap.sh does both)")  # fmt: skip
    config = write_config(folder, port, ui)
    with open(log, "ab") as out:
        process = subprocess.Popen([node, str(PROVIDER / "provider.mjs"), str(config)],
                                   cwd=PROVIDER, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
    wait_ready(f"http://127.0.0.1:{port}/.well-known/openid-configuration", 60)
    return process


def wait_ready(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"the identity provider at {url} did not answer in {timeout:.0f} s")
