"""The dispatch outbox: insert-if-absent on the idempotency key, then at-least-once delivery.

The unique key (case, obligation, rung) is what makes each rung fire exactly once (R-E1):
a retry, a crash or a re-executed flow finds the key already there and adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.dispatch import Dispatch
from domain.store.common import StoreBase, delivery_state, insert_if_absent, pending_fields
from domain.store.errors import CaseNotFound, OutboxEntryNotFound
from domain.store.queues import DeliveryQueue
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

    @property
    def key(self) -> str:
        return self.idempotency_key


def insert_dispatches(
    session: Session, case_ids: Mapping[str, int], dispatches: Iterable[Dispatch], now: datetime
) -> tuple[str, ...]:
    """Add the dispatches not already in the outbox; returns the keys that were new."""
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
    @property
    def outbox(self) -> DeliveryQueue[OutboxEntry]:
        """The outbox as a delivery queue: ``claim`` what is due, ``record`` the outcomes."""
        return DeliveryQueue(
            self._db, self._clock, OutboxRow, OutboxRow.idempotency_key, OutboxEntryNotFound,
            _entry,  # type: ignore[arg-type]
        )  # fmt: skip

    def enqueue(self, dispatches: Iterable[Dispatch]) -> int:
        """Insert-if-absent; returns the number newly inserted (0 for a repeat)."""
        wanted = list(dispatches)
        references = {dispatch.case_reference for dispatch in wanted}
        with self._db.writing() as session:
            found = session.execute(
                select(CaseRow.reference, CaseRow.id).where(CaseRow.reference.in_(references))
            )
            case_ids = {reference: case_id for reference, case_id in found}
            return len(insert_dispatches(session, case_ids, wanted, self._clock()))

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
