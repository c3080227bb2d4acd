"""Where the store lives and how to connect to it.

One setting: ``CPO_DATABASE_URL`` (the CLI's ``--database-url`` overrides it), defaulting
to a SQLite file in the user's data directory. PostgreSQL runs through psycopg 3
(``postgresql+psycopg://``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

ENV_VAR = "CPO_DATABASE_URL"
BUSY_TIMEOUT_MS = 30_000
# Read by the SQLite "begin" hook: a writing transaction takes the write lock up front.
WRITE_OPTION = "cpo_write"


def default_database_url() -> str:
    folder = Path(platformdirs.user_data_dir("cpo"))
    return f"sqlite:///{folder / 'cases.sqlite3'}"


def database_url(explicit: str | None = None) -> str:
    """The URL to use: the explicit one, else the environment's, else the default file."""
    url = explicit or os.environ.get(ENV_VAR) or default_database_url()
    # A bare postgresql:// URL would pick psycopg2, which is not installed.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def shown_url(url: str) -> str:
    """The URL as people may see it: any password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store's URL; None for any other store (or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return None if parsed.database == ":memory:" else Path(parsed.database)


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    resolved = database_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(resolved, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        private_file(Path(parsed.database))
    engine = create_engine(resolved, **kwargs)
    _configure_sqlite(engine)
    return engine


def private_file(path: Path) -> None:
    """The store's file readable by its owner only (it holds children's data): created 0600
    in a folder made 0700, or, already there, made 0600 with its journal files (a store
    copied in with 0644 would stay world-readable), or refused if another user owns it."""
    from domain.store.private_files import PRIVATE, make_private, private_folder

    private_folder(path.parent)
    for kept in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        make_private(kept)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, PRIVATE))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by the hook below, not by the sqlite3 module, so a
        # writer can ask for BEGIN IMMEDIATE and wait its turn instead of failing late.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: no corruption, only durability
        # INSERT OR REPLACE deletes the row it replaces: with recursive triggers its delete
        # trigger fires too, so the journal refuses it as PostgreSQL would (R-G2).
        cursor.execute("PRAGMA recursive_triggers=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


class Database:
    """An engine plus the two kinds of unit of work the repository uses."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str | None = None) -> Database:
        return cls(make_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction that commits on success and rolls back on any error."""
        with self._sessions() as session:
            session.connection(execution_options={WRITE_OPTION: True})
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            session.commit()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
