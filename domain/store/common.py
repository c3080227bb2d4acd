"""What every part of the repository shares: the database, the rules, the clock, and reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.events import Event, event_from_dict
from domain.history import CaseHeader, CaseHistory
from domain.store.database import Database
from domain.store.errors import CaseNotFound
from domain.store.rules import CaseRules, DomainRules
from domain.store.tables import CaseRow, EventRow

Clock = Callable[[], datetime]


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
