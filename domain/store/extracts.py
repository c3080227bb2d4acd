"""What the returns read (``returns/``): every case with its history and its children's
personal facts, a batch of cases per read, so a national caseload streams through in bounded
memory. Read only; the return that reads records itself in the audit log (R-G2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, null, select, type_coerce
from sqlalchemy.orm import Session

from domain.child_facts import ChildFacts
from domain.events import event_from_dict
from domain.history import CaseHistory
from domain.store.child_facts import facts_of
from domain.store.common import StoreBase, histories_of
from domain.store.tables import CaseRow, EventRow, Source

BATCH = 500


@dataclass(frozen=True)
class CaseRecord:
    """One case as the returns see it: its history and what identifies its children."""

    history: CaseHistory
    facts: tuple[ChildFacts, ...]
    # When the store learned each event, in the journal's order (the timeliness report's
    # recording measure): None for an event that came in by import (a migration, not an
    # admin recording it); empty where the record did not come from a store.
    recorded_at: tuple[datetime | None, ...] = ()

    @property
    def reference(self) -> str:
        return self.history.reference

    @property
    def team(self) -> str:
        return self.history.team


class ExtractsMixin(StoreBase):
    def case_records(self, batch: int = BATCH, recorded_at: bool = False) -> Iterator[CaseRecord]:
        """Every case, in the order it was opened, ``batch`` cases per read; with
        ``recorded_at``, when each event was recorded too (only the timeliness report needs
        it: reading those times costs a fifth more)."""
        after = 0
        while True:
            with self._db.reading() as session:
                rows = list(
                    session.scalars(
                        select(CaseRow).where(CaseRow.id > after).order_by(CaseRow.id).limit(batch)
                    )
                )
                if not rows:
                    return
                facts = facts_of(session, [row.id for row in rows])
                if recorded_at:
                    records = _records(session, rows)
                else:
                    records = [(history, ()) for history in histories_of(session, rows)]
            for row, (history, times) in zip(rows, records, strict=True):
                yield CaseRecord(history, facts.get(row.id, ()), times)
            after = rows[-1].id


def _records(
    session: Session, rows: list[CaseRow]
) -> list[tuple[CaseHistory, tuple[datetime | None, ...]]]:
    """Each case's history and when each event was recorded, one query for all of them."""
    events: dict[int, list[tuple[dict[str, object], datetime | None]]] = {r.id: [] for r in rows}
    # An imported event's time is not read at all (NULL): a migrated store pays nothing.
    recorded = case((EventRow.source == Source.IMPORT.value, null()), else_=EventRow.recorded_at)
    query = (
        select(EventRow.case_id, EventRow.payload, type_coerce(recorded, EventRow.recorded_at.type))
        .where(EventRow.case_id.in_(list(events)))
        .order_by(EventRow.case_id, EventRow.seq)
    )
    for case_id, payload, recorded_at in session.execute(query):
        events[case_id].append((payload, recorded_at))
    return [
        (
            CaseHistory(
                reference=row.reference,
                profile=row.profile,
                team=row.team,
                events=tuple(event_from_dict(payload) for payload, _ in events[row.id]),
            ),
            tuple(at for _, at in events[row.id]),
        )  # fmt: skip
        for row in rows
    ]
