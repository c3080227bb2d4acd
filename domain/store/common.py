"""What every part of the repository shares: the database, the rules, the clock, and reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import Insert, Select, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from domain.events import Event, event_from_dict
from domain.history import CaseHeader, CaseHistory
from domain.store.database import Database
from domain.store.errors import CaseNotFound
from domain.store.rules import CaseRules, DomainRules
from domain.store.tables import CaseRow, Delivery, EventRow, OutboxStatus

Clock = Callable[[], datetime]

# How long a claimed notice is hidden from other senders: longer than one batch's sends.
CLAIM_LEASE = timedelta(minutes=10)
RETRYABLE = (OutboxStatus.PENDING.value, OutboxStatus.FAILED.value)
Row = TypeVar("Row", bound=Delivery)


def insert_if_absent(
    session: Session, model: Any, key: InstrumentedAttribute[str], rows: list[dict[str, Any]]
) -> tuple[str, ...]:
    """Insert the rows whose unique ``key`` is not there yet; returns the keys that were new
    (RETURNING yields only the rows actually inserted). What makes a rung, or a day's
    digest, go out once however often it is asked for (R-E1)."""
    if not rows:
        return ()
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(model).on_conflict_do_nothing(index_elements=[key])
    elif dialect == "sqlite":
        statement = sqlite.insert(model).on_conflict_do_nothing(index_elements=[key])
    else:
        raise NotImplementedError(f"no insert-if-absent for the {dialect} dialect")
    return tuple(found for (found,) in session.execute(statement.returning(key), rows))


def pending_fields(next_attempt_at: datetime, created_at: datetime) -> dict[str, Any]:
    """A new row's delivery state: pending, never tried, due at ``next_attempt_at``."""
    return {
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": next_attempt_at,
        "created_at": created_at,
    }


def delivery_state(row: Delivery) -> dict[str, Any]:
    """A row's delivery state as its entry shows it (the outbox's and the digests' alike)."""
    return {
        "status": OutboxStatus(row.status),
        "attempts": row.attempts,
        "last_error": row.last_error,
        "next_attempt_at": row.next_attempt_at,
        "delivered_at": row.delivered_at,
        "created_at": row.created_at,
        "delivered_to": tuple(row.delivered_to or ()),
    }


def delivered(model: type[Delivery], at: datetime) -> dict[str, Any]:
    """The values that record a delivery (one more attempt, nothing left to retry)."""
    return {
        "status": OutboxStatus.DELIVERED.value,
        "delivered_at": at,
        "next_attempt_at": None,
        "attempts": model.attempts + 1,
    }


def failed(model: type[Delivery], error: str, next_attempt_at: datetime | None) -> dict[str, Any]:
    """A failed attempt; ``next_attempt_at=None`` gives up, leaving the row visible."""
    return {
        "status": OutboxStatus.FAILED.value,
        "last_error": error[:2000],
        "next_attempt_at": next_attempt_at,
        "attempts": model.attempts + 1,
    }


def mark(
    session: Session,
    model: type[Delivery],
    key: InstrumentedAttribute[str],
    value: str,
    missing: Callable[[str], Exception],
    **values: Any,
) -> None:
    """Update the row keyed ``value``; a delivered row stays delivered (a late retry must
    not reopen it), a withdrawn one withdrawn, and an unknown key raises ``missing(value)``."""
    statement = (
        update(model).where(key == value).where(model.status.in_(RETRYABLE)).values(**values)
    )
    changed = session.execute(statement).rowcount  # type: ignore[attr-defined]
    if changed == 0 and session.scalar(select(model.id).where(key == value)) is None:
        raise missing(value)


class Attempt(Protocol):
    """One send attempt's outcome (``notifications.delivery.RowResult`` has these fields)."""

    @property
    def idempotency_key(self) -> str: ...
    @property
    def delivered(self) -> bool: ...
    @property
    def attempted_at(self) -> datetime: ...
    @property
    def error(self) -> str | None: ...
    @property
    def next_attempt_at(self) -> datetime | None: ...
    @property
    def delivered_to(self) -> tuple[str, ...]: ...


def record_attempts(
    session: Session,
    model: type[Delivery],
    key: InstrumentedAttribute[str],
    missing: Callable[[str], Exception],
    attempts: Iterable[Attempt],
) -> int:
    """A batch of outcomes in one transaction (one commit, not two per row): each row's
    status and the endpoints it has reached together. Returns how many were delivered."""
    count = 0
    for attempt in attempts:
        if attempt.delivered:
            values = delivered(model, attempt.attempted_at)
            count += 1
        else:
            values = failed(model, attempt.error or "", attempt.next_attempt_at)
        if attempt.delivered_to:
            values["delivered_to"] = sorted(set(attempt.delivered_to))
        mark(session, model, key, attempt.idempotency_key, missing, **values)
    return count


def due(column: Any, model: type[Delivery], as_of: datetime, limit: int) -> Select[Any]:
    """Rows to attempt at ``as_of``: pending, or failed with a retry time that has come;
    oldest first."""
    return (
        select(column)
        .where(model.status.in_(RETRYABLE))
        .where(model.next_attempt_at <= as_of)
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
    )


def claim_due(
    session: Session, model: type[Row], as_of: datetime, limit: int, lease: timedelta
) -> list[Row]:
    """Take the rows due at ``as_of`` for one sender: their next attempt moves to
    ``as_of + lease``, so a second sender (another wake, worker or machine) skips them.

    The UPDATE re-checks the due condition under the row lock (SQLite serialises writers;
    PostgreSQL re-evaluates it on a row changed by a concurrent transaction), so two senders
    never both take a row; ``SKIP LOCKED`` only spares PostgreSQL the wait. The sender
    records the outcome (delivered, or failed with a retry time); if it dies first, the
    row is due again when the lease ends: at-least-once, never twice at once.
    """
    ids = list(
        session.scalars(due(model.id, model, as_of, limit).with_for_update(skip_locked=True))
    )
    if not ids:
        return []
    taken = (
        update(model)
        .where(model.id.in_(ids))
        .where(model.status.in_(RETRYABLE))
        .where(model.next_attempt_at <= as_of)
        .values(next_attempt_at=as_of + lease)
        .returning(model)
    )
    rows = session.scalars(taken, execution_options={"synchronize_session": False}).all()
    return sorted(rows, key=lambda row: row.id)


def wall_clock() -> datetime:
    """When a row was written, for the audit log (R-G2); never used to derive obligations."""
    return datetime.now(UTC)


class StoreBase:
    def __init__(
        self,
        database: Database,
        rules: CaseRules | None = None,
        clock: Clock = wall_clock,
    ) -> None:
        self._db = database
        self._rules: CaseRules = rules or DomainRules()
        self._clock = clock

    @property
    def database(self) -> Database:
        return self._db


def case_row(session: Session, reference: str) -> CaseRow:
    row = session.scalars(select(CaseRow).where(CaseRow.reference == reference)).one_or_none()
    if row is None:
        raise CaseNotFound(reference)
    return row


def header_of(row: CaseRow) -> CaseHeader:
    return CaseHeader(reference=row.reference, profile=row.profile, team=row.team)


def events_of(session: Session, case_id: int) -> tuple[Event, ...]:
    payloads = session.scalars(
        select(EventRow.payload).where(EventRow.case_id == case_id).order_by(EventRow.seq)
    )
    return tuple(event_from_dict(payload) for payload in payloads)


def history_of(session: Session, row: CaseRow, extra: Iterable[Event] = ()) -> CaseHistory:
    events = events_of(session, row.id) + tuple(extra)
    return CaseHistory(reference=row.reference, profile=row.profile, team=row.team, events=events)


def histories_of(session: Session, rows: list[CaseRow]) -> Iterator[CaseHistory]:
    """Many cases' histories with one query for all their events."""
    by_id: dict[int, list[Event]] = {row.id: [] for row in rows}
    query = (
        select(EventRow.case_id, EventRow.payload)
        .where(EventRow.case_id.in_(list(by_id)))
        .order_by(EventRow.case_id, EventRow.seq)
    )
    for case_id, payload in session.execute(query):
        by_id[case_id].append(event_from_dict(payload))
    for row in rows:
        yield CaseHistory(
            reference=row.reference, profile=row.profile, team=row.team, events=tuple(by_id[row.id])
        )
