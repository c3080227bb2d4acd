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
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import select

from domain.store.common import StoreBase, delivery_state, insert_if_absent, pending_fields
from domain.store.errors import DigestNotFound
from domain.store.queues import DeliveryQueue
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
    @property
    def digests(self) -> DeliveryQueue[DigestEntry]:
        """The digests as a delivery queue: ``claim`` what is due, ``record`` the outcomes."""
        return DeliveryQueue(
            self._db, self._clock, DigestRow, DigestRow.key, DigestNotFound,
            _entry,  # type: ignore[arg-type]
        )  # fmt: skip

    def enqueue_digests(self, digests: Iterable[DigestSnapshot], now: datetime) -> int:
        """Insert-if-absent, due at ``now`` (the tick's ``as_of``); returns how many were new."""
        rows = [_row(digest, now, self._clock()) for digest in digests]
        with self._db.writing() as session:
            return len(insert_if_absent(session, DigestRow, DigestRow.key, rows))

    def digests_of(self, day: date, team: str | None = None) -> list[DigestEntry]:
        """The digests enqueued for a day (one team's, or every team's), by team."""
        query = select(DigestRow).where(DigestRow.day == day).order_by(DigestRow.team)
        if team is not None:
            query = query.where(DigestRow.team == team)
        with self._db.reading() as session:
            return [_entry(row) for row in session.scalars(query)]
