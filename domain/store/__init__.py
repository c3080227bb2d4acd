"""The case store: SQLAlchemy tables, the repository, migrations, import and export.

The only place in domain/ that uses SQLAlchemy (docs/architecture.md).
"""

from domain.store.database import Database, database_url, make_engine
from domain.store.digests import DigestEntry, DigestSnapshot
from domain.store.errors import (
    CaseExists,
    CaseNotFound,
    ConcurrencyConflict,
    DigestNotFound,
    OutboxEntryNotFound,
    StoreError,
    is_transient,
)
from domain.store.outbox import OutboxEntry
from domain.store.reports import CaseSummary, JournalEntry
from domain.store.repository import CaseRepository, DueCase
from domain.store.rules import CaseRules, DomainRules, Standing
from domain.store.summaries import OverdueCase, OverdueObligation
from domain.store.tables import CaseStatus, OutboxStatus, Source


def upgrade(database: Database, *, simulation: bool = False) -> str | None:
    """Create or migrate the schema (Alembic is imported only here: a wake never needs it).
    ``simulation``: mark a new, empty store as a simulation's (``domain.store.settings``)."""
    from domain.store.migrate import upgrade as run_migrations

    return run_migrations(database, simulation=simulation)


__all__ = [
    "CaseExists",
    "CaseNotFound",
    "CaseRepository",
    "CaseRules",
    "CaseStatus",
    "CaseSummary",
    "ConcurrencyConflict",
    "Database",
    "DigestEntry",
    "DigestNotFound",
    "DigestSnapshot",
    "DomainRules",
    "DueCase",
    "JournalEntry",
    "OutboxEntry",
    "OutboxEntryNotFound",
    "OutboxStatus",
    "OverdueCase",
    "OverdueObligation",
    "Source",
    "Standing",
    "StoreError",
    "database_url",
    "is_transient",
    "make_engine",
    "upgrade",
]
