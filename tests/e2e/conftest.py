"""A real Prefect server, process worker and deployments, and a real SQLite store, per session.

Everything on free ports and in temporary directories (others run servers on this machine).
The server's scheduler is off: the tests drive virtual time with clock ticks of their own.
Authentication is on, as ``make run`` starts it: a secret in a 0600 file, basic auth, CSRF.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

from cli.prefect_auth import ensure_secret
from domain.store import CaseRepository, Database, upgrade
from scripts.driver import start_webhook, write_notify_config
from scripts.prefect_stack import Stack, free_port, stack_env


@pytest.fixture(scope="session")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("store") / "cases.sqlite3"
    url = f"sqlite:///{path}"
    database = Database.from_url(url)
    upgrade(database, simulation=True)
    database.dispose()
    return url


@pytest.fixture(scope="session")
def webhook() -> Iterator[ThreadingHTTPServer]:
    """A JSON webhook on 127.0.0.1: ``webhook.received`` is every notification delivered."""
    server, stop = start_webhook()
    yield server
    stop()


@pytest.fixture(scope="session")
def notify_config(tmp_path_factory: pytest.TempPathFactory, webhook: ThreadingHTTPServer) -> Path:
    return write_notify_config(tmp_path_factory.mktemp("notify"), webhook)


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, store_url: str, notify_config: Path
) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("prefect")
    port = free_port()
    secret = ensure_secret(home / "prefect-auth")
    env = stack_env(home, port, scheduler=False, worker_poll_seconds=1.0, auth=secret)
    env["CPO_DATABASE_URL"] = store_url
    env["CPO_NOTIFY_CONFIG"] = str(notify_config)
    env["CPO_REPORTS_DIR"] = str(tmp_path_factory.mktemp("reports"))
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # this process is the admin and the CLI: same API, same store
    running = Stack(home, port, env)
    try:
        running.start_server()
        running.create_pool()
        running.deploy()
        running.start_worker()
        # Prefect read its settings when first imported; point this process at the stack.
        with temporary_settings(
            updates={PREFECT_API_URL: running.api_url, PREFECT_API_AUTH_STRING: secret}
        ):
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
