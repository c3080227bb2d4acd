"""A real Prefect server, process worker and deployments, and a real SQLite store, per session.

Everything on free ports and in temporary directories (others run servers on this machine).
The server's scheduler is off: the tests drive virtual time with clock ticks of their own.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from domain.dispatch import RecipientRole
from domain.store import CaseRepository, Database, upgrade
from scripts.prefect_stack import Stack, free_port, stack_env


@pytest.fixture(scope="session")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("store") / "cases.sqlite3"
    url = f"sqlite:///{path}"
    database = Database.from_url(url)
    upgrade(database)
    database.dispose()
    return url


class Webhook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.server.received.append(json.loads(self.rfile.read(length) or b"{}"))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="session")
def webhook() -> Iterator[ThreadingHTTPServer]:
    """A JSON webhook on 127.0.0.1: ``webhook.received`` is every notification delivered."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def notify_config(tmp_path_factory: pytest.TempPathFactory, webhook: ThreadingHTTPServer) -> Path:
    """An apprise configuration routing every role (notifications/routing.py) to the webhook."""
    path = tmp_path_factory.mktemp("notify") / "apprise.yml"
    roles = ", ".join(role.value for role in RecipientRole)
    port = webhook.server_address[1]
    path.write_text(f"urls:\n  - json://127.0.0.1:{port}/:\n    - tag: {roles}\n")
    return path


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, store_url: str, notify_config: Path
) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("prefect")
    port = free_port()
    env = stack_env(home, port, scheduler=False, worker_poll_seconds=1.0)
    env["CPO_DATABASE_URL"] = store_url
    env["CPO_NOTIFY_CONFIG"] = str(notify_config)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # this process is the admin and the CLI: same API, same store
    running = Stack(home, port, env)
    try:
        running.start_server()
        running.create_pool()
        running.deploy()
        running.start_worker()
        # Prefect read its settings when first imported; point this process at the stack.
        with temporary_settings(updates={PREFECT_API_URL: running.api_url}):
            yield running
    finally:
        running.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def store(stack: Stack, store_url: str) -> CaseRepository:
    from tasks.store import repository

    repository.cache_clear()
    return repository()
