"""A journal nobody rewrites (R-G2), tried as a curious insider would, on both databases:

- on SQLite, with the file's owner's rights through a plain ``sqlite3`` connection (no
  recursive triggers, foreign keys off: what the ``sqlite3`` shell gives), ``REPLACE`` and
  upserts rewrite nothing, a delivered notice is frozen, a case is never deleted, a child's
  facts change only by a new version;
- on PostgreSQL, the application's role may not even try (no privilege, no trigger of its
  own to drop), and the owner who migrates is refused by the triggers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from domain.store.database import Database
from domain.store.repository import CaseRepository
from domain.store.tables import Base
from tests.store.cases import AS_OF, history, sent
from tests.store.test_child_facts import LATER, facts
from tests.store.test_digests import KEY, digest

Run = Callable[[str], None]
ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
ON_POSTGRES = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def store(repository: CaseRepository) -> CaseRepository:
    """A case with notices (one delivered), a digest delivered, facts set and an audit entry."""
    repository.open_case(history(), recorded_by="admin", source="import", as_of=LATER)
    [first, *_] = repository.outbox_of("BED-0001")
    repository.outbox.record([sent(first.key, AS_OF)])
    repository.enqueue_digests([digest("north")], AS_OF)
    repository.digests.record([sent(KEY, AS_OF)])
    repository.set_child_facts("BED-0001", [facts()], recorded_by="admin", source="cli")
    repository.record_audit("analyst", "cin_census", "CIN census 2026-27", "/tmp/x.xml")
    return repository


@pytest.fixture
def insider(owner_url: str, backend: str) -> Iterator[Run]:
    """Run one statement with every right the store's owner has: the sqlite3 shell's plain
    connection on SQLite, the owning role on PostgreSQL."""
    if backend == "sqlite":
        path = make_url(owner_url).database
        assert path is not None
        connection = sqlite3.connect(path, isolation_level=None)  # foreign keys off, as shipped

        def run_sqlite(statement: str) -> None:
            connection.execute(statement)

        yield run_sqlite
        connection.close()
        return
    database = Database.from_url(owner_url)

    def run_postgres(statement: str) -> None:
        with database.engine.begin() as session:
            session.execute(text(statement))

    yield run_postgres
    database.dispose()


def snapshot(store: CaseRepository) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the read model's: what the insider must not change."""
    found = {}
    with store.database.reading() as session:
        for name, table in Base.metadata.tables.items():
            if name in ("case_summaries", "open_obligations", "summary_rebuilds"):
                continue
            rows = session.execute(select(table).order_by(*table.primary_key.columns))
            found[name] = [tuple(row) for row in rows]
    return found


def refused(run: Run, statement: str, *words: str) -> None:
    with pytest.raises(Exception) as caught:
        run(statement)
    message = str(caught.value)
    assert any(word in message for word in words), message


# A row of each table given again with its own key, one column changed: what REPLACE rewrites.
CHANGED = {
    "events": {"recorded_by": "'insider'"},
    "outbox": {"status": "'pending'", "delivered_at": "NULL", "attempts": "0"},
    "cases": {"team": "'elsewhere'"},
    "child_facts": {"la_child_id": "'LA9'"},
    "audit_log": {"actor": "'insider'"},
    "store_settings": {"value": "'real'"},
}
COPY = {
    table: "SELECT "
    + ", ".join(change.get(c.name, c.name) for c in Base.metadata.tables[table].columns)
    + f" FROM {table}"
    for table, change in CHANGED.items()
}


def columns(table: str) -> str:
    return ", ".join(Base.metadata.tables[table].columns.keys())


@ON_SQLITE  # PostgreSQL has no REPLACE
@pytest.mark.parametrize("verb", ["INSERT OR REPLACE INTO", "REPLACE INTO"])
@pytest.mark.parametrize("table", sorted(COPY))
def test_replace_rewrites_nothing_on_sqlite(
    store: CaseRepository, insider: Run, verb: str, table: str
) -> None:
    before = snapshot(store)
    refused(insider, f"{verb} {table} ({columns(table)}) {COPY[table]}", "never", "only", "once")
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("events", "recorded_by = 'insider'"),
        ("outbox", "status = 'pending', delivered_at = NULL"),
        ("child_facts", "la_child_id = 'LA9'"),
        ("audit_log", "actor = 'insider'"),
    ],
)
def test_an_upsert_rewrites_nothing(
    store: CaseRepository, insider: Run, table: str, change: str
) -> None:
    before = snapshot(store)
    statement = (
        f"INSERT INTO {table} ({columns(table)}) {COPY[table]} WHERE true "
        f"ON CONFLICT (id) DO UPDATE SET {change}"
    )
    refused(insider, statement, "append-only", "never", "only by a new version")
    assert snapshot(store) == before


@pytest.mark.parametrize("table", ["outbox", "digests"])
@pytest.mark.parametrize(
    "change",
    [
        "status = 'pending', next_attempt_at = delivered_at",  # set back to be sent again
        "delivered_at = '2000-01-01 00:00:00'",  # backdated
        "delivered_to = '[\"mailto://insider@example.org\"]'",  # readdressed
        "attempts = 0",
    ],
)
def test_a_delivered_notice_is_frozen(
    store: CaseRepository, insider: Run, table: str, change: str
) -> None:
    before = snapshot(store)
    refused(insider, f"UPDATE {table} SET {change} WHERE status = 'delivered'", "never changed")
    assert snapshot(store) == before


def test_a_withdrawn_notice_may_only_be_queued_again(store: CaseRepository, insider: Run) -> None:
    pending = "status = 'pending'"
    insider(f"UPDATE outbox SET status = 'withdrawn' WHERE {pending}")
    refused(insider, "UPDATE outbox SET status = 'delivered' WHERE status = 'withdrawn'",
            "queued again")  # fmt: skip
    insider("UPDATE outbox SET status = 'pending' WHERE status = 'withdrawn'")
    assert {e.status.value for e in store.outbox_of("BED-0001")} == {"delivered", "pending"}


@pytest.mark.parametrize(
    "statement",
    ["DELETE FROM cases", "UPDATE cases SET reference = 'CP-9999'", "UPDATE cases SET team = 'x'"],
)
def test_a_case_is_never_deleted_nor_renamed(
    store: CaseRepository, insider: Run, statement: str
) -> None:
    before = snapshot(store)
    refused(insider, statement, "never replaced, renamed or deleted")
    assert snapshot(store) == before
    assert store.journal("BED-0001")  # its journal is still its own


@pytest.mark.parametrize(
    "statement", ["UPDATE child_facts SET la_child_id = 'LA9'", "DELETE FROM child_facts"]
)
def test_a_childs_facts_are_never_changed_in_place(
    store: CaseRepository, insider: Run, statement: str
) -> None:
    before = snapshot(store)
    refused(insider, statement, "only by a new version")
    assert snapshot(store) == before


def test_setting_a_childs_facts_again_adds_an_audited_version(store: CaseRepository) -> None:
    store.set_child_facts("BED-0001", [facts(la_child_id="LA0002")], recorded_by="tm", source="cli")
    assert store.child_facts_of("BED-0001", read_by=None) == (facts(la_child_id="LA0002"),)
    with store.database.reading() as session:
        kept = session.execute(text("SELECT version, la_child_id FROM child_facts ORDER BY 1"))
        assert [tuple(row) for row in kept] == [(1, "LA0001"), (2, "LA0002")]
    sets = [e for e in store.audit_log("child_facts.set")]
    assert [(e.actor, e.detail["version"]) for e in sets] == [("tm", 2), ("admin", 1)]


@ON_SQLITE  # PostgreSQL always keeps its foreign keys
def test_on_sqlite_the_stores_own_connections_keep_foreign_keys_on(
    store: CaseRepository,
) -> None:
    with store.database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@ON_POSTGRES  # SQLite has no roles: its file is private to its owner (test_files.py)
@pytest.mark.parametrize(
    "statement",
    [
        "DROP TRIGGER events_append_only ON events",
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "TRUNCATE events",
        "DELETE FROM events",
        "UPDATE events SET recorded_by = 'x'",
        "DELETE FROM outbox",
        "UPDATE outbox SET obligation = 'x'",
        "UPDATE cases SET reference = 'CP-9999'",
        "DELETE FROM cases",
        "DELETE FROM child_facts",
        "UPDATE audit_log SET actor = 'x'",
        "CREATE TABLE mine (x int)",
    ],
)
def test_on_postgresql_the_application_role_may_only_read_add_and_deliver(
    store: CaseRepository, statement: str
) -> None:
    before = snapshot(store)
    with pytest.raises(Exception) as caught, store.database.writing() as session:
        session.execute(text(statement))
    assert "permission denied" in str(caught.value) or "must be owner" in str(caught.value)
    assert snapshot(store) == before


def test_the_application_role_still_does_its_work(store: CaseRepository) -> None:
    """Reading, recording, waking, delivering and rebuilding the read model need nothing
    more than it is granted."""
    with store.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Base.metadata.tables["events"]))
    store.refresh("BED-0001", LATER)
    store.rebuild_summaries(LATER, restart=True)
    due = store.outbox.claim(LATER)
    store.outbox.record([sent(entry.key, LATER) for entry in due])
