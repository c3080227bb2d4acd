"""The same migrations build the same schema on SQLite and PostgreSQL, from nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from domain.store.database import Database
from domain.store.migrate import (
    current_revision,
    head_revision,
    is_current,
    latest_revision,
    upgrade,
)
from domain.store.tables import Base


def test_upgrade_creates_the_schema_on_an_empty_database(empty_db_url: str) -> None:
    database = Database.from_url(empty_db_url)
    assert current_revision(database) is None
    assert upgrade(database) == head_revision()
    tables = set(inspect(database.engine).get_table_names())
    assert {"cases", "events", "outbox", "digests", "alembic_version"} <= tables
    database.dispose()


def test_upgrading_twice_changes_nothing(empty_db_url: str) -> None:
    database = Database.from_url(empty_db_url)
    upgrade(database)
    assert upgrade(database) == head_revision()
    database.dispose()


def test_the_migrated_schema_matches_the_tables_in_code(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_due_cases_are_served_by_the_next_wake_index(database: Database) -> None:
    indexes = {
        ix["name"]: ix["column_names"] for ix in inspect(database.engine).get_indexes("cases")
    }
    assert indexes["ix_cases_next_wake"] == ["next_wake"]


def test_the_quick_check_every_command_makes_agrees_with_alembic(empty_db_url: str) -> None:
    """``is_current`` reads the head from the migration files, not through alembic."""
    database = Database.from_url(empty_db_url)
    assert latest_revision() == head_revision()
    assert not is_current(database)  # never upgraded: no alembic_version table
    upgrade(database, "0004")
    assert not is_current(database)
    upgrade(database)
    assert is_current(database)
    database.dispose()


def test_an_older_store_keeps_its_childrens_facts_as_first_versions_and_its_wake_moment(
    empty_db_url: str,
) -> None:
    """Migration 0008 on a store with data: each child's facts become version 1, and each
    case's ``standing_as_of`` is the moment its read model was written as of."""
    database = Database.from_url(empty_db_url)
    upgrade(database, "0006")
    at = "2025-03-04 09:00:00"
    with database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO cases (id, reference, profile, team, status, last_seq, opened_at, "
            f"updated_at) VALUES (1, 'OLD-1', 'england', 't', 'open', 0, '{at}', '{at}')"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO case_summaries (case_id, seq, as_of, overdue, due, upcoming, rungs) "
            f"VALUES (1, 0, '{at}', 0, 0, 0, '{{}}')"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO child_facts (case_id, child, la_child_id, facts, recorded_by, "
            f"recorded_at, source) VALUES (1, 'c1', 'LA1', '{{}}', 'a', '{at}', 'cli')"
        ))  # fmt: skip
    upgrade(database)
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT version FROM child_facts")).scalar() == 1
        kept = connection.execute(text("SELECT standing_as_of FROM cases")).scalar()
    assert str(kept).startswith("2025-03-04 09:00:00")
    database.dispose()
