"""Prefect's real app (API and UI, on a SQLite database of its own) behind the real sign-in
layer, in this process: no server, no port. Sessions are made as the sign-in layer makes
them (a cookie signed with the session key); the provider's side is tested apart."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from starlette.testclient import TestClient

from access.gateway import COOKIE, Gateway, build
from access.roles import Policy, load_policy
from access.server import route_table
from access.settings import AccessSettings

SERVICE = "cpo:service-secret"
SESSION_KEY = "a-session-key-for-the-tests"


@dataclass
class Signed:
    client: TestClient
    gateway: Gateway
    policy: Policy
    store_url: str

    def session_cookie(self, person: str, roles: list[str], ends_in: float = 3600) -> str:
        """The cookie the sign-in layer sets for ``person`` with ``roles``."""
        session = {"person": person, "roles": roles, "sid": f"sid-{person}",
                   "exp": time.time() + ends_in}  # fmt: skip
        data = base64.b64encode(json.dumps(session).encode())
        return TimestampSigner(SESSION_KEY).sign(data).decode()

    def as_person(self, person: str, roles: list[str]) -> dict[str, str]:
        return {"cookie": f"{COOKIE}={self.session_cookie(person, roles)}"}

    def csrf(self, headers: dict[str, str]) -> dict[str, str]:
        found = self.client.get("/api/csrf-token?client=matrix", headers=headers)
        assert found.status_code == 200, found.text
        return {**headers, "Prefect-Csrf-Token": found.json()["token"],
                "Prefect-Csrf-Client": "matrix"}  # fmt: skip


@pytest.fixture(scope="package")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signed]:
    from prefect.server.api.server import create_app
    from prefect.settings import (
        PREFECT_API_DATABASE_CONNECTION_URL,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        PREFECT_SERVER_CSRF_PROTECTION_ENABLED,
        temporary_settings,
    )

    from domain.store import Database, upgrade

    folder: Path = tmp_path_factory.mktemp("signed")
    store_url = f"sqlite:///{folder / 'cases.sqlite3'}"
    upgrade(Database.from_url(store_url))
    updates: dict[Any, Any] = {
        PREFECT_API_DATABASE_CONNECTION_URL: f"sqlite+aiosqlite:///{folder / 'prefect.db'}",
        PREFECT_SERVER_CSRF_PROTECTION_ENABLED: True,
        PREFECT_SERVER_ANALYTICS_ENABLED: False,
    }
    with temporary_settings(updates=updates):
        app = create_app(ignore_cache=True, webserver_only=True)
        settings = AccessSettings(None, SERVICE, SESSION_KEY)
        policy = load_policy()
        gateway = build(app, settings, policy, route_table(app), store_url)
        with TestClient(gateway, follow_redirects=False, raise_server_exceptions=False) as client:
            yield Signed(client, gateway, policy, store_url)
