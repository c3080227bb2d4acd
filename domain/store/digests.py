"""The daily digests: insert-if-absent on ``digest|<team>|<day>``, then at-least-once delivery.

The clock ticks every 15 minutes and every tick after the digest hour asks for the day's
digests; the unique key lets only the first add a row, so a team manager hears once a day
however often the clock, a retry or an admin asks (R-E1). The row keeps the digest as it
was when created (a retry sends the same content) and records whom it reached and when
(R-G2). The store knows a digest only as a key, a team, a day and a JSON payload: what is
in it is for notifications/ to say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select

from domain.store.common import (
    CLAIM_LEASE,
    Attempt,
    StoreBase,
    claim_due,
    delivered,
    delivery_state,
    due,
    failed,
    insert_if_absent,
    mark,
    pending_fields,
    record_attempts,
)
from domain.store.errors import DigestNotFound
from domain.store.tables import DigestRow, OutboxStatus


class DigestSnapshot(Protocol):
    """What the store needs of a digest (``notifications.digest.TeamDigest`` has it)."""

    @property
    def key(self) -> str: ...

    @property
    def team(self) -> str: ...

    @property
    def day(self) -> date: ...

    def model_dump(self, *, mode: str = "python") -> dict[str, Any]: ...


@dataclass(frozen=True)
class DigestEntry:
    key: str
    team: str
    day: date
    payload: dict[str, Any]
    status: OutboxStatus  # the same lifecycle as an outbox row
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    delivered_to: tuple[str, ...] = ()


def _row(digest: DigestSnapshot, now: datetime, created_at: datetime) -> dict[str, Any]:
    return {
        "key": digest.key,
        "team": digest.team,
        "day": digest.day,
        "payload": digest.model_dump(mode="json"),
        **pending_fields(now, created_at),
    }


def _entry(row: DigestRow) -> DigestEntry:
    return DigestEntry(
        key=row.key,
        team=row.team,
        day=row.day,
        payload=dict(row.payload),
        **delivery_state(row),
    )


class DigestsMixin(StoreBase):
    def enqueue_digests(self, digests: Iterable[DigestSnapshot], now: datetime) -> int:
        """Insert-if-absent, due at ``now`` (the tick's ``as_of``); returns how many were new."""
        rows = [_row(digest, now, self._clock()) for digest in digests]
        with self._db.writing() as session:
            return insert_if_absent(session, DigestRow, DigestRow.key, rows)

    def pending_digests(self, as_of: datetime, limit: int = 100) -> list[DigestEntry]:
        """Digests to attempt now: pending, or failed with a retry time that has come."""
        with self._db.reading() as session:
            return [_entry(row) for row in session.scalars(due(DigestRow, DigestRow, as_of, limit))]

    def claim_digests(
        self, as_of: datetime, limit: int = 100, lease: timedelta = CLAIM_LEASE
    ) -> list[DigestEntry]:
        """The digests due now, taken for one sender (see ``common.claim_due``)."""
        with self._db.writing() as session:
            return [_entry(row) for row in claim_due(session, DigestRow, as_of, limit, lease)]

    def digests_of(self, day: date, team: str | None = None) -> list[DigestEntry]:
        """The digests enqueued for a day (one team's, or every team's), by team."""
        query = select(DigestRow).where(DigestRow.day == day).order_by(DigestRow.team)
        if team is not None:
            query = query.where(DigestRow.team == team)
        with self._db.reading() as session:
            return [_entry(row) for row in session.scalars(query)]

    def mark_digest_delivered(self, key: str, delivered_at: datetime | None = None) -> None:
        self._mark_digest(key, **delivered(DigestRow, delivered_at or self._clock()))

    def mark_digest_failed(self, key: str, error: str, next_attempt_at: datetime | None) -> None:
        """Record a failed attempt; ``next_attempt_at=None`` gives up, leaving the row visible."""
        self._mark_digest(key, **failed(DigestRow, error, next_attempt_at))

    def record_digest_attempts(self, attempts: Iterable[Attempt]) -> int:
        """A sender's batch of outcomes, in one transaction; returns how many were delivered."""
        with self._db.writing() as session:
            return record_attempts(session, DigestRow, DigestRow.key, DigestNotFound, attempts)

    def record_digest_delivered_to(self, key: str, delivered_to: list[str]) -> None:
        """Keep the endpoints a digest has reached, so a retry does not send to them again."""
        self._mark_digest(key, delivered_to=sorted(set(delivered_to)))

    def _mark_digest(self, key: str, **values: Any) -> None:
        with self._db.writing() as session:
            mark(session, DigestRow, DigestRow.key, key, DigestNotFound, **values)
