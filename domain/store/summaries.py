"""The read model: per case its drift, per open obligation the moments its status changes
and its rungs fall (``domain.summary``). Written in the same transaction as every event
and every wake; read by every view of many cases, "as of T", as SQL.

The status and the rung of an open obligation as of T are the columns' own comparisons
(``rung_at``, ``overdue_at``): the same rule as ``OpenObligation.status_at``/``rung_at``,
which a property test holds equal to the obligations engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from domain.dispatch import Rung
from domain.store.common import StoreBase, histories_of
from domain.store.rules import Standing
from domain.store.tables import (
    CaseRow,
    CaseSummaryRow,
    OpenObligationRow,
    SummaryRebuildRow,
)
from domain.summary import Drift

RUNG_COLUMNS: dict[Rung, str] = {
    Rung.REMINDER: "reminder_at",
    Rung.CHASE: "chase_at",
    Rung.MISSED: "missed_at",
    Rung.ESCALATION_TM: "escalation_tm_at",
    Rung.ESCALATION_FINAL: "escalation_final_at",
}
REBUILD_BATCH = 500
ESCALATED = frozenset({Rung.ESCALATION_TM.value, Rung.ESCALATION_FINAL.value})


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
    acknowledged_on: date | None = None  # R-E6


@dataclass(frozen=True)
class ObligationAt:
    """One open obligation of a case as of a moment, read from the read model."""

    key: str
    rule: str
    title: str
    owner_role: str
    owner: str | None
    due: date
    status: str
    rung: str | None
    overdue_since: date
    subject: str = ""
    acknowledged_on: date | None = None

    @property
    def escalated(self) -> bool:
        """Escalated to the team manager or beyond, and not yet acknowledged (R-E6)."""
        return self.rung in ESCALATED and self.acknowledged_on is None


@dataclass(frozen=True)
class OverdueCase:
    """A case with something overdue as of a moment, for lists people act on."""

    reference: str
    team: str
    overdue: int
    oldest_overdue: date
    worst_rung: str | None
    flow_run_id: str | None
    oldest_owner: str | None = None  # who owns the oldest overdue obligation
    acknowledged: int = 0  # of them, escalations the team manager acknowledged (R-E6)


LADDER = [rung.value for rung in RUNG_COLUMNS]


def _worse(one: str | None, other: str | None) -> str | None:
    if one is None or other is None:
        return one or other
    return max(one, other, key=LADDER.index)


Entry = tuple[int, str, int, Standing]  # case id, team, seq, standing


def write_summaries(session: Session, entries: Sequence[Entry]) -> None:
    """Replace the read model of these cases with what their standings say."""
    if not entries:
        return
    ids = [case_id for case_id, _, _, _ in entries]
    session.execute(delete(OpenObligationRow).where(OpenObligationRow.case_id.in_(ids)))
    session.execute(delete(CaseSummaryRow).where(CaseSummaryRow.case_id.in_(ids)))
    summaries = [_summary(case_id, seq, standing) for case_id, _, seq, standing in entries]
    # Core inserts on the tables: the ORM's bulk path costs about as much again per row,
    # which the clock's morning (thousands of cases in one tick) pays in full.
    rows = [row for row in summaries if row]
    if rows:
        session.execute(insert(cast(Table, CaseSummaryRow.__table__)), rows)
    duties = [
        _obligation(case_id, team, item)
        for case_id, team, _, standing in entries
        for item in standing.obligations
    ]
    if duties:
        session.execute(insert(cast(Table, OpenObligationRow.__table__)), duties)


def _summary(case_id: int, seq: int, standing: Standing) -> dict[str, Any] | None:
    drift = standing.drift
    if drift is None:
        return None
    return {
        "case_id": case_id,
        "seq": seq,
        "as_of": drift.as_of,
        "overdue": drift.overdue,
        "due": drift.due,
        "upcoming": drift.upcoming,
        "rungs": drift.rungs,
        "worst_rung": drift.worst_rung.value if drift.worst_rung else None,
        "worst_rung_since": drift.worst_rung_since,
        "oldest_overdue": drift.oldest_overdue,
        "next_deadline": drift.next_deadline,
        "review_deadline": drift.review_deadline,
        "review_booked": drift.review_booked,
    }


def _obligation(case_id: int, team: str, item: Any) -> dict[str, Any]:
    row = {
        "case_id": case_id,
        "team": team,
        "key": item.key,
        "rule": item.rule,
        "title": item.title,
        "subject": item.subject,
        "subject_kind": item.subject_kind,
        "owner_role": item.owner_role,
        "owner": item.owner,
        "due": item.due,
        "due_at": item.due_at,
        "due_from": item.due_from,
        "overdue_from": item.overdue_from,
        "overdue_since": item.overdue_since,
        "acknowledged_on": item.acknowledged_on,
    }
    for rung, column in RUNG_COLUMNS.items():
        row[column] = item.rungs.get(rung)
    return row


def rung_at(as_of: datetime) -> ColumnElement[Any]:
    """The rung an open obligation has reached as of ``as_of``: the highest that has fallen."""
    whens = [
        (getattr(OpenObligationRow, RUNG_COLUMNS[rung]) <= as_of, rung.value)
        for rung in reversed(RUNG_COLUMNS)
    ]
    return case(*whens, else_=None)


def overdue_at(as_of: datetime) -> ColumnElement[bool]:
    return OpenObligationRow.overdue_from <= as_of


def status_at(as_of: datetime) -> ColumnElement[Any]:
    """An open obligation's status as of ``as_of`` (``OpenObligation.status_at`` in SQL)."""
    due = OpenObligationRow.due_from.is_(None) | (OpenObligationRow.due_from <= as_of)
    return case((overdue_at(as_of), "overdue"), (due, "due"), else_="upcoming")


def _drift(row: CaseSummaryRow) -> Drift:
    return Drift(
        as_of=row.as_of,
        overdue=row.overdue,
        due=row.due,
        upcoming=row.upcoming,
        rungs=dict(row.rungs or {}),
        worst_rung=Rung(row.worst_rung) if row.worst_rung else None,
        worst_rung_since=row.worst_rung_since,
        oldest_overdue=row.oldest_overdue,
        next_deadline=row.next_deadline,
        review_deadline=row.review_deadline,
        review_booked=row.review_booked,
    )


class SummariesMixin(StoreBase):
    def overdue_obligations(
        self, as_of: datetime, team: str | None = None
    ) -> Iterator[OverdueObligation]:
        """Every overdue obligation of every open case as of ``as_of``, oldest first."""
        ob = OpenObligationRow
        query = (
            select(CaseRow.reference, ob, rung_at(as_of))
            .join(CaseRow, CaseRow.id == ob.case_id)
            .where(overdue_at(as_of))
            .order_by(ob.overdue_since, CaseRow.reference, ob.key)
        )
        if team is not None:
            query = query.where(ob.team == team)
        with self._db.reading() as session:
            for reference, row, rung in session.execute(query):
                yield OverdueObligation(
                    reference, row.team, row.key, row.rule, row.title, row.owner_role, row.due,
                    rung, row.subject, row.owner, row.overdue_since, row.acknowledged_on,
                )  # fmt: skip

    def overdue_by_team(self, as_of: datetime) -> dict[str, dict[str, int]]:
        """Counts of overdue obligations per team and per escalation rung reached (R-E1)."""
        rung = rung_at(as_of)
        query = (
            select(OpenObligationRow.team, rung, func.count())
            .where(overdue_at(as_of))
            .group_by(OpenObligationRow.team, rung)
        )
        counts: dict[str, dict[str, int]] = {}
        with self._db.reading() as session:
            for team, reached, count in session.execute(query):
                counts.setdefault(team, {})[reached or "none"] = int(count)
        return {team: dict(sorted(by_rung.items())) for team, by_rung in sorted(counts.items())}

    def overdue_cases(self, as_of: datetime, team: str | None = None) -> list[OverdueCase]:
        """The cases with something overdue as of ``as_of``: how much, since when, the worst
        rung reached and who owns the oldest; oldest first."""
        ob = OpenObligationRow
        query = (
            select(CaseRow.reference, CaseRow.team, CaseRow.flow_run_id, ob.overdue_since,
                   rung_at(as_of), ob.owner, ob.owner_role, ob.acknowledged_on)
            .join(CaseRow, CaseRow.id == ob.case_id)
            .where(overdue_at(as_of))
            .order_by(ob.overdue_since)
        )  # fmt: skip
        if team is not None:
            query = query.where(ob.team == team)
        found: dict[str, OverdueCase] = {}
        with self._db.reading() as session:
            for reference, team_of, run, since, rung, owner, role, acked in session.execute(query):
                known = found.get(reference)
                if known is None:  # the oldest comes first: it names the owner
                    found[reference] = OverdueCase(
                        reference, team_of, 1, since, rung, run, owner or role.replace("_", " "),
                        int(acked is not None),
                    )  # fmt: skip
                else:
                    found[reference] = replace(
                        known, overdue=known.overdue + 1, worst_rung=_worse(known.worst_rung, rung),
                        acknowledged=known.acknowledged + int(acked is not None),
                    )  # fmt: skip
        return sorted(found.values(), key=lambda c: (c.oldest_overdue, c.reference))

    def obligations_at(self, reference: str, as_of: datetime) -> list[ObligationAt]:
        """A case's open obligations as of ``as_of`` (from its last wake or event on), with
        their status and rung then, from the read model; by due date."""
        ob = OpenObligationRow
        query = (
            select(ob, status_at(as_of), rung_at(as_of))
            .join(CaseRow, CaseRow.id == ob.case_id)
            .where(CaseRow.reference == reference)
            .order_by(ob.due, ob.key)
        )
        with self._db.reading() as session:
            return [
                ObligationAt(
                    row.key,
                    row.rule,
                    row.title,
                    row.owner_role,
                    row.owner,
                    row.due,
                    status,
                    rung,
                    row.overdue_since,
                    row.subject,
                    row.acknowledged_on,
                )
                for row, status, rung in session.execute(query)
            ]

    def drift_of(self, reference: str) -> Drift | None:
        """The case's drift as its last wake or event left it (None before any)."""
        query = (
            select(CaseSummaryRow)
            .join(CaseRow, CaseRow.id == CaseSummaryRow.case_id)
            .where(CaseRow.reference == reference)
        )
        with self._db.reading() as session:
            row = session.scalars(query).one_or_none()
            return _drift(row) if row else None

    def missing_summaries(self) -> int:
        """Cases with no read model yet (a store upgraded from before it): rebuild them."""
        query = (
            select(func.count())
            .select_from(CaseRow)
            .outerjoin(CaseSummaryRow, CaseSummaryRow.case_id == CaseRow.id)
            .where(CaseSummaryRow.case_id.is_(None))
        )
        with self._db.reading() as session:
            return int(session.scalar(query) or 0)

    def rebuild_summaries(
        self,
        as_of: datetime,
        *,
        restart: bool = False,
        batch: int = REBUILD_BATCH,
        progress: Callable[[int, int], None] = lambda done, total: None,
    ) -> int:
        """Rebuild the read model from the journal, a batch of cases per transaction. A
        rebuild stopped half-way resumes where it stopped (with its own ``as_of``) unless
        ``restart``. Only the read model is written: no outbox row, no next wake."""
        run_id, moment, after = self._rebuild_run(as_of, restart)
        total = self._count_cases()
        done = self._count_cases(upto=after)
        progress(done, total)
        while True:
            with self._db.writing() as session:
                rows = list(
                    session.scalars(
                        select(CaseRow).where(CaseRow.id > after).order_by(CaseRow.id).limit(batch)
                    )
                )
                if not rows:
                    session.execute(
                        update(SummaryRebuildRow)
                        .where(SummaryRebuildRow.id == run_id)
                        .values(finished_at=self._clock())
                    )
                    return done
                entries = [
                    (row.id, row.team, row.last_seq, self._rules.standing(history, moment))
                    for row, history in zip(rows, histories_of(session, rows), strict=True)
                ]
                write_summaries(session, entries)
                after = rows[-1].id
                session.execute(
                    update(SummaryRebuildRow)
                    .where(SummaryRebuildRow.id == run_id)
                    .values(last_case_id=after)
                )
            done += len(rows)
            progress(done, total)

    def _rebuild_run(self, as_of: datetime, restart: bool) -> tuple[int, datetime, int]:
        with self._db.writing() as session:
            unfinished = session.scalars(
                select(SummaryRebuildRow)
                .where(SummaryRebuildRow.finished_at.is_(None))
                .order_by(SummaryRebuildRow.id.desc())
            ).first()
            if unfinished is not None and not restart:
                return unfinished.id, unfinished.as_of, unfinished.last_case_id
            if unfinished is not None:
                session.execute(
                    update(SummaryRebuildRow)
                    .where(SummaryRebuildRow.finished_at.is_(None))
                    .values(finished_at=self._clock())
                )
            run_id = session.scalar(
                insert(SummaryRebuildRow)
                .values(as_of=as_of, last_case_id=0, started_at=self._clock())
                .returning(SummaryRebuildRow.id)
            )
            return int(run_id or 0), as_of, 0

    def _count_cases(self, upto: int | None = None) -> int:
        query = select(func.count()).select_from(CaseRow)
        if upto is not None:
            query = query.where(CaseRow.id <= upto)
        with self._db.reading() as session:
            return int(session.scalar(query) or 0)
