"""Read-only queries for people: case lists, a case's timeline, overdue obligations by team.

A case's obligations in full are derived again from its events as of the time asked; views
of many cases read the read model instead (``domain/store/summaries.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select

from domain.events import EventVoided, event_from_dict
from domain.ladder import LONDON
from domain.obligations import CaseView
from domain.profiles import calendar_for, load_profile
from domain.recording import LATE_REASON_WORDS, LateReason, lag_words, recording_lag
from domain.store.common import StoreBase, case_row, history_of
from domain.store.summaries import overdue_at
from domain.store.tables import CaseRow, CaseStatus, EventRow, OpenObligationRow
from domain.timeline import describe

BATCH = 500


@dataclass(frozen=True)
class CaseSummary:
    reference: str
    profile: str
    team: str
    status: str
    next_wake: datetime | None
    last_seq: int
    flow_run_id: str | None


@dataclass(frozen=True)
class JournalEntry:
    """One line of a case's timeline: what happened, and who recorded it when, from where."""

    seq: int
    type: str
    on: date
    recorded_by: str
    recorded_at: datetime
    source: str
    what: str = ""  # the event in one line: who, what, the outcome (ids only, R-G1)
    voided_by: int | None = None  # the correction that voided it (R-G3), if any
    lag: int = 0  # working days between when it happened and when it was recorded
    late_reason: str | None = None  # why, if it was recorded late (domain.recording)

    @property
    def late_words(self) -> str:
        """ "recorded 3 working days later (written up after the meeting or visit)"."""
        words = lag_words(self.lag)
        if words and self.late_reason:
            words += f" ({LATE_REASON_WORDS.get(LateReason(self.late_reason), self.late_reason)})"
        return words


def _value(field: Any) -> Any:
    """An enum member's value, or the field itself."""
    return getattr(field, "value", field)


def _summary(row: CaseRow) -> CaseSummary:
    return CaseSummary(
        row.reference, row.profile, row.team, row.status, row.next_wake, row.last_seq,
        row.flow_run_id,
    )  # fmt: skip


class ReportsMixin(StoreBase):
    def list_cases(
        self,
        team: str | None = None,
        status: str | None = None,
        overdue_as_of: datetime | None = None,
    ) -> list[CaseSummary]:
        """The cases by reference; ``overdue_as_of``: only those with something overdue
        then, as the read model says (one query, columns only: 50,000 rows in a blink)."""
        query = _cases_query(team, status)
        if overdue_as_of is not None:
            late = select(OpenObligationRow.case_id).where(overdue_at(overdue_as_of))
            query = query.where(CaseRow.id.in_(late))
        with self._db.reading() as session:
            return [CaseSummary(*row) for row in session.execute(query)]

    def summary(self, reference: str) -> CaseSummary:
        """One case's row: status, next wake, its flow run, events recorded."""
        with self._db.reading() as session:
            return _summary(case_row(session, reference))

    def journal(self, reference: str) -> list[JournalEntry]:
        """The case's journal in the order it was recorded, each entry with its recording lag
        (in working days of the case's profile) and why it was late, if it said."""
        with self._db.reading() as session:
            row = case_row(session, reference)
            rows = list(
                session.scalars(
                    select(EventRow).where(EventRow.case_id == row.id).order_by(EventRow.seq)
                )
            )
            calendar = calendar_for(load_profile(row.profile))
        events = [(row, event_from_dict(row.payload)) for row in rows]
        voided = {e.voids: row.seq for row, e in events if isinstance(e, EventVoided)}
        return [
            JournalEntry(
                row.seq, row.type, event.on, row.recorded_by, row.recorded_at, row.source,
                describe(event), voided.get(row.seq),
                recording_lag(calendar, event.on, row.recorded_at.astimezone(LONDON).date()),
                row.late_reason,
            )
            for row, event in events
        ]  # fmt: skip

    def case_view(self, reference: str, as_of: datetime) -> CaseView:
        """The domain's view of one case as of a time (its obligations, dispatches, next wake)."""
        with self._db.reading() as session:
            history = history_of(session, case_row(session, reference))
        return self._rules.view(history, as_of)

    def open_teams(self) -> list[str]:
        """Every team with at least one open case, in order."""
        query = (
            select(CaseRow.team)
            .where(CaseRow.status == CaseStatus.OPEN.value)
            .distinct()
            .order_by(CaseRow.team)
        )
        with self._db.reading() as session:
            return list(session.scalars(query))


def _cases_query(
    team: str | None, status: str | None
) -> Select[str, str, str, str, datetime | None, int, str | None]:
    query = select(
        CaseRow.reference, CaseRow.profile, CaseRow.team, CaseRow.status, CaseRow.next_wake,
        CaseRow.last_seq, CaseRow.flow_run_id,
    ).order_by(CaseRow.reference)  # fmt: skip
    if team is not None:
        query = query.where(CaseRow.team == team)
    if status is not None:
        query = query.where(CaseRow.status == status)
    return query
