"""Read-only queries for people: case lists, a case's timeline, overdue obligations by team.

Obligations are never stored: they are derived again from the events as of the time asked
(ARCHITECTURE.md), so these reports can never disagree with what the case flows do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select

from domain.history import CaseHistory
from domain.ladder import Obligation
from domain.obligations import CaseView
from domain.profiles import load_profile
from domain.recipients import overdue_since
from domain.store.common import StoreBase, case_row, histories_of, history_of
from domain.store.tables import CaseRow, CaseStatus, EventRow

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


@dataclass(frozen=True)
class OverdueObligation:
    """One overdue obligation of an open case: the case reference and what is overdue, by
    whom, since when; member ids only, never names (R-G1)."""

    reference: str
    team: str
    key: str
    rule: str
    title: str
    owner_role: str
    due: date
    rung: str | None
    subject: str
    owner: str | None
    overdue_since: date


def _value(field: Any) -> Any:
    """An enum member's value, or the field itself."""
    return getattr(field, "value", field)


def _summary(row: CaseRow) -> CaseSummary:
    return CaseSummary(
        row.reference, row.profile, row.team, row.status, row.next_wake, row.last_seq,
        row.flow_run_id,
    )  # fmt: skip


class ReportsMixin(StoreBase):
    def list_cases(self, team: str | None = None, status: str | None = None) -> list[CaseSummary]:
        with self._db.reading() as session:
            return [_summary(row) for row in session.scalars(_cases_query(team, status))]

    def summary(self, reference: str) -> CaseSummary:
        """One case's row: status, next wake, its flow run, events recorded."""
        with self._db.reading() as session:
            return _summary(case_row(session, reference))

    def journal(self, reference: str) -> list[JournalEntry]:
        with self._db.reading() as session:
            case_id = case_row(session, reference).id
            rows = session.scalars(
                select(EventRow).where(EventRow.case_id == case_id).order_by(EventRow.seq)
            )
            return [
                JournalEntry(
                    row.seq,
                    row.type,
                    date.fromisoformat(str(row.payload["on"])),
                    row.recorded_by,
                    row.recorded_at,
                    row.source,
                )
                for row in rows
            ]

    def case_view(self, reference: str, as_of: datetime) -> CaseView:
        """The domain's view of one case as of a time (its obligations, dispatches, next wake)."""
        with self._db.reading() as session:
            history = history_of(session, case_row(session, reference))
        return self._rules.view(history, as_of)

    def overdue_obligations(
        self, as_of: datetime, team: str | None = None
    ) -> Iterator[OverdueObligation]:
        """Every overdue obligation of every open case, derived as of ``as_of``."""
        for history in self._open_histories(team):
            calendar = load_profile(history.profile).calendar
            for obligation in self._rules.view(history, as_of).obligations:
                since = overdue_since(obligation, calendar)
                if since is not None:  # None unless the obligation's status is overdue
                    yield _overdue(history, obligation, since)

    def overdue_by_team(self, as_of: datetime) -> dict[str, dict[str, int]]:
        """Counts of overdue obligations per team and per escalation rung reached (R-E1)."""
        counts: dict[str, Counter[str]] = {}
        for overdue in self.overdue_obligations(as_of):
            counts.setdefault(overdue.team, Counter())[overdue.rung or "none"] += 1
        return {team: dict(sorted(by_rung.items())) for team, by_rung in sorted(counts.items())}

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

    def _open_histories(self, team: str | None) -> Iterator[CaseHistory]:
        with self._db.reading() as session:
            rows = list(session.scalars(_cases_query(team, CaseStatus.OPEN.value)))
            for start in range(0, len(rows), BATCH):
                yield from histories_of(session, rows[start : start + BATCH])


def _overdue(history: CaseHistory, obligation: Obligation, since: date) -> OverdueObligation:
    return OverdueObligation(
        reference=history.reference,
        team=history.team,
        key=obligation.key,
        rule=obligation.rule,
        title=obligation.title,
        owner_role=str(_value(obligation.owner_role)),
        due=obligation.due,
        rung=None if obligation.rung is None else str(_value(obligation.rung)),
        subject=obligation.subject,
        owner=obligation.owner,
        overdue_since=since,
    )


def _cases_query(team: str | None, status: str | None) -> Select[tuple[CaseRow]]:
    query = select(CaseRow).order_by(CaseRow.reference)
    if team is not None:
        query = query.where(CaseRow.team == team)
    if status is not None:
        query = query.where(CaseRow.status == status)
    return query
