"""Schema migrations, run in code (no alembic.ini), so they work from an installed package."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from domain.store.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def upgrade(database: Database, revision: str = "head", *, simulation: bool = False) -> str | None:
    """Create or upgrade the schema in one transaction; returns the revision now in force.
    ``simulation``: mark a new, empty store as a simulation's (``domain.store.settings``)."""
    from alembic import command

    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
    if simulation:
        from domain.store.settings import mark_simulation

        mark_simulation(database, datetime.now(UTC))
    return current_revision(database)


def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@cache
def latest_revision() -> str:
    """The head revision read from the migration files themselves, without loading alembic
    (a tenth of a second at every command's start): the one no other revision follows."""
    found = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision = "([^"]+)"', source, re.M)
        down = re.search(r'^down_revision = "([^"]+)"', source, re.M)
        if revision:
            found[revision.group(1)] = down.group(1) if down else None
    followed = set(found.values())
    [head] = [revision for revision in found if revision not in followed]
    return head


def is_current(database: Database) -> bool:
    """The store's schema is at the latest revision (what every command checks first)."""
    with database.engine.connect() as connection:  # unreachable: the error goes up
        try:
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:  # no alembic_version table: never upgraded
            return False
        return version.scalar() == latest_revision()
