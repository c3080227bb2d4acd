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
from domain.store.roles import grant_application_role
from scripts.pg_server import STORE_APP, STORE_OWNER, PostgresServer, start_server
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
    """A migrated store (a simulation's: its records take the tests' as_of), as an
    authority's: its owner migrated it and granted the application's role what it may do;
    the tests then connect as that role."""
    database = Database.from_url(postgres_server.create_store(TEMPLATE).owner)
    upgrade(database, simulation=True)
    grant_application_role(database, STORE_APP)
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
    urls = server.create_store(name, template=request.getfixturevalue("postgres_template"))
    yield urls.app  # the application's role: it may read, add and deliver, nothing else
    server.drop_database(name)


@pytest.fixture
def owner_url(db_url: str, backend: str) -> str:
    """The same store as its owner (PostgreSQL: the role that migrates it; SQLite: the file's
    owner, the same URL): for a test that plays a curious insider with every right."""
    if backend == "sqlite":
        return db_url
    return db_url.replace(f"//{STORE_APP}@", f"//{STORE_OWNER}@")


@pytest.fixture
def empty_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store with no schema at all, for the migrations themselves."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"empty_{next(_names)}"
    yield server.create_store(name).owner
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
