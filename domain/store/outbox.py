"""The dispatch outbox: insert-if-absent on the idempotency key, then at-least-once delivery.

The unique key (case, obligation, rung) is what makes each rung fire exactly once (R-E1):
a retry, a crash or a re-executed flow finds the key already there and adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.dispatch import Dispatch
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
from domain.store.errors import CaseNotFound, OutboxEntryNotFound
from domain.store.tables import CaseRow, OutboxRow, OutboxStatus


@dataclass(frozen=True)
class OutboxEntry:
    idempotency_key: str
    dispatch: Dispatch
    status: OutboxStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    delivered_to: tuple[str, ...] = ()


def insert_dispatches(
    session: Session, case_ids: Mapping[str, int], dispatches: Iterable[Dispatch], now: datetime
) -> int:
    """Add the dispatches not already in the outbox; returns how many were new."""
    rows = [_row(case_ids, dispatch, now) for dispatch in dispatches]
    return insert_if_absent(session, OutboxRow, OutboxRow.idempotency_key, rows)


def _row(case_ids: Mapping[str, int], dispatch: Dispatch, now: datetime) -> dict[str, Any]:
    if dispatch.case_reference not in case_ids:
        raise CaseNotFound(dispatch.case_reference)
    return {
        "idempotency_key": dispatch.idempotency_key,
        "case_id": case_ids[dispatch.case_reference],
        "obligation": dispatch.obligation,
        "rung": dispatch.rung.value,
        "payload": dispatch.model_dump(mode="json"),
        **pending_fields(dispatch.fires_at, now),
    }


def _entry(row: OutboxRow) -> OutboxEntry:
    return OutboxEntry(
        idempotency_key=row.idempotency_key,
        dispatch=Dispatch.model_validate(row.payload),
        **delivery_state(row),
    )


class OutboxMixin(StoreBase):
    def enqueue(self, dispatches: Iterable[Dispatch]) -> int:
        """Insert-if-absent; returns the number newly inserted (0 for a repeat)."""
        wanted = list(dispatches)
        references = {dispatch.case_reference for dispatch in wanted}
        with self._db.writing() as session:
            found = session.execute(
                select(CaseRow.reference, CaseRow.id).where(CaseRow.reference.in_(references))
            )
            case_ids = {reference: case_id for reference, case_id in found}
            return insert_dispatches(session, case_ids, wanted, self._clock())

    def pending_outbox(self, as_of: datetime, limit: int = 100) -> list[OutboxEntry]:
        """Entries to attempt now: pending, or failed with a retry time that has come."""
        with self._db.reading() as session:
            return [_entry(row) for row in session.scalars(due(OutboxRow, OutboxRow, as_of, limit))]

    def claim_outbox(
        self, as_of: datetime, limit: int = 100, lease: timedelta = CLAIM_LEASE
    ) -> list[OutboxEntry]:
        """The entries due now, taken for one sender so no concurrent sender takes them too
        (each rung reaches each recipient once, R-E1, with many workers delivering)."""
        with self._db.writing() as session:
            return [_entry(row) for row in claim_due(session, OutboxRow, as_of, limit, lease)]

    def undelivered(self, limit: int = 50) -> tuple[int, list[OutboxEntry]]:
        """Notices that failed at least once and are not delivered yet: how many, and the
        oldest ``limit`` of them with their last error (for operations staff to act on)."""
        failing = OutboxRow.status == OutboxStatus.FAILED.value
        query = select(OutboxRow).where(failing).order_by(OutboxRow.created_at, OutboxRow.id)
        with self._db.reading() as session:
            count = session.scalar(select(func.count()).select_from(OutboxRow).where(failing))
            return int(count or 0), [_entry(row) for row in session.scalars(query.limit(limit))]

    def outbox_of(self, reference: str) -> list[OutboxEntry]:
        query = (
            select(OutboxRow)
            .join(CaseRow, CaseRow.id == OutboxRow.case_id)
            .where(CaseRow.reference == reference)
            .order_by(OutboxRow.id)
        )
        with self._db.reading() as session:
            return [_entry(row) for row in session.scalars(query)]

    def mark_delivered(self, idempotency_key: str, delivered_at: datetime | None = None) -> None:
        self._mark(idempotency_key, **delivered(OutboxRow, delivered_at or self._clock()))

    def mark_failed(
        self, idempotency_key: str, error: str, next_attempt_at: datetime | None
    ) -> None:
        """Record a failed attempt; ``next_attempt_at=None`` gives up, leaving the row visible."""
        self._mark(idempotency_key, **failed(OutboxRow, error, next_attempt_at))

    def record_attempts(self, attempts: Iterable[Attempt]) -> int:
        """A sender's batch of outcomes, in one transaction; returns how many were delivered."""
        key = OutboxRow.idempotency_key
        with self._db.writing() as session:
            return record_attempts(session, OutboxRow, key, OutboxEntryNotFound, attempts)

    def record_delivered_to(self, idempotency_key: str, delivered_to: list[str]) -> None:
        """Keep the endpoints a row has reached, so a retry does not send to them again."""
        self._mark(idempotency_key, delivered_to=sorted(set(delivered_to)))

    def _mark(self, idempotency_key: str, **values: Any) -> None:
        with self._db.writing() as session:
            mark(
                session, OutboxRow, OutboxRow.idempotency_key, idempotency_key,
                OutboxEntryNotFound, **values,
            )  # fmt: skip
