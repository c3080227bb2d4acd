"""The case repository: every write validates through the domain, then commits in one go.

Appending an event writes the journal row (R-G2), the case's new sequence, status and
next wake time, its read model (``summaries.py``) and the outbox rows it makes due, in ONE
transaction; so does a wake (``refresh``). A writer states the
sequence it expects (optimistic concurrency); a stale one, or a lost race between two
processes, ends as ``ConcurrencyConflict`` and nothing of it is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Select, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.child_facts import ChildFacts
from domain.errors import RejectedEvent
from domain.events import Event, EventVoided
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.recording import LateReason
from domain.state import fold
from domain.store.audit import AuditMixin, recorded_entry
from domain.store.bulk import insert_cases, journal_rows, standing_values
from domain.store.child_facts import CaseKey, ChildFactsMixin, write_child_facts
from domain.store.common import case_row, histories_of, history_of
from domain.store.digests import DigestsMixin
from domain.store.errors import CaseExists, CaseNotFound, ConcurrencyConflict
from domain.store.extracts import ExtractsMixin
from domain.store.labels import LabelsMixin
from domain.store.outbox import OutboxMixin, insert_dispatches, pending_of, withdraw
from domain.store.reports import ReportsMixin
from domain.store.rules import Standing
from domain.store.settings import is_simulation
from domain.store.summaries import SummariesMixin, write_summaries
from domain.store.tables import AuditRow, CaseRow, CaseStatus, EventRow, Source

# On a real store a record takes its moment from the store's clock; an ``as_of`` further
# from it than this is a simulation's, refused there (R-G3).
HONEST_CLOCK_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class DueCase:
    reference: str
    next_wake: datetime
    flow_run_id: str | None


class CaseRepository(
    OutboxMixin,
    DigestsMixin,
    ReportsMixin,
    SummariesMixin,
    ChildFactsMixin,
    AuditMixin,
    ExtractsMixin,
    LabelsMixin,
):
    """Cases, their journal, their outbox, the teams' daily digests, the children's personal
    facts and the audit log. ``as_of`` drives the rules; the clock only stamps."""

    def open_case(
        self,
        history: CaseHistory,
        *,
        recorded_by: str,
        source: Source | str,
        as_of: datetime,
        facts: Sequence[ChildFacts] = (),
        late_reason: LateReason | None = None,
    ) -> int:
        """Record a new case with its events so far (and its children's personal facts, if
        given); returns its last sequence number."""
        self.open_cases(
            [history], recorded_by=recorded_by, source=source, as_of=as_of,
            facts={history.reference: facts}, late_reason=late_reason,
        )  # fmt: skip
        return len(history.events)

    def open_cases(
        self,
        histories: Sequence[CaseHistory],
        *,
        recorded_by: str,
        source: Source | str,
        as_of: datetime,
        facts: Mapping[str, Sequence[ChildFacts]] | None = None,
        late_reason: LateReason | None = None,
    ) -> int:
        """Record many new cases in one transaction: all of them, or (on any error) none;
        with ``facts``, their children's personal facts by case reference, checked too. A
        case history file's events were recorded elsewhere first: imported, they say so
        (``LateReason.IMPORTED``) wherever they are late."""
        source = Source(source)
        if late_reason is None and source is Source.IMPORT:
            late_reason = LateReason.IMPORTED
        moment = self.recording_moment(as_of)
        # Validation first: a RejectedEvent (naming the event index) writes nothing.
        lags = {h.reference: self._rules.recording(h, moment, 0, late_reason) for h in histories}
        cases = [(history, self._rules.standing(history, moment, 0)) for history in histories]
        references = [history.reference for history in histories]
        try:
            with self._db.writing() as session:
                taken = session.scalars(
                    select(CaseRow.reference).where(CaseRow.reference.in_(references))
                ).first()
                if taken is not None:
                    raise CaseExists(taken)
                now = moment  # when it was recorded: the clock, or the simulation's day
                ids = insert_cases(
                    session, cases, recorded_by=recorded_by, source=source, now=now,
                    late=_late_reasons(lags, late_reason),
                )  # fmt: skip
                _write_facts(session, histories, ids, facts or {}, recorded_by, Source(source), now)
        except IntegrityError as error:  # another process opened one of them first
            raise CaseExists(", ".join(references)) from error
        return len(cases)

    def append(
        self,
        reference: str,
        event: Event,
        *,
        expected_seq: int,
        recorded_by: str,
        source: Source | str,
        as_of: datetime,
        request_key: str | None = None,
        late_reason: LateReason | None = None,
    ) -> int:
        """Validate and record one event; returns the case's new sequence number. The event
        takes its place in the case's story by the day it happened, however late it is
        recorded; a notice queued and not yet sent that it makes no longer owed is withdrawn
        in the same transaction. A command retried with the same ``request_key`` after it
        succeeded loses the race to itself: a conflict, and ``recorded_as`` then finds the
        event it recorded."""
        new_seq = expected_seq + 1
        moment = self.recording_moment(as_of)
        try:
            with self._db.writing() as session:
                row = case_row(session, reference)
                if row.last_seq != expected_seq:
                    raise ConcurrencyConflict(reference, expected_seq, row.last_seq)
                history = history_of(session, row, [event])
                lags = self._recording_with(history, moment, late_reason)
                standing = self._standing_with(history, moment)
                self._advance(session, row, expected_seq, new_seq, standing)
                rows = journal_rows(
                    row.id, new_seq, [event], recorded_by, Source(source), moment,
                    request_key, late=_late_reasons({reference: lags}, late_reason)[reference],
                )  # fmt: skip
                session.execute(insert(EventRow), rows)
                self._withdraw_unowed(session, row.id, history, moment)
                insert_dispatches(session, {reference: row.id}, standing.dispatches, self._clock())
                session.execute(insert(AuditRow).values(
                    **recorded_entry(moment, recorded_by, reference, new_seq, event, source)
                ))  # fmt: skip
        except IntegrityError as error:  # the (case, seq) key: another writer took this seq
            raise ConcurrencyConflict(reference, expected_seq, None) from error
        return new_seq

    @property
    def simulation(self) -> bool:
        """Whether this store is a simulation's (``domain.store.settings``): read once."""
        found: bool | None = getattr(self, "_simulation", None)
        if found is None:
            found = self._simulation = is_simulation(self._db)
        return found

    def recording_moment(self, as_of: datetime) -> datetime:
        """The moment a record is made as of. On a simulation's store, ``as_of``; on a real
        one, now by the store's clock (R-G3): an ``as_of`` far from it is refused, so a typed
        2099 can neither be recorded nor queue a year of escalations."""
        if self.simulation:
            return as_of
        now = self._clock().astimezone(LONDON)
        if abs(as_of - now) > HONEST_CLOCK_TOLERANCE:
            raise RejectedEvent(
                "as_of", "R-G3",
                f"this store is real: a record is made as of now ({now:%Y-%m-%d %H:%M}), "
                f"not {as_of.astimezone(LONDON):%Y-%m-%d %H:%M}; --as-of is for a "
                "simulation's store (cpo simulate, cpo db upgrade --simulation)",
            )  # fmt: skip
        return now

    def _withdraw_unowed(
        self, session: Session, case_id: int, history: CaseHistory, as_of: datetime
    ) -> None:
        """Withdraw the case's notices queued and not yet sent that the history, as it now
        stands, no longer owes (R-E1): each kept, with why."""
        pending = pending_of(session, case_id)
        if pending:
            withdraw(session, self._rules.withdrawals(history, as_of, pending), self._clock())

    def _recording_with(
        self, history: CaseHistory, as_of: datetime, late_reason: LateReason | None
    ) -> tuple[int, ...]:
        """The checks of the new event (last) that depend on when it is recorded."""
        last = len(history.events) - 1
        try:
            return self._rules.recording(history, as_of, last, late_reason)
        except RejectedEvent as refused:
            raise RejectedEvent(refused.field, refused.rule, refused.message) from None

    def _standing_with(self, history: CaseHistory, as_of: datetime) -> Standing:
        """The standing with the new event last in the journal (in its place in the story);
        its refusal names no index (it is the event being recorded, not one of a file's). If
        it is a correction, or is recorded late, and leaves a later event invalid, the
        refusal names that event and its rule."""
        last = len(history.events) - 1
        try:
            return self._rules.standing(history, as_of, last)
        except RejectedEvent as refused:
            new = history.events[-1]
            if refused.index == last or refused.index is None:
                raise RejectedEvent(refused.field, refused.rule, refused.message) from None
            later = history.events[refused.index]
            broken = (
                f"event {refused.index + 1} ({later.type} on {later.on}) invalid: "
                f"{refused.field}: {refused.message}"
            )
            if isinstance(new, EventVoided):
                raise RejectedEvent(
                    "voids", refused.rule, f"voiding event {new.voids} would leave {broken}"
                ) from None
            raise RejectedEvent(
                "on", refused.rule, f"dated {new.on}, this {new.type} would leave {broken}"
            ) from None

    def refresh(self, reference: str, as_of: datetime) -> Standing:
        """A wake without a new event: re-derive, enqueue what is now due, move next_wake."""
        with self._db.writing() as session:
            row = case_row(session, reference)
            standing = self._rules.standing(history_of(session, row), as_of)
            self._advance(session, row, row.last_seq, row.last_seq, standing)
            queued = insert_dispatches(
                session, {reference: row.id}, standing.dispatches, self._clock()
            )
        return replace(standing, queued=queued)

    def refresh_many(
        self, references: Sequence[str], as_of: datetime
    ) -> dict[str, Standing | Exception]:
        """Many wakes at once (the clock's morning): the cases' journals read in one query,
        each case derived, then ONE transaction writes every case's next wake, read model and
        the outbox rows now due (exactly once by key, R-E1). A case that cannot be derived gets
        its error and stays due; one whose journal moved meanwhile is refreshed alone."""
        with self._db.reading() as session:
            query = select(CaseRow).where(CaseRow.reference.in_(references)).order_by(CaseRow.id)
            rows = list(session.scalars(query))
            histories = list(histories_of(session, rows))
        results: dict[str, Standing | Exception] = {r: CaseNotFound(r) for r in references}
        derived: list[tuple[CaseRow, Standing]] = []
        for row, history in zip(rows, histories, strict=True):
            try:
                derived.append((row, self._rules.standing(history, as_of)))
            except Exception as error:  # one case's history must not stop the others' wakes
                results[row.reference] = error
        with self._db.writing() as session:
            kept = [(row, s) for row, s in derived if self._advanced(session, row, row.last_seq, s)]
            write_summaries(session, [(row.id, row.team, row.last_seq, s) for row, s in kept])
            dispatches = [dispatch for _, standing in kept for dispatch in standing.dispatches]
            ids = {row.reference: row.id for row, _ in kept}
            queued = set(insert_dispatches(session, ids, dispatches, self._clock()))
        for row, standing in kept:
            new = tuple(
                d.idempotency_key for d in standing.dispatches if d.idempotency_key in queued
            )
            results[row.reference] = replace(standing, queued=new)
        for row, _ in derived:
            if row.reference not in ids:  # a writer moved it between the read and the write
                try:
                    results[row.reference] = self.refresh(row.reference, as_of)
                except Exception as error:
                    results[row.reference] = error
        return results

    def load(self, reference: str) -> tuple[CaseHistory, int]:
        """The case's history and the sequence number a writer should then expect."""
        with self._db.reading() as session:
            row = case_row(session, reference)
            return history_of(session, row), row.last_seq

    def exists(self, reference: str) -> bool:
        with self._db.reading() as session:
            found = session.scalar(select(CaseRow.id).where(CaseRow.reference == reference))
            return found is not None

    def due_cases(self, as_of: datetime, limit: int = 500) -> list[DueCase]:
        """Cases whose next wake time has come, earliest first (served by ix_cases_next_wake)."""
        with self._db.reading() as session:
            rows = session.execute(due_cases_query(as_of, limit))
            return [DueCase(ref, wake, run) for ref, wake, run in rows if wake is not None]

    def set_flow_run(self, reference: str, flow_run_id: str | None) -> None:
        self._set(reference, flow_run_id=flow_run_id)

    def wake_soon(self, reference: str, at: datetime) -> None:
        """Make an open case due at ``at`` at the latest (its run could not be woken now)."""
        with self._db.writing() as session:
            session.execute(
                update(CaseRow)
                .where(CaseRow.reference == reference, CaseRow.status == CaseStatus.OPEN.value)
                .where((CaseRow.next_wake.is_(None)) | (CaseRow.next_wake > at))
                .values(next_wake=at, updated_at=self._clock())
            )

    def set_next_wake(self, reference: str, next_wake: datetime | None) -> None:
        self._set(reference, next_wake=next_wake)

    def _set(self, reference: str, **values: object) -> None:
        with self._db.writing() as session:
            row = case_row(session, reference)
            session.execute(
                update(CaseRow)
                .where(CaseRow.id == row.id)
                .values(updated_at=self._clock(), **values)
            )

    def _advance(
        self, session: Session, row: CaseRow, expected: int, new_seq: int, standing: Standing
    ) -> None:
        """The conditional update that makes a lost race a conflict rather than a duplicate;
        the read model follows in the same transaction."""
        if not self._advanced(session, row, expected, standing, new_seq):
            raise ConcurrencyConflict(row.reference, expected, None)
        write_summaries(session, [(row.id, row.team, new_seq, standing)])

    def _advanced(
        self,
        session: Session,
        row: CaseRow,
        expected: int,
        standing: Standing,
        new_seq: int | None = None,
    ) -> bool:
        """Move the case to its new standing if its journal is still at ``expected``."""
        statement = (
            update(CaseRow)
            .where(CaseRow.id == row.id, CaseRow.last_seq == expected)
            .values(last_seq=expected if new_seq is None else new_seq,
                    **standing_values(standing, self._clock()))
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        return session.execute(statement).rowcount == 1  # type: ignore[attr-defined]

    def recorded_as(self, reference: str, request_key: str) -> int | None:
        """The journal number of the event a command with this key recorded, if it did."""
        query = (
            select(EventRow.seq)
            .join(CaseRow, CaseRow.id == EventRow.case_id)
            .where(CaseRow.reference == reference, EventRow.request_key == request_key)
        )
        with self._db.reading() as session:
            return session.scalar(query)


def _late_reasons(
    lags: Mapping[str, tuple[int, ...]], reason: LateReason | None
) -> dict[str, list[str | None]]:
    """Per case, the reason each new event keeps: the one given, where the event is late."""
    value = reason.value if reason is not None else None
    return {ref: [value if lag > 0 else None for lag in found] for ref, found in lags.items()}


def _write_facts(
    session: Session,
    histories: Sequence[CaseHistory],
    ids: Mapping[str, int],
    facts: Mapping[str, Sequence[ChildFacts]],
    recorded_by: str,
    source: Source,
    now: datetime,
) -> None:
    for history in histories:
        given = facts.get(history.reference, ())
        if given:  # folded again only then: a bulk import without facts pays nothing
            write_child_facts(
                session, CaseKey(ids[history.reference], history.reference), fold(history),
                given, recorded_by=recorded_by, source=source, now=now,
            )  # fmt: skip


def due_cases_query(as_of: datetime, limit: int) -> Select[str, datetime | None, str | None]:
    return (
        select(CaseRow.reference, CaseRow.next_wake, CaseRow.flow_run_id)
        .where(CaseRow.next_wake <= as_of)
        .order_by(CaseRow.next_wake)
        .limit(limit)
    )
