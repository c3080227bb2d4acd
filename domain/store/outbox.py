"""The dispatch outbox: insert-if-absent on the idempotency key, then at-least-once delivery.

The unique key (case, obligation, rung) is what makes each rung fire exactly once (R-E1):
a retry, a crash or a re-executed flow finds the key already there and adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from domain.dispatch import Dispatch
from domain.store.common import (
    RETRYABLE,
    StoreBase,
    delivery_state,
    insert_if_absent,
    pending_fields,
)
from domain.store.errors import CaseNotFound, OutboxEntryNotFound
from domain.store.queues import DeliveryQueue
from domain.store.tables import CaseRow, OutboxRow, OutboxStatus
from domain.withdrawal import Pending


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
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None  # why it was withdrawn (kept if queued again)

    @property
    def key(self) -> str:
        return self.idempotency_key


def insert_dispatches(
    session: Session, case_ids: Mapping[str, int], dispatches: Iterable[Dispatch], now: datetime
) -> tuple[str, ...]:
    """Add the dispatches not already in the outbox, and queue again those withdrawn that are
    owed again (never one delivered: each rung once, R-E1); returns the keys now queued."""
    rows = [_row(case_ids, dispatch, now) for dispatch in dispatches]
    added = insert_if_absent(session, OutboxRow, OutboxRow.idempotency_key, rows)
    return added + _queue_again(session, [r for r in rows if r["idempotency_key"] not in added])


def _queue_again(session: Session, rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """Withdrawn rows owed again (a voided entry had met them, a deadline moved back): pending
    once more, with what the notice now says. Rarely any: one query finds them first."""
    if not rows:
        return ()
    keys = [row["idempotency_key"] for row in rows]
    table = cast(Table, OutboxRow.__table__)
    withdrawn = table.c.status == OutboxStatus.WITHDRAWN.value
    found = set(
        session.scalars(
            select(table.c.idempotency_key).where(table.c.idempotency_key.in_(keys), withdrawn)
        )
    )
    again = [row for row in rows if row["idempotency_key"] in found]
    if again:
        session.execute(
            update(table)
            .where(table.c.idempotency_key == bindparam("key"), withdrawn)
            .values(
                status=OutboxStatus.PENDING.value,
                payload=bindparam("new_payload"),
                next_attempt_at=bindparam("retry_at"),
            ),
            [
                {
                    "key": r["idempotency_key"],
                    "new_payload": r["payload"],
                    "retry_at": r["next_attempt_at"],
                }
                for r in again
            ],  # fmt: skip
        )
    return tuple(row["idempotency_key"] for row in again)


def pending_of(session: Session, case_id: int) -> list[Pending]:
    """The case's rows queued and not yet delivered (pending, or failed and to be retried)."""
    query = select(OutboxRow.idempotency_key, OutboxRow.obligation, OutboxRow.rung).where(
        OutboxRow.case_id == case_id, OutboxRow.status.in_(RETRYABLE)
    )
    return [Pending(key, obligation, rung) for key, obligation, rung in session.execute(query)]


def withdraw(session: Session, reasons: Mapping[str, str], now: datetime) -> None:
    """Withdraw rows no longer owed, each with its reason: kept, never sent (R-E1, R-G2)."""
    if not reasons:
        return
    table = cast(Table, OutboxRow.__table__)
    session.execute(
        update(table)
        .where(
            table.c.idempotency_key == bindparam("key"),
            or_(*(table.c.status == status for status in RETRYABLE)),  # no IN: executemany
        )
        .values(
            status=OutboxStatus.WITHDRAWN.value,
            withdrawn_at=now,
            withdrawn_reason=bindparam("why"),
            next_attempt_at=None,
        ),
        [{"key": key, "why": reason} for key, reason in reasons.items()],
    )


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
        withdrawn_at=row.withdrawn_at,
        withdrawn_reason=row.withdrawn_reason,
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
