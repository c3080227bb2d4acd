"""Session-wide fixtures: the store's databases, on SQLite and on a real PostgreSQL server.

The PostgreSQL server starts once per session, only if a selected test needs it, and each
test gets a fresh database copied from a migrated template (CREATE DATABASE ... TEMPLATE),
so tests never see each other's cases.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.store.database import Database
from domain.store.migrate import upgrade
from scripts.pg_server import PostgresServer, start_server
from tests.notifications.conftest import SmtpReceiver

TEMPLATE = "cpo_template"
_names = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    database = Database.from_url(postgres_server.create_database(TEMPLATE))
    upgrade(database, simulation=True)
    database.dispose()  # a template must have no connections when it is copied
    return TEMPLATE


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "cases.sqlite3"
    database = Database.from_url(f"sqlite:///{path}")
    upgrade(database, simulation=True)
    database.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store on the backend under test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "cases.sqlite3")
        yield f"sqlite:///{tmp_path / 'cases.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"test_{next(_names)}"
    url = server.create_database(name, template=request.getfixturevalue("postgres_template"))
    yield url
    server.drop_database(name)


@pytest.fixture
def empty_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store with no schema at all, for the migrations themselves."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"empty_{next(_names)}"
    yield server.create_database(name)
    server.drop_database(name)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = Database.from_url(db_url)
    yield database
    database.dispose()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) for the notification tests."""
    receiver = SmtpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()
