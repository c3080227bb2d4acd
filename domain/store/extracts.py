"""What the returns read (``returns/``): every case with its history and its children's
personal facts, a batch of cases per read, so a national caseload streams through in bounded
memory. Read only; the return that reads records itself in the audit log (R-G2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from domain.child_facts import ChildFacts
from domain.history import CaseHistory
from domain.store.child_facts import facts_of
from domain.store.common import StoreBase, histories_of
from domain.store.tables import CaseRow

BATCH = 500


@dataclass(frozen=True)
class CaseRecord:
    """One case as the returns see it: its history and what identifies its children."""

    history: CaseHistory
    facts: tuple[ChildFacts, ...]

    @property
    def reference(self) -> str:
        return self.history.reference

    @property
    def team(self) -> str:
        return self.history.team


class ExtractsMixin(StoreBase):
    def case_records(self, batch: int = BATCH) -> Iterator[CaseRecord]:
        """Every case, in the order it was opened, ``batch`` cases per read."""
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
                histories = list(histories_of(session, rows))
            for row, history in zip(rows, histories, strict=True):
                yield CaseRecord(history, facts.get(row.id, ()))
            after = rows[-1].id
