"""The clock's tick at scale: every due case woken a batch at a time, each due rung queued
exactly once, as if each case had been woken alone; one case never holds back the others."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from domain.events import ConferenceHeld, VisitMade
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.store import CaseRepository, Database, Source
from domain.store.rules import DomainRules, Standing
from domain.store.tables import CaseSummaryRow, OpenObligationRow
from domain.synthetic import synthetic_history
from services.cases import record_event, wake_case
from services.clock import tick

IMPORTED = datetime(2026, 3, 9, 9, 0, tzinfo=LONDON)
MORNING = datetime(2026, 3, 16, 8, 0, tzinfo=LONDON)  # a week of rungs falls due


def caseload(count: int) -> list[CaseHistory]:
    """Histories that stop at different days before the import: they drift."""
    found = []
    for seed in range(count):
        ends = date(2026, 3, 9) - timedelta(days=random.Random(seed).randint(1, 60))
        found.append(synthetic_history(seed, f"TICK-{seed:03d}", end=ends))
    return found


def opened(database: Database, rules: DomainRules | None = None) -> CaseRepository:
    store = CaseRepository(database, rules=rules)
    store.open_cases(caseload(30), recorded_by="test", source=Source.IMPORT, as_of=IMPORTED)
    return store


def outcome(store: CaseRepository) -> tuple[object, ...]:
    """Everything a wake writes: the outbox, the next wakes, the read model."""
    with store.database.reading() as session:
        summaries = sorted(
            (row.case_id, row.worst_rung, row.overdue, row.next_deadline)
            for row in session.scalars(select(CaseSummaryRow))
        )
        duties = sorted(
            (row.case_id, row.key, row.reminder_at, row.escalation_final_at)
            for row in session.scalars(select(OpenObligationRow))
        )
    cases = sorted((c.reference, c.next_wake, c.status) for c in store.list_cases())
    keys = sorted(e.key for c in store.list_cases() for e in store.outbox_of(c.reference))
    return cases, keys, summaries, duties


def test_a_tick_in_batches_writes_what_waking_each_case_alone_writes(
    database: Database, empty_db_url: str
) -> None:
    from domain.store import upgrade

    batched = opened(database)
    alone_db = Database.from_url(empty_db_url)
    upgrade(alone_db, simulation=True)
    alone = opened(alone_db)
    due = batched.due_cases(MORNING)
    assert len(due) > 10  # the morning has work

    ticked = tick(batched, MORNING, batch=7, digests=False)
    for case in alone.due_cases(MORNING):
        wake_case(alone, case.reference, MORNING)

    assert [c.reference for c in ticked.woken] == [c.reference for c in due]
    assert ticked.queued and not ticked.failed
    assert outcome(batched) == outcome(alone)
    alone_db.dispose()


def test_a_second_tick_at_the_same_moment_queues_nothing(database: Database) -> None:
    store = opened(database)
    first = tick(store, MORNING, batch=4, digests=False)
    assert len(first.queued) == len(set(first.queued)) > 0
    again = tick(store, MORNING, batch=4, digests=False)
    assert again.woken == [] and again.queued == []


class Failing(DomainRules):
    """The real rules, except that one case's history cannot be derived."""

    def __init__(self, broken: str) -> None:
        self.broken = broken

    def standing(self, history: CaseHistory, as_of: datetime) -> Standing:
        if history.reference == self.broken and as_of == MORNING:
            raise ValueError("a profile this case names was removed")
        return super().standing(history, as_of)


def test_a_case_that_cannot_be_derived_stays_due_and_the_others_are_woken(
    database: Database,
) -> None:
    due = opened(database).due_cases(MORNING)
    broken = due[3].reference
    store = CaseRepository(database, rules=Failing(broken))
    ticked = tick(store, MORNING, batch=5, digests=False)
    assert ticked.failed == [broken]
    assert len(ticked.woken) == len(due) - 1
    assert [c.reference for c in store.due_cases(MORNING)] == [broken]


class Racing(DomainRules):
    """While the batch derives, an admin records a visit on one of its cases."""

    def __init__(self, database: Database, reference: str) -> None:
        self.database = database
        self.reference = reference
        self.raced = False

    def standing(self, history: CaseHistory, as_of: datetime) -> Standing:
        if history.reference == self.reference and not self.raced:
            self.raced = True
            opening = history.events[0]
            assert isinstance(opening, ConferenceHeld)
            seen = tuple(child.id for child in opening.children)
            visit = VisitMade(on=as_of.date(), visitor="sw", children_seen=seen)
            admin = CaseRepository(self.database)
            record_event(admin, self.reference, visit, recorded_by="admin", source=Source.CLI,
                         as_of=as_of)  # fmt: skip
        return super().standing(history, as_of)


def test_a_case_recorded_on_during_the_batch_is_woken_again_from_its_new_journal(
    database: Database,
) -> None:
    store = opened(database)
    due = store.due_cases(MORNING)
    racing = Racing(database, due[2].reference)
    ticked = tick(CaseRepository(database, rules=racing), MORNING, batch=10, digests=False)
    assert racing.raced and not ticked.failed
    assert len(ticked.woken) == len(due)
    keys = [e.key for c in store.list_cases() for e in store.outbox_of(c.reference)]
    assert len(keys) == len(set(keys))  # each rung once (R-E1)
    assert store.due_cases(MORNING) == []
    journal = store.journal(racing.reference)
    assert journal[-1].type == "visit_made"  # the batch's stale standing was not written
    assert store.drift_of(racing.reference) is not None
