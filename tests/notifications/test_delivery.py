"""Delivery to real receivers on 127.0.0.1: what arrived, to whom, exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung
from notifications.delivery import (
    RetryPolicy,
    RowResult,
    deliver_batch,
    deliver_due,
    send_dispatch,
)
from notifications.digest import deliver_digest, digests_from_dispatches
from notifications.invites import MeetingInvite, MeetingKind, invite_attachment
from notifications.notifier import Notifier
from notifications.routing import Route, RoutingTable
from tests.notifications.conftest import DispatchFactory, SmtpReceiver, WebhookReceiver

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
Role = RecipientRole


@dataclass(frozen=True)
class Row:
    """An outbox row as the queue hands it over."""

    id: int
    key: str
    dispatch: Dispatch
    attempts: int = 0
    delivered_to: tuple[str, ...] = ()


def row_of(row_id: int, dispatch: Dispatch) -> Row:
    return Row(row_id, dispatch.idempotency_key, dispatch)


@dataclass(frozen=True)
class UnreadableRow:
    """A row whose stored payload no longer reads as a dispatch."""

    id: int
    key: str
    attempts: int = 0
    delivered_to: tuple[str, ...] = ()

    @property
    def dispatch(self) -> Dispatch:
        return Dispatch.model_validate({"case_reference": "CP-1"})


def retried(row: Row, result: RowResult) -> Row:
    """What the store keeps from a failed attempt."""
    return replace(row, attempts=row.attempts + 1, delivered_to=result.delivered_to)


@dataclass
class FakeOutbox:
    """A delivery queue that records what it was told, in the style of a hand-written fake:
    the same ``claim`` and ``record`` as the store's (domain/store/queues.py)."""

    rows: dict[str, Row]
    delivered: dict[str, datetime] = field(default_factory=dict)
    failed: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)
    claims: int = 0

    def claim(self, as_of: datetime, limit: int = 100) -> list[Row]:
        self.claims += 1
        due = [
            r for k, r in self.rows.items() if k not in self.delivered and k not in self.withdrawn
        ]
        due = [r for r in due if k_due(self.failed.get(r.key), as_of)]
        return due[:limit]

    def still_due(self, key: str) -> bool:
        return key not in self.delivered and key not in self.withdrawn

    def record(self, attempts: Sequence[RowResult]) -> int:
        for attempt in attempts:
            key = attempt.idempotency_key
            self.rows[key] = replace(
                self.rows[key],
                attempts=self.rows[key].attempts + 1,
                delivered_to=tuple(attempt.delivered_to),
            )
            if attempt.delivered:
                self.delivered[key] = attempt.attempted_at
            else:
                self.failed[key] = (attempt.error or "", attempt.next_attempt_at)
        return sum(attempt.delivered for attempt in attempts)


def k_due(failure: tuple[str, datetime | None] | None, as_of: datetime) -> bool:
    return failure is None or (failure[1] is not None and failure[1] <= as_of)


@pytest.fixture
def notifier(notify_config: Path) -> Notifier:
    return Notifier.from_config(notify_config)


def test_an_escalation_reaches_the_team_manager_once_by_email(
    notifier: Notifier, smtp: SmtpReceiver, make_dispatch: DispatchFactory
) -> None:
    (result,) = deliver_batch([row_of(1, make_dispatch())], notifier, NOW)
    assert result.delivered and result.error is None
    (mail,) = smtp.mails
    assert mail.recipients == ["tm-north@example.org"]
    assert mail.subject.startswith("[CP-2025-0012] Overdue: Core group minutes circulated")
    (html,) = mail.parts("text/html")
    assert b"Rule: R-T5" in html


def test_the_final_rung_reaches_head_of_service_by_email_and_webhook(
    notifier: Notifier, smtp: SmtpReceiver, webhook: WebhookReceiver, make_dispatch: DispatchFactory
) -> None:
    dispatch = make_dispatch(
        rung=Rung.ESCALATION_FINAL,
        template="unacknowledged",
        recipients=(Recipient(role=Role.HEAD_OF_SERVICE),),
    )
    (result,) = deliver_batch([row_of(1, dispatch)], notifier, NOW)
    assert result.delivered
    assert [m.recipients for m in smtp.mails] == [["hos@example.org"]]
    (body,) = webhook.at("/head-of-service")
    assert body["title"].startswith("[CP-2025-0012] Not acknowledged")
    assert body["message"].splitlines()[-1] == "Rule: R-T5, R-E1, R-E6"


def test_members_own_contacts_each_get_one_notice(
    notifier: Notifier, smtp: SmtpReceiver, webhook: WebhookReceiver, make_dispatch: DispatchFactory
) -> None:
    members = (
        Recipient(role=Role.MEMBER, member="m-1", contact=smtp.url("school@example.org")),
        Recipient(role=Role.MEMBER, member="m-2", contact=webhook.url("/health")),
        # The LP is also a member: the same contact is reached once, not twice.
        Recipient(
            role=Role.LEAD_PROFESSIONAL, member="m-1", contact=smtp.url("school@example.org")
        ),
    )
    dispatch = make_dispatch(
        rung=Rung.NOTICE, template="inquorate", recipients=members, meeting_date=date(2025, 3, 12)
    )
    (result,) = deliver_batch([row_of(1, dispatch)], notifier, NOW)
    assert result.delivered and len(result.delivered_to) == 2
    assert [m.recipients for m in smtp.mails] == [["school@example.org"]]
    assert len(webhook.at("/health")) == 1


def test_a_failing_row_does_not_block_the_others(
    notifier: Notifier, smtp: SmtpReceiver, make_dispatch: DispatchFactory
) -> None:
    rows = [
        row_of(1, make_dispatch(obligation="a")),
        UnreadableRow(2, "broken"),
        row_of(3, make_dispatch(obligation="c", team="team-east")),  # no route
        row_of(4, make_dispatch(obligation="d", template="nonesuch")),
        row_of(5, make_dispatch(obligation="e", team="team-south")),
    ]
    results = deliver_batch(rows, notifier, NOW)
    assert [r.delivered for r in results] == [True, False, False, False, True]
    assert "ValidationError" in (results[1].error or "")
    assert "team_manager:team-east" in (results[2].error or "")
    assert "nonesuch" in (results[3].error or "")
    assert sorted(m.recipients[0] for m in smtp.mails) == [
        "tm-north@example.org",
        "tm-south@example.org",
    ]


def test_while_smtp_is_down_rows_back_off_and_afterwards_each_arrives_once(
    notifier: Notifier, smtp: SmtpReceiver, make_dispatch: DispatchFactory
) -> None:
    rows = [row_of(i, make_dispatch(obligation=f"R-T5:cg-{i}")) for i in range(5)]
    smtp.stop()
    first = deliver_batch(rows, notifier, NOW)
    assert not any(r.delivered for r in first)
    assert {r.next_attempt_at for r in first} == {NOW + timedelta(minutes=1)}
    rows = [retried(row, result) for row, result in zip(rows, first, strict=True)]
    second = deliver_batch(rows, notifier, NOW + timedelta(minutes=1))
    assert {r.next_attempt_at for r in second} == {NOW + timedelta(minutes=3)}  # 1 + 2 min
    smtp.start()
    rows = [retried(row, result) for row, result in zip(rows, second, strict=True)]
    third = deliver_batch(rows, notifier, NOW + timedelta(minutes=3))
    assert all(r.delivered for r in third)
    subjects = sorted(m.subject for m in smtp.mails)
    assert len(subjects) == 5 and len(set(subjects)) == 1  # five notices, one per row
    assert len(smtp.mails) == 5


def test_a_retry_skips_the_recipient_already_reached(
    notifier: Notifier, smtp: SmtpReceiver, webhook: WebhookReceiver, make_dispatch: DispatchFactory
) -> None:
    dead = SmtpReceiver()  # a member whose mail server is down for now
    recipients = (
        Recipient(role=Role.OWNER, member="m-2", contact=webhook.url("/health")),
        Recipient(role=Role.LEAD_PROFESSIONAL, member="m-lp1", contact=dead.url("lp@example.org")),
    )
    row = row_of(1, make_dispatch(recipients=recipients))
    (first,) = deliver_batch([row], notifier, NOW)
    assert not first.delivered and len(first.delivered_to) == 1
    assert "lead_professional:m-lp1@" in (first.error or "")
    dead.start()
    try:
        (second,) = deliver_batch([retried(row, first)], notifier, NOW + timedelta(minutes=1))
    finally:
        dead.stop()
    assert second.delivered and len(second.delivered_to) == 2
    assert len(webhook.at("/health")) == 1
    assert [m.recipients for m in dead.mails] == [["lp@example.org"]]


def test_delivery_records_every_outcome_in_the_queue(
    notifier: Notifier, smtp: SmtpReceiver, make_dispatch: DispatchFactory
) -> None:
    dispatches = [make_dispatch(obligation=f"o-{i}") for i in range(3)]
    queue = FakeOutbox({d.idempotency_key: row_of(i, d) for i, d in enumerate(dispatches)})

    def deliver(at: datetime) -> int:
        return deliver_due(queue, send_dispatch, at, notifier=notifier)

    smtp.stop()
    assert deliver(NOW) == 0
    assert len(queue.failed) == 3 and not queue.delivered
    assert deliver(NOW) == 0  # not yet time to retry
    smtp.start()
    assert deliver(NOW + timedelta(minutes=1)) == 3
    assert deliver(NOW + timedelta(hours=1)) == 0
    assert len(smtp.mails) == 3 and queue.claims == 4


def test_backoff_doubles_up_to_a_cap_and_may_give_up() -> None:
    policy = RetryPolicy(first_delay=timedelta(minutes=1), max_delay=timedelta(minutes=10))
    delays = [policy.next_attempt_at(NOW, n) for n in range(6)]
    assert [(d - NOW).seconds // 60 for d in delays if d] == [1, 2, 4, 8, 10, 10]
    assert RetryPolicy(max_attempts=3).next_attempt_at(NOW, 2) is None


def test_a_rescheduled_meeting_carries_its_calendar_invite(
    notifier: Notifier, smtp: SmtpReceiver, make_dispatch: DispatchFactory
) -> None:
    member = Recipient(role=Role.MEMBER, member="m-1", contact=smtp.url("school@example.org"))
    dispatch = make_dispatch(
        rung=Rung.NOTICE,
        template="rescheduled",
        recipients=(member,),
        meeting_date=date(2025, 4, 8),
    )
    invite = MeetingInvite(
        case_reference=dispatch.case_reference,
        meeting="cg-2",
        kind=MeetingKind.CORE_GROUP,
        starts_at=datetime(2025, 4, 8, 13, tzinfo=UTC),
        revision=1,
    )
    results = deliver_batch(
        [row_of(1, dispatch)],
        notifier,
        NOW,
        attachments_for=lambda _: [invite_attachment(invite, NOW)],
    )
    assert results[0].delivered
    (mail,) = smtp.mails
    (ics,) = mail.parts("text/calendar")
    assert b"SEQUENCE:1" in ics


def test_each_team_manager_gets_their_teams_digest(
    notifier: Notifier, smtp: SmtpReceiver, make_dispatch: DispatchFactory
) -> None:
    overdue = [
        make_dispatch(obligation="a"),
        make_dispatch(obligation="b", team="team-south", overdue_since=date(2025, 2, 1)),
        make_dispatch(obligation="c", rung=Rung.REMINDER, overdue_since=None),
    ]
    digests = digests_from_dispatches(overdue, date(2025, 3, 10))
    results = [deliver_digest(notifier, digest, NOW) for digest in digests]
    assert all(r.delivered for r in results)
    assert [r.idempotency_key for r in results] == [
        "digest|team-north|2025-03-10",
        "digest|team-south|2025-03-10",
    ]
    north, south = smtp.to("tm-north@example.org"), smtp.to("tm-south@example.org")
    assert north[0].subject.startswith("[team-north] 1 overdue")
    assert south[0].subject.endswith("oldest since Sat 1 Feb 2025")


def test_a_recipient_without_a_route_fails_the_row_but_the_others_still_hear(
    notifier: Notifier, smtp: SmtpReceiver, make_dispatch: DispatchFactory
) -> None:
    recipients = (Recipient(role=Role.TEAM_MANAGER), Recipient(role=Role.QA_MANAGER))
    (result,) = deliver_batch(
        [row_of(1, make_dispatch(team="team-south", recipients=recipients))], notifier, NOW
    )
    assert not result.delivered
    assert "qa_manager:team-south" in (result.error or "")
    assert [m.recipients for m in smtp.mails] == [["tm-south@example.org"]]


def test_two_addresses_on_one_mail_relay_are_two_endpoints(smtp: SmtpReceiver) -> None:
    """A retry skips endpoints already reached; two members on the authority's relay must
    not look like one (apprise's url_id names the account, not the recipient)."""
    notifier = Notifier(RoutingTable([]))
    [first], [second], [again] = (
        notifier.endpoints(Route(label=a, contact=smtp.url(a)))
        for a in ("a@x.org", "b@x.org", "a@x.org")
    )
    assert first.id != second.id
    assert first.id == again.id and "x.org" not in first.id


def test_a_batch_whose_recording_is_refused_for_a_moment_is_recorded_once() -> None:
    from notifications.delivery import recorded

    calls: list[int] = []

    def record() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("database is locked")
        return 7

    assert recorded(record, pauses=(0.0, 0.0, 0.0)) == 7 and len(calls) == 3

    def refused() -> int:
        raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError):  # refused every time: the error is not swallowed
        recorded(refused, pauses=(0.0,))
