"""The outbox: each (case, obligation, rung) is inserted once and delivered at least once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.dispatch import Rung
from domain.store.errors import CaseNotFound, OutboxEntryNotFound
from domain.store.repository import CaseRepository
from domain.store.tables import OutboxStatus
from tests.store.cases import (
    AS_OF,
    dispatch,
    history,
    is_booking,
    outbox,
    pending,
    refused,
    sent,
)


@pytest.fixture
def repository_with_case(repository: CaseRepository) -> CaseRepository:
    repository.open_case(history("BED-0001"), recorded_by="admin", source="import", as_of=AS_OF)
    return repository


def test_enqueueing_the_same_rung_twice_inserts_it_once(
    repository_with_case: CaseRepository,
) -> None:
    repository = repository_with_case
    assert repository.enqueue([dispatch("BED-0001")]) == 1
    assert repository.enqueue([dispatch("BED-0001"), dispatch("BED-0001", rung=Rung.MISSED)]) == 1
    assert repository.enqueue([dispatch("BED-0001")]) == 0
    keys = [entry.idempotency_key for entry in outbox(repository, "BED-0001")]
    assert keys == ["BED-0001|R-T5:cg-1|reminder", "BED-0001|R-T5:cg-1|missed"]


def test_the_stored_payload_is_the_dispatch_itself(repository_with_case: CaseRepository) -> None:
    repository_with_case.enqueue([dispatch("BED-0001")])
    [entry] = pending(repository_with_case, AS_OF)
    assert entry.dispatch == dispatch("BED-0001")
    assert (entry.status, entry.attempts) == (OutboxStatus.PENDING, 0)


def test_a_dispatch_for_an_unknown_case_is_refused(repository_with_case: CaseRepository) -> None:
    with pytest.raises(CaseNotFound):
        repository_with_case.enqueue([dispatch("NOPE")])


def test_pending_entries_wait_for_their_time(repository_with_case: CaseRepository) -> None:
    later = AS_OF + timedelta(days=2)
    repository_with_case.enqueue([dispatch("BED-0001", fires_at=later)])
    assert pending(repository_with_case, AS_OF) == []
    assert len(pending(repository_with_case, later)) == 1


def test_a_delivered_entry_leaves_the_pending_list_and_stays_delivered(
    repository_with_case: CaseRepository,
) -> None:
    repository = repository_with_case
    repository.enqueue([dispatch("BED-0001")])
    key = "BED-0001|R-T5:cg-1|reminder"
    repository.outbox.record([sent(key, AS_OF)])
    repository.outbox.record([refused(key, "late retry", AS_OF)])  # must not reopen it
    assert pending(repository, AS_OF + timedelta(days=1)) == []
    [entry] = outbox(repository, "BED-0001")
    assert (entry.status, entry.delivered_at, entry.attempts) == (OutboxStatus.DELIVERED, AS_OF, 1)


def test_a_failed_entry_is_retried_at_its_next_attempt_time(
    repository_with_case: CaseRepository,
) -> None:
    repository = repository_with_case
    repository.enqueue([dispatch("BED-0001")])
    key = "BED-0001|R-T5:cg-1|reminder"
    retry_at = AS_OF + timedelta(minutes=5)
    repository.outbox.record([refused(key, "smtp refused", retry_at)])
    assert pending(repository, AS_OF) == []
    [entry] = pending(repository, retry_at)
    assert (entry.status, entry.attempts, entry.last_error) == (
        OutboxStatus.FAILED, 1, "smtp refused",
    )  # fmt: skip


def test_an_entry_given_up_stays_visible_but_is_not_retried(
    repository_with_case: CaseRepository,
) -> None:
    repository = repository_with_case
    repository.enqueue([dispatch("BED-0001")])
    repository.outbox.record([refused("BED-0001|R-T5:cg-1|reminder", "no route", None)])
    assert pending(repository, AS_OF + timedelta(days=365)) == []
    [entry] = outbox(repository, "BED-0001")
    assert (entry.status, entry.next_attempt_at) == (OutboxStatus.FAILED, None)


def test_recording_an_unknown_key_is_an_error(repository_with_case: CaseRepository) -> None:
    with pytest.raises(OutboxEntryNotFound):
        repository_with_case.outbox.record([sent("BED-0001|nothing|reminder")])


def test_a_wake_enqueues_what_is_due_once_however_often_it_runs(
    repository_with_case: CaseRepository,
) -> None:
    repository = repository_with_case
    later = AS_OF + timedelta(days=60)
    expected = repository.case_view("BED-0001", later).dispatches
    assert expected
    repository.refresh("BED-0001", later)
    again = repository.refresh("BED-0001", later)  # a re-run wake adds nothing new
    entries = outbox(repository, "BED-0001")
    assert sorted(e.idempotency_key for e in entries) == sorted(d.idempotency_key for d in expected)
    assert len(entries) == len(again.dispatches)


def test_a_partly_delivered_row_remembers_whom_it_reached(
    repository_with_case: CaseRepository,
) -> None:
    repository = repository_with_case
    repository.enqueue([dispatch("BED-0001")])
    key = "BED-0001|R-T5:cg-1|reminder"
    reached = ("endpoint-b", "endpoint-a", "endpoint-a")
    repository.outbox.record([refused(key, "SMTP down", AS_OF, reached)])
    [entry] = pending(repository, AS_OF)
    assert entry.delivered_to == ("endpoint-a", "endpoint-b")
    assert entry.status is OutboxStatus.FAILED


def test_opening_a_case_books_its_first_core_group_and_review_once(
    repository_with_case: CaseRepository,
) -> None:
    repository = repository_with_case
    repository.refresh("BED-0001", AS_OF)
    repository.refresh("BED-0001", AS_OF + timedelta(days=1))  # repeated wakes add nothing
    bookings = [e for e in repository.outbox_of("BED-0001") if is_booking(e.idempotency_key)]
    invites = {e.dispatch.invite.meeting: e.dispatch.invite for e in bookings if e.dispatch.invite}
    assert len(bookings) == 2 and set(invites) == {"cg-p0-1", "rcpc-1"}
    assert invites["cg-p0-1"].on.isoformat() == "2025-03-13"  # first_cg_on, R-T1
    assert invites["rcpc-1"].on.isoformat() == "2025-06-03"  # 3 months on, R-T7
    assert {i.revision for i in invites.values()} == {0}


def test_a_claimed_entry_is_hidden_from_other_senders_until_its_lease_ends(
    repository_with_case: CaseRepository,
) -> None:
    repository = repository_with_case
    repository.enqueue([dispatch("BED-0001"), dispatch("BED-0001", obligation="R-T5:cg-2")])
    mine = [e for e in repository.outbox.claim(AS_OF, lease=timedelta(minutes=10))]
    assert sorted(e.idempotency_key for e in mine if not is_booking(e.idempotency_key)) == [
        "BED-0001|R-T5:cg-1|reminder",
        "BED-0001|R-T5:cg-2|reminder",
    ]
    assert repository.outbox.claim(AS_OF) == []  # a second sender gets nothing
    assert pending(repository, AS_OF + timedelta(minutes=5)) == []
    repository.outbox.record([sent("BED-0001|R-T5:cg-1|reminder", AS_OF)])
    # The sender died before recording cg-2: it is due again once the lease has ended.
    again = repository.outbox.claim(AS_OF + timedelta(minutes=11))
    assert [e.idempotency_key for e in again if not is_booking(e.idempotency_key)] == [
        "BED-0001|R-T5:cg-2|reminder"
    ]
    assert all(e.attempts == 0 for e in again)  # a claim is not an attempt
