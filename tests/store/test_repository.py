"""The repository: cases open, events append in order, and nothing is half-written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from domain.errors import RejectedEvent
from domain.events import CoreGroupHeld
from domain.store.errors import CaseExists, CaseNotFound, ConcurrencyConflict
from domain.store.repository import CaseRepository
from domain.store.tables import EventRow
from tests.store.cases import (
    AS_OF,
    ICPC_ON,
    history,
    icpc,
    outbox,
    plan_ended,
    visit,
)


def journal_size(repository: CaseRepository) -> int:
    with repository.database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def test_an_opened_case_loads_back_with_its_events_and_sequence(repository: CaseRepository) -> None:
    opened = history("BED-0001", icpc(), visit(ICPC_ON + timedelta(days=1)))
    assert repository.open_case(opened, recorded_by="admin", source="import", as_of=AS_OF) == 2
    assert repository.load("BED-0001") == (opened, 2)


def test_opening_a_case_sets_its_next_wake_from_the_domain(repository: CaseRepository) -> None:
    repository.open_case(history(), recorded_by="admin", source="cli", as_of=AS_OF)
    [case] = repository.list_cases()
    assert case.status == "open"
    assert case.next_wake is not None and case.next_wake > AS_OF


def test_an_appended_event_gets_the_next_sequence_and_its_audit_fields(
    repository: CaseRepository,
) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    seq = repository.append(
        "BED-0001", visit(ICPC_ON + timedelta(days=1)),
        expected_seq=1, recorded_by="worker-7", source="ui", as_of=AS_OF,
    )  # fmt: skip
    assert seq == 2
    entry = repository.journal("BED-0001")[-1]
    assert (entry.seq, entry.type, entry.recorded_by, entry.source) == (
        2,
        "visit_made",
        "worker-7",
        "ui",
    )
    assert entry.recorded_at == AS_OF  # a simulation's store records as of its own day
    assert repository.load("BED-0001")[1] == 2


def test_a_stale_expected_sequence_is_a_conflict_and_records_nothing(
    repository: CaseRepository,
) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    repository.append(
        "BED-0001", visit(), expected_seq=1, recorded_by="a", source="ui", as_of=AS_OF
    )
    with pytest.raises(ConcurrencyConflict) as raised:
        repository.append(
            "BED-0001", visit(), expected_seq=1, recorded_by="b", source="ui", as_of=AS_OF
        )
    assert (raised.value.expected_seq, raised.value.actual_seq) == (1, 2)
    assert "reload" in str(raised.value)
    assert journal_size(repository) == 2


def test_a_rejected_event_leaves_the_journal_and_the_case_unchanged(
    repository: CaseRepository,
) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    before = repository.list_cases()
    chair_takes_minutes = CoreGroupHeld(
        on=ICPC_ON + timedelta(days=10), meeting="cg1", chair="lp", minute_taker="lp"
    )
    with pytest.raises(RejectedEvent) as raised:
        repository.append(
            "BED-0001", chair_takes_minutes,
            expected_seq=1, recorded_by="a", source="ui", as_of=AS_OF + timedelta(days=10),
        )  # fmt: skip
    assert raised.value.index is None  # the event being recorded: no index to name
    assert str(raised.value) == "minute_taker: the chair never takes the minutes (R-M2)"
    assert journal_size(repository) == 1
    assert repository.list_cases() == before


def test_an_event_dated_before_the_last_one_is_rejected(repository: CaseRepository) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    with pytest.raises(RejectedEvent) as raised:
        repository.append(
            "BED-0001", visit(ICPC_ON - timedelta(days=1)),
            expected_seq=1, recorded_by="a", source="ui", as_of=AS_OF,
        )  # fmt: skip
    assert (raised.value.field, raised.value.rule) == ("on", "R-G3")
    assert journal_size(repository) == 1


def test_a_bad_history_opens_nothing(repository: CaseRepository) -> None:
    bad = history("BED-0002", visit())  # a case opens with an initial conference (R-LC1)
    with pytest.raises(RejectedEvent) as raised:
        repository.open_case(bad, recorded_by="admin", source="import", as_of=AS_OF)
    assert raised.value.index == 0
    assert not repository.exists("BED-0002")
    assert journal_size(repository) == 0


def test_a_reference_can_be_opened_only_once(repository: CaseRepository) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    with pytest.raises(CaseExists):
        repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    assert journal_size(repository) == 1


def test_an_unknown_case_is_reported_by_reference(repository: CaseRepository) -> None:
    with pytest.raises(CaseNotFound, match="NOPE"):
        repository.load("NOPE")
    with pytest.raises(CaseNotFound):
        repository.append(
            "NOPE", visit(), expected_seq=0, recorded_by="a", source="ui", as_of=AS_OF
        )


def test_a_closed_case_never_wakes_again(repository: CaseRepository) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    repository.append(
        "BED-0001", plan_ended(ICPC_ON + timedelta(days=2)),
        expected_seq=1, recorded_by="tm", source="ui", as_of=AS_OF + timedelta(days=1),
    )  # fmt: skip
    [case] = repository.list_cases()
    assert (case.status, case.next_wake) == ("closed", None)
    assert repository.due_cases(AS_OF + timedelta(days=3650)) == []


def test_due_cases_are_those_whose_wake_has_come_earliest_first(
    repository: CaseRepository,
) -> None:
    for number, days in enumerate((5, 1, 3)):
        repository.open_case(
            history(f"BED-{number}"), recorded_by="a", source="import", as_of=AS_OF
        )
        repository.set_next_wake(f"BED-{number}", AS_OF + timedelta(days=days))
    due = repository.due_cases(AS_OF + timedelta(days=3))
    assert [(d.reference, d.next_wake) for d in due] == [
        ("BED-1", AS_OF + timedelta(days=1)),
        ("BED-2", AS_OF + timedelta(days=3)),
    ]
    assert [d.reference for d in repository.due_cases(AS_OF + timedelta(days=9), limit=1)] == [
        "BED-1"
    ]
    assert repository.due_cases(AS_OF) == []


def test_the_flow_run_and_next_wake_can_be_set(repository: CaseRepository) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    repository.set_flow_run("BED-0001", "0b5e-run")
    repository.set_next_wake("BED-0001", AS_OF)
    assert repository.summary("BED-0001").flow_run_id == "0b5e-run"
    assert [(d.reference, d.next_wake, d.flow_run_id) for d in repository.due_cases(AS_OF)] == [
        ("BED-0001", AS_OF, "0b5e-run")
    ]


def test_refresh_moves_the_next_wake_and_enqueues_what_is_now_due(
    repository: CaseRepository,
) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    later = AS_OF + timedelta(days=120)
    standing = repository.refresh("BED-0001", later)
    assert standing.dispatches
    keys = {entry.idempotency_key for entry in outbox(repository, "BED-0001")}
    assert keys == {d.idempotency_key for d in standing.dispatches}
    assert repository.load("BED-0001")[1] == 1


def test_the_journal_refuses_updates_and_deletes(repository: CaseRepository) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    for statement in ("UPDATE events SET recorded_by = 'x'", "DELETE FROM events"):
        with pytest.raises(Exception, match="append-only"), repository.database.writing() as s:
            s.execute(text(statement))
    assert journal_size(repository) == 1


def test_opening_many_cases_is_all_or_nothing(repository: CaseRepository) -> None:
    good = [history(f"BED-{n}") for n in range(3)]
    with pytest.raises(RejectedEvent):
        repository.open_cases(
            [*good, history("BAD", visit())], recorded_by="a", source="import", as_of=AS_OF
        )
    assert repository.list_cases() == []
    assert repository.open_cases(good, recorded_by="a", source="import", as_of=AS_OF) == 3
    with pytest.raises(CaseExists, match="BED-1"):
        repository.open_cases(
            [history("NEW"), good[1]], recorded_by="a", source="import", as_of=AS_OF
        )
    assert not repository.exists("NEW")
