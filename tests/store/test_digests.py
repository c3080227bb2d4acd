"""The daily digests' table: one row per team per day, inserted once, delivered at least once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.store.errors import DigestNotFound
from domain.store.repository import CaseRepository
from domain.store.tables import OutboxStatus
from flows.clock_source import LONDON
from notifications.digest import OverdueItem, TeamDigest
from tests.store.cases import AS_OF, history, icpc, plan_ended, refused, sent

DAY = date(2025, 4, 17)
AT = datetime(2025, 4, 17, 8, 0, tzinfo=LONDON)
KEY = "digest|north|2025-04-17"


def item(reference: str = "BED-0001", obligation: str = "R-T1:p0:cg1") -> OverdueItem:
    return OverdueItem(
        case_reference=reference,
        obligation=obligation,
        rule="R-T1",
        title="Core group held",
        subject="core group 1 after conference 1",
        owner_role="lead_professional",
        owner="lp",
        due=date(2025, 3, 17),
        overdue_since=date(2025, 3, 18),
    )


def digest(team: str = "north", day: date = DAY, *items: OverdueItem) -> TeamDigest:
    return TeamDigest(team=team, day=day, items=items or (item(),))


def test_a_second_enqueue_for_the_same_team_and_day_adds_nothing(
    repository: CaseRepository,
) -> None:
    assert repository.enqueue_digests([digest("north"), digest("south")], AT) == 2
    later = AT + timedelta(minutes=15)
    changed = digest("north", DAY, item(), item("BED-0002"))  # the caseload moved on since
    assert repository.enqueue_digests([changed, digest("south")], later) == 0
    assert repository.enqueue_digests([digest("north", DAY + timedelta(days=1))], later) == 1
    assert [entry.key for entry in repository.digests_of(DAY)] == [
        KEY, "digest|south|2025-04-17",
    ]  # fmt: skip


def test_the_stored_payload_is_the_snapshot_taken_when_the_row_was_created(
    repository: CaseRepository,
) -> None:
    repository.enqueue_digests([digest("north")], AT)
    repository.enqueue_digests([digest("north", DAY, item("BED-0009"))], AT)
    [entry] = repository.digests.due(AT)
    assert TeamDigest.model_validate(entry.payload) == digest("north")
    assert (entry.team, entry.day, entry.status, entry.attempts) == (
        "north", DAY, OutboxStatus.PENDING, 0,
    )  # fmt: skip


def test_a_digest_is_pending_from_the_moment_it_was_enqueued(repository: CaseRepository) -> None:
    repository.enqueue_digests([digest("north")], AT)
    assert repository.digests.due(AT - timedelta(seconds=1)) == []
    assert len(repository.digests.due(AT)) == 1


def test_a_delivered_digest_leaves_the_pending_list_and_stays_delivered(
    repository: CaseRepository,
) -> None:
    repository.enqueue_digests([digest("north")], AT)
    repository.digests.record([sent(KEY, AT)])
    late = refused(KEY, "late retry", AT, ("late",))
    repository.digests.record([late])  # a late retry must not reopen it
    assert repository.digests.due(AT + timedelta(days=1)) == []
    [entry] = repository.digests_of(DAY, "north")
    assert (entry.status, entry.delivered_at, entry.attempts) == (OutboxStatus.DELIVERED, AT, 1)
    assert (entry.last_error, entry.next_attempt_at, entry.delivered_to) == (None, None, ())


def test_a_failed_digest_keeps_its_error_and_is_retried_at_its_retry_time(
    repository: CaseRepository,
) -> None:
    repository.enqueue_digests([digest("north")], AT)
    retry_at = AT + timedelta(minutes=5)
    repository.digests.record([refused(KEY, "smtp refused", retry_at)])
    assert repository.digests.due(AT) == []
    [entry] = repository.digests.due(retry_at)
    assert (entry.status, entry.attempts, entry.last_error, entry.next_attempt_at) == (
        OutboxStatus.FAILED, 1, "smtp refused", retry_at,
    )  # fmt: skip


def test_a_digest_given_up_stays_visible_but_is_not_retried(repository: CaseRepository) -> None:
    repository.enqueue_digests([digest("north")], AT)
    repository.digests.record([refused(KEY, "no route", None)])
    assert repository.digests.due(AT + timedelta(days=365)) == []
    [entry] = repository.digests_of(DAY)
    assert (entry.status, entry.next_attempt_at, entry.last_error) == (
        OutboxStatus.FAILED, None, "no route",
    )  # fmt: skip


def test_a_partly_delivered_digest_remembers_whom_it_reached(repository: CaseRepository) -> None:
    repository.enqueue_digests([digest("north")], AT)
    reached = ("endpoint-b", "endpoint-a", "endpoint-a")
    repository.digests.record([refused(KEY, "SMTP down", AT, reached)])
    [entry] = repository.digests.due(AT)
    assert entry.delivered_to == ("endpoint-a", "endpoint-b")


def test_recording_an_unknown_digest_is_an_error(repository: CaseRepository) -> None:
    with pytest.raises(DigestNotFound):
        repository.digests.record([sent("digest|nowhere|2025-04-17")])


def test_open_teams_are_the_teams_with_an_open_case(repository: CaseRepository) -> None:
    ended = history("BED-0003", icpc(), plan_ended(date(2025, 3, 20)), team="west")
    for case in (history("BED-0001"), history("BED-0002", team="south"), ended):
        repository.open_case(case, recorded_by="admin", source="import", as_of=AT)
    assert repository.open_teams() == ["north", "south"]


def test_an_overdue_obligation_says_since_when_whose_and_about_what(
    repository: CaseRepository,
) -> None:
    repository.open_case(history("BED-0001"), recorded_by="admin", source="import", as_of=AS_OF)
    found = {o.key: o for o in repository.overdue_obligations(AT)}
    first_cg = found["R-T1:p0:cg1"]
    # Due Monday 17 March 2025: missed from the next working day (R-E1).
    assert (first_cg.due, first_cg.overdue_since) == (date(2025, 3, 17), date(2025, 3, 18))
    assert (first_cg.owner, first_cg.subject) == ("lp", "core group 1 after conference 1")


def test_a_claimed_digest_is_hidden_from_a_second_sender_until_its_lease_ends(
    repository: CaseRepository,
) -> None:
    repository.enqueue_digests([digest("north")], AT)
    [mine] = repository.digests.claim(AT, lease=timedelta(minutes=10))
    assert mine.key == KEY
    assert repository.digests.claim(AT + timedelta(minutes=9)) == []
    [again] = repository.digests.claim(AT + timedelta(minutes=10))  # the sender died
    assert again.key == KEY and again.attempts == 0
