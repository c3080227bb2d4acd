"""What a late entry or a correction changes in the outbox (R-E1, R-G3), and the honest clock.

A notice already delivered stays delivered; one queued and not yet sent whose obligation is
no longer open, or whose event was voided, is withdrawn before it can go, kept with why; it
goes out after all if it is owed again. A rung never goes out after the entry that meets it
has been recorded. On a real store a record is made as of now, whatever ``as_of`` it is
given; anything dated after today is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.errors import RejectedEvent
from domain.events import CoreGroupHeld, Event, EventVoided, VisitMade
from domain.ladder import LONDON
from domain.recording import LateReason
from domain.store import CaseRepository, Database, OutboxStatus, Source, upgrade
from notifications.delivery import RowResult, Status, deliver_due
from services.cases import record_event
from tests.domain.builders import at, case, cg, d, icpc

REF = "CP-0001"
OPENED = "2026-11-02"  # a Monday; the first core group is due in 10 working days: Mon 16 Nov
FIRST_CG = "R-T1:p0:cg1"


@pytest.fixture
def store(database: Database) -> CaseRepository:
    repository = CaseRepository(database)
    history = case(icpc(OPENED, "2026-11-13"))
    repository.open_case(history, recorded_by="t", source=Source.IMPORT, as_of=at(OPENED))
    return repository


def rows(store: CaseRepository, obligation: str) -> dict[str, Any]:
    """The case's outbox rows for one obligation, by rung: their status and reason."""
    return {
        e.dispatch.rung.value: (e.status, e.withdrawn_reason)
        for e in store.outbox_of(REF)
        if e.dispatch.obligation == obligation
    }


def deliver(store: CaseRepository, as_of: datetime) -> list[str]:
    """Deliver everything due as a sender would (claim, check, send, record); the keys sent."""
    sent: list[str] = []

    def send(row: Any, notifier: Any, now: datetime, policy: Any) -> RowResult:
        sent.append(row.key)
        return RowResult(row.key, row.key, Status.DELIVERED, now)

    deliver_due(store.outbox, send, as_of, notifier=object())  # type: ignore[arg-type]
    return sent


def record(store: CaseRepository, event: Event, as_of: datetime, **extra: Any) -> None:
    record_event(store, REF, event, recorded_by="admin", source=Source.CLI, as_of=as_of, **extra)


def core_group_on(day: str) -> CoreGroupHeld:
    return cg(day, "cg-p0-1", "2026-12-14")


def test_a_late_core_group_after_its_missed_notice_went_out_sends_nothing_more(
    store: CaseRepository,
) -> None:
    store.refresh(REF, at("2026-11-17", 9))  # due Mon 16 Nov: missed from Tue 17 Nov 08:00
    assert f"{REF}|{FIRST_CG}|missed" in deliver(store, at("2026-11-17", 9))
    record(store, core_group_on("2026-11-16"), at("2026-11-18", 11))  # held on the day
    assert rows(store, FIRST_CG) == {"missed": (OutboxStatus.DELIVERED, None)}
    later = store.refresh(REF, at("2026-12-01", 9))  # past the TM's and the final rung's days
    assert not [key for key in later.queued if FIRST_CG in key]
    assert rows(store, FIRST_CG) == {"missed": (OutboxStatus.DELIVERED, None)}


def test_a_late_entry_meeting_an_obligation_withdraws_its_reminder_before_it_goes(
    store: CaseRepository,
) -> None:
    store.refresh(REF, at("2026-11-12", 9))  # reminded 2 WD before the day: Thu 12 Nov 08:00
    assert rows(store, FIRST_CG) == {"reminder": (OutboxStatus.PENDING, None)}
    record(store, core_group_on("2026-11-11"), at("2026-11-12", 10))  # met the day before
    assert rows(store, FIRST_CG) == {
        "reminder": (OutboxStatus.WITHDRAWN, "withdrawn: met on 2026-11-11")
    }
    assert all(FIRST_CG not in key for key in deliver(store, at("2026-11-12", 11)))
    assert all(FIRST_CG not in key for key in deliver(store, at("2026-11-20", 9)))


class RecordingWhileClaimed:
    """The outbox, with an entry recorded between a sender's claim and its sends: the race
    the sender's last look (``still_due``) closes."""

    def __init__(self, store: CaseRepository, event: Event, as_of: datetime) -> None:
        self.store, self.event, self.as_of = store, event, as_of

    def claim(self, as_of: datetime, limit: int = 100) -> Sequence[Any]:
        claimed = self.store.outbox.claim(as_of, limit)
        record(self.store, self.event, self.as_of)
        return claimed

    def record(self, attempts: Sequence[RowResult]) -> int:
        return self.store.outbox.record(attempts)

    def still_due(self, key: str) -> bool:
        return self.store.outbox.still_due(key)


def test_a_rung_claimed_for_sending_never_goes_out_once_the_entry_meeting_it_is_recorded(
    store: CaseRepository,
) -> None:
    store.refresh(REF, at("2026-11-17", 9))
    sent: list[str] = []

    def send(row: Any, notifier: Any, now: datetime, policy: Any) -> RowResult:
        sent.append(row.key)
        return RowResult(row.key, row.key, Status.DELIVERED, now)

    racing = RecordingWhileClaimed(store, core_group_on("2026-11-16"), at("2026-11-17", 10))
    deliver_due(racing, send, at("2026-11-17", 10), notifier=object())  # type: ignore[arg-type]
    assert not [key for key in sent if FIRST_CG in key]
    assert rows(store, FIRST_CG)["missed"][0] is OutboxStatus.WITHDRAWN


def no_access(on: str) -> VisitMade:
    return VisitMade(on=d(on), visitor="sw", no_access=True)


def test_a_voided_events_queued_notice_is_withdrawn_and_says_so(store: CaseRepository) -> None:
    record(store, no_access("2026-11-04"), at("2026-11-04", 12))
    record(store, no_access("2026-11-05"), at("2026-11-05", 12))  # R-V2: two in a row
    assert rows(store, "R-V2:e2") == {"notice": (OutboxStatus.PENDING, None)}
    void = EventVoided(on=d("2026-11-05"), voids=3, reason="typed twice", authorised_by="tm")
    record(store, void, at("2026-11-05", 13))
    assert rows(store, "R-V2:e2") == {
        "notice": (
            OutboxStatus.WITHDRAWN,
            "withdrawn: the event that raised it (event 3) was voided",
        )
    }
    assert all("R-V2" not in key for key in deliver(store, at("2026-11-05", 14)))


def test_a_notice_withdrawn_and_owed_again_goes_out_once(store: CaseRepository) -> None:
    store.refresh(REF, at("2026-11-17", 9))  # the missed rung queued, not yet sent
    record(store, core_group_on("2026-11-16"), at("2026-11-17", 10))
    assert rows(store, FIRST_CG)["missed"][0] is OutboxStatus.WITHDRAWN
    void = EventVoided(on=d("2026-11-17"), voids=2, reason="wrong case", authorised_by="tm")
    record(store, void, at("2026-11-17", 11))  # not held after all: owed again
    assert rows(store, FIRST_CG)["missed"][0] is OutboxStatus.PENDING
    first = deliver(store, at("2026-11-17", 12))
    assert first.count(f"{REF}|{FIRST_CG}|missed") == 1
    assert f"{REF}|{FIRST_CG}|missed" not in deliver(store, at("2026-11-18", 12))


def test_a_late_entry_beyond_the_profiles_limit_says_why_and_the_journal_keeps_it(
    store: CaseRepository,
) -> None:
    late = VisitMade(on=d("2026-11-03"), visitor="sw", children_seen=("c1",))
    with pytest.raises(RejectedEvent) as refused:
        record(store, late, at("2026-11-20", 10))  # 13 working days later
    assert (refused.value.field, refused.value.rule) == ("late_reason", "R-G3")
    assert store.summary(REF).last_seq == 1  # nothing written
    record(store, late, at("2026-11-20", 10), late_reason=LateReason.RECORDED_ELSEWHERE_FIRST)
    entry = store.journal(REF)[-1]
    assert (entry.lag, entry.late_reason) == (13, "recorded_elsewhere_first")
    assert entry.late_words == (
        "recorded 13 working days later (recorded on paper or in another system first)"
    )


def test_a_late_entry_within_the_limit_needs_no_reason_and_shows_its_lag(
    store: CaseRepository,
) -> None:
    record(store, core_group_on("2026-11-11"), at("2026-11-16", 10))  # Wed -> Mon: 3 WD
    entry = store.journal(REF)[-1]
    assert (entry.lag, entry.late_reason, entry.late_words) == (
        3, None, "recorded 3 working days later"
    )  # fmt: skip


@pytest.fixture
def real_store(empty_db_url: str) -> CaseRepository:
    """A real store (not a simulation's): its records take their moment from its clock."""
    database = Database.from_url(empty_db_url)
    upgrade(database)
    return CaseRepository(database)


def now_london() -> datetime:
    return datetime.now(UTC).astimezone(LONDON)


def test_on_a_real_store_a_record_as_of_another_day_is_refused_and_nothing_is_written(
    real_store: CaseRepository,
) -> None:
    today = now_london().date()
    opened = case(icpc(today.isoformat()))
    real_store.open_case(opened, recorded_by="t", source=Source.CLI, as_of=now_london())
    visit = VisitMade(on=d("2099-01-05"), visitor="sw", children_seen=("c1",))
    with pytest.raises(RejectedEvent) as refused:
        record_event(real_store, REF, visit, recorded_by="admin", source=Source.CLI,
                     as_of=at("2099-01-05", 12))  # fmt: skip
    assert (refused.value.field, refused.value.rule) == ("as_of", "R-G3")
    with pytest.raises(RejectedEvent) as future:  # as of now: the day is after today
        record_event(real_store, REF, visit, recorded_by="admin", source=Source.CLI,
                     as_of=now_london())  # fmt: skip
    assert (future.value.field, future.value.rule) == ("on", "R-G3")
    assert real_store.summary(REF).last_seq == 1
    assert not [e for e in real_store.outbox_of(REF) if "escalation" in e.dispatch.rung.value]


def test_on_a_real_store_when_a_thing_was_recorded_comes_from_the_clock(
    real_store: CaseRepository,
) -> None:
    today = now_london().date()
    real_store.open_case(
        case(icpc(today.isoformat())), recorded_by="t", source=Source.CLI, as_of=now_london()
    )
    before = datetime.now(UTC)
    visit = VisitMade(on=today, visitor="sw", children_seen=("c1",))
    record_event(real_store, REF, visit, recorded_by="admin", source=Source.CLI,
                 as_of=now_london() - timedelta(minutes=3))  # fmt: skip
    entry = real_store.journal(REF)[-1]
    assert before <= entry.recorded_at <= datetime.now(UTC)
    assert not real_store.simulation


def test_a_store_holding_cases_is_never_made_a_simulations(real_store: CaseRepository) -> None:
    from domain.store.errors import StoreError
    from domain.store.settings import mark_simulation

    real_store.open_case(case(icpc(now_london().date().isoformat())), recorded_by="t",
                         source=Source.CLI, as_of=now_london())  # fmt: skip
    with pytest.raises(StoreError, match="never made a simulation"):
        mark_simulation(real_store.database, datetime.now(UTC))
    assert not real_store.simulation
