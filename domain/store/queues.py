"""One delivery queue, two tables: the outbox (a case's rungs and notices) and the digests
(a team's day). Both hand out their due rows with ``claim`` and take the outcomes back with
``record``; nothing else changes a row's delivery state (R-E1: each rung once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from domain.store.common import (
    CLAIM_LEASE,
    RETRYABLE,
    Attempt,
    Clock,
    claim_due,
    due,
    record_attempts,
)
from domain.store.database import Database
from domain.store.tables import Delivery

EntryT = TypeVar("EntryT")
Row = TypeVar("Row", bound=Delivery)


class DeliveryQueue(Generic[EntryT]):
    """Rows of one table, due at ``next_attempt_at``, claimed by one sender at a time."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        model: type[Delivery],
        key: InstrumentedAttribute[str],
        missing: Callable[[str], Exception],
        entry: Callable[[Delivery], EntryT],
    ) -> None:
        self._db = database
        self._clock = clock
        self._model = model
        self._key = key
        self._missing = missing
        self._entry = entry

    def claim(
        self, as_of: datetime, limit: int = 100, lease: timedelta = CLAIM_LEASE
    ) -> list[EntryT]:
        """The rows due at ``as_of``, taken for one sender: another sender (a wake, a
        worker, another machine) skips them until the lease ends (``common.claim_due``)."""
        with self._db.writing() as session:
            rows = claim_due(session, self._model, as_of, limit, lease)
            return [self._entry(row) for row in rows]

    def record(self, attempts: Iterable[Attempt]) -> int:
        """A sender's outcomes, in one transaction: delivered, or failed with a retry time
        and the endpoints already reached. Returns how many were delivered."""
        with self._db.writing() as session:
            return record_attempts(session, self._model, self._key, self._missing, attempts)

    def still_due(self, key: str) -> bool:
        """Whether the row keyed ``key`` is still to be sent: asked just before each send, so
        a notice withdrawn while it was claimed (an entry that meets it, recorded meanwhile)
        never goes out (R-E1)."""
        with self._db.reading() as session:
            status = session.scalar(select(self._model.status).where(self._key == key))
        return status in RETRYABLE

    def due(self, as_of: datetime, limit: int = 100) -> list[EntryT]:
        """What a sender would claim at ``as_of``, without claiming it (for people)."""
        with self._db.reading() as session:
            query = due(self._model, self._model, as_of, limit)
            return [self._entry(row) for row in session.scalars(query)]
