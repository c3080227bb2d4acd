"""The daily digest from a real store (SQLite and PostgreSQL) to a real SMTP receiver.

Each tick does what the clock's digest step does: enqueue the day's digests if due, then
deliver what is pending. Thursday 17 April 2025 is a working day; Good Friday (18 April)
and Easter Monday (21 April) are England's bank holidays, so the next working day is
Tuesday 22 April.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from domain.events import Child, ConferenceHeld, Member
from domain.history import CaseHistory
from domain.store.database import Database
from domain.store.repository import CaseRepository
from domain.store.tables import OutboxStatus
from flows.clock_source import LONDON
from notifications.daily_digest import digest_day, enqueue_due_digests, working_days
from notifications.notifier import Notifier
from notifications.settings import HOUR_ENV, digest_hour
from services.delivery import deliver_digests
from tests.notifications.conftest import Mail, SmtpReceiver
from tests.store.cases import icpc, visit

THURSDAY = date(2025, 4, 17)
GOOD_FRIDAY = date(2025, 4, 18)
EASTER_MONDAY = date(2025, 4, 21)
TUESDAY = date(2025, 4, 22)
CHILD_NAMES = ("Alex Example", "Sam Sample")
MEMBER_NAMES = ("Lee Worker", "Pat Parent")
NORTH, SOUTH = "tm-north@example.org", "tm-south@example.org"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LONDON)


def named_icpc(on: date, child_name: str) -> ConferenceHeld:
    """An initial conference whose child and members have names: none may reach a notice."""
    opening = icpc(on)
    members = tuple(
        member.model_copy(update={"name": MEMBER_NAMES[0] if member.id == "lp" else ""})
        for member in opening.members
    ) + (Member(id="dad", role="parent", name=MEMBER_NAMES[1]),)
    child = Child(id="c1", category="NEG", name=child_name)
    return opening.model_copy(update={"children": (child,), "members": members})


def case(reference: str, team: str, on: date, child_name: str = CHILD_NAMES[0]) -> CaseHistory:
    return CaseHistory(reference=reference, team=team, events=(named_icpc(on, child_name),))


@pytest.fixture
def store(database: Database) -> CaseRepository:
    """North has two cases with overdue obligations, south one; east's case is new and has
    nothing overdue (and no route in the notification configuration)."""
    repository = CaseRepository(database, clock=lambda: at(THURSDAY, 7))
    cases = [
        case("CP-N-1", "team-north", date(2025, 3, 3)),
        case("CP-N-2", "team-north", date(2025, 3, 3), CHILD_NAMES[1]),
        case("CP-S-1", "team-south", date(2025, 3, 3)),
        case("CP-E-1", "team-east", date(2025, 4, 16)),
    ]
    repository.open_cases(cases, recorded_by="admin", source="import", as_of=at(THURSDAY, 7))
    return repository


@pytest.fixture
def notifier(notify_config: Path) -> Notifier:
    return Notifier.from_config(notify_config)


def tick(store: CaseRepository, notifier: Notifier, moment: datetime) -> int:
    """The clock's digest step at ``moment``: returns how many digests were delivered."""
    enqueue_due_digests(store, moment, hour=8)
    return deliver_digests(store, moment, notifier=notifier)


def text_of(mail: Mail) -> str:
    parts = mail.parts("text/plain") + mail.parts("text/html")
    return mail.subject + "\n" + "\n".join(part.decode() for part in parts)


def test_each_team_manager_gets_one_digest_per_working_day(
    store: CaseRepository, notifier: Notifier, smtp: SmtpReceiver
) -> None:
    assert tick(store, notifier, at(THURSDAY, 7, 45)) == 0  # before the hour
    assert tick(store, notifier, at(THURSDAY, 8)) == 2
    for later in (at(THURSDAY, 8, 15), at(THURSDAY, 12), at(THURSDAY, 23, 45)):
        assert tick(store, notifier, later) == 0
    assert [mail.recipients for mail in smtp.mails] == [[NORTH], [SOUTH]]

    for holiday in (GOOD_FRIDAY, date(2025, 4, 19), EASTER_MONDAY):
        assert tick(store, notifier, at(holiday, 9)) == 0
    assert tick(store, notifier, at(TUESDAY, 8)) == 2
    assert tick(store, notifier, at(TUESDAY, 8, 15)) == 0

    assert (len(smtp.to(NORTH)), len(smtp.to(SOUTH))) == (2, 2)
    assert [entry.team for entry in store.digests_of(THURSDAY)] == ["team-north", "team-south"]
    assert all(e.status is OutboxStatus.DELIVERED for e in store.digests_of(TUESDAY))


def test_a_team_with_nothing_overdue_gets_no_digest(
    store: CaseRepository, notifier: Notifier, smtp: SmtpReceiver
) -> None:
    assert list(store.overdue_obligations(at(TUESDAY, 8), "team-east")) == []
    tick(store, notifier, at(TUESDAY, 8))
    assert "team-east" not in {entry.team for entry in store.digests_of(TUESDAY)}
    assert {r for mail in smtp.mails for r in mail.recipients} == {NORTH, SOUTH}


def test_the_digest_names_cases_by_reference_and_never_a_child(
    store: CaseRepository, notifier: Notifier, smtp: SmtpReceiver
) -> None:
    tick(store, notifier, at(THURSDAY, 8))
    [north] = smtp.to(NORTH)
    body = text_of(north)
    assert "CP-N-1" in body and "CP-N-2" in body and "CP-S-1" not in body
    assert "Core group held" in body and "R-T1" in body
    assert "team-north" in north.subject
    for name in CHILD_NAMES + MEMBER_NAMES:  # R-G1
        assert all(name not in text_of(mail) for mail in smtp.mails), name


def test_smtp_down_then_up_delivers_each_digest_once_and_loses_nothing(
    store: CaseRepository, notifier: Notifier, smtp: SmtpReceiver
) -> None:
    smtp.stop()
    assert tick(store, notifier, at(THURSDAY, 8)) == 0
    failed = store.digests_of(THURSDAY)
    assert [(e.status, e.attempts) for e in failed] == [(OutboxStatus.FAILED, 1)] * 2
    assert all(e.last_error and e.next_attempt_at for e in failed)

    smtp.start()
    assert tick(store, notifier, at(THURSDAY, 8, 15)) == 2
    assert tick(store, notifier, at(THURSDAY, 8, 30)) == 0
    assert [mail.recipients for mail in smtp.mails] == [[NORTH], [SOUTH]]
    assert [(e.status, e.attempts) for e in store.digests_of(THURSDAY)] == [
        (OutboxStatus.DELIVERED, 2)
    ] * 2


def test_a_retry_sends_the_snapshot_taken_when_the_digest_was_enqueued(
    store: CaseRepository, notifier: Notifier, smtp: SmtpReceiver
) -> None:
    smtp.stop()
    tick(store, notifier, at(THURSDAY, 8))
    # The child of CP-N-1 is seen after the digest was made: the retry still lists it.
    store.append(
        "CP-N-1", visit(THURSDAY), expected_seq=1, recorded_by="lp", source="cli",
        as_of=at(THURSDAY, 8, 5),
    )  # fmt: skip
    now_overdue = store.overdue_obligations(at(THURSDAY, 8, 5), "team-north")
    assert ("CP-N-1", "R-T11:c1:2025-03-03") not in {(o.reference, o.key) for o in now_overdue}
    smtp.start()
    tick(store, notifier, at(THURSDAY, 8, 15))
    [north] = smtp.to(NORTH)
    [text] = north.parts("text/plain")
    assert "CP-N-1: " in text.decode() and "- Child seen (child c1)" in text.decode()


def test_the_digest_is_due_from_the_hour_on_working_days_only() -> None:
    calendar = working_days()
    assert digest_day(at(THURSDAY, 7, 59), 8, calendar) is None
    assert digest_day(at(THURSDAY, 8), 8, calendar) == THURSDAY
    assert digest_day(at(THURSDAY, 23, 59), 8, calendar) == THURSDAY
    assert digest_day(at(GOOD_FRIDAY, 9), 8, calendar) is None
    assert digest_day(at(date(2025, 4, 19), 9), 8, calendar) is None


def test_the_digest_hour_comes_from_the_environment() -> None:
    assert digest_hour({}) == 8
    assert digest_hour({HOUR_ENV: "7"}) == 7
    for bad in ("24", "8am", "-1"):
        with pytest.raises(ValueError, match=HOUR_ENV):
            digest_hour({HOUR_ENV: bad})
