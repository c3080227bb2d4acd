"""Delivery from the real outbox (SQLite and PostgreSQL) to real receivers on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.dispatch import Recipient, RecipientRole
from domain.store.database import Database
from domain.store.outbox import OutboxEntry
from domain.store.repository import CaseRepository
from domain.store.tables import OutboxStatus
from notifications.notifier import Notifier
from services.delivery import deliver_notices
from tests.notifications.conftest import DispatchFactory, SmtpReceiver, WebhookReceiver
from tests.store.cases import history

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def test_each_rung_reaches_each_recipient_once_across_a_partial_failure(
    database: Database,
    notify_config: Path,
    smtp: SmtpReceiver,
    webhook: WebhookReceiver,
    make_dispatch: DispatchFactory,
) -> None:
    store = CaseRepository(database, clock=lambda: NOW)
    store.open_case(history("CP-2025-0012"), recorded_by="admin", source="import", as_of=NOW)
    down = SmtpReceiver()  # the LP's own mail server, down at first
    recipients = (
        Recipient(role=RecipientRole.TEAM_MANAGER),
        Recipient(role=RecipientRole.OWNER, member="m-2", contact=webhook.url("/owner")),
        Recipient(
            role=RecipientRole.LEAD_PROFESSIONAL, member="m-lp1", contact=down.url("lp@example.org")
        ),
    )
    notice = make_dispatch(recipients=recipients, fires_at=NOW)
    store.enqueue([notice])
    notifier = Notifier.from_config(notify_config)

    assert deliver_notices(store, NOW, notifier=notifier) == 0
    [entry] = entries_of(store, notice.idempotency_key)
    assert entry.status is OutboxStatus.FAILED and len(entry.delivered_to) == 2
    down.start()
    try:
        assert deliver_notices(store, NOW + timedelta(hours=1), notifier=notifier) == 1
        assert deliver_notices(store, NOW + timedelta(days=1), notifier=notifier) == 0
    finally:
        down.stop()

    notices = [m for m in smtp.mails if "Meeting booked" not in m.subject]
    assert [m.recipients for m in notices] == [["tm-north@example.org"]]
    # Opening the case booked its first review: the chair's invitation came once, with its .ics.
    [booking] = [m for m in smtp.mails if "Meeting booked" in m.subject]
    assert booking.recipients == ["chair@example.org"]
    [ics] = booking.parts("text/calendar")
    assert b"METHOD:REQUEST" in ics and b"UID:CP-2025-0012.rcpc-1@cp-orchestrator" in ics
    assert len(webhook.at("/owner")) == 1
    assert [m.recipients for m in down.mails] == [["lp@example.org"]]
    [entry] = entries_of(store, notice.idempotency_key)
    assert entry.status is OutboxStatus.DELIVERED and entry.attempts == 2


def entries_of(store: CaseRepository, key: str) -> list[OutboxEntry]:
    """The test's own row: opening the case also books its meetings (invitations)."""
    return [e for e in store.outbox_of("CP-2025-0012") if e.idempotency_key == key]


def test_a_broken_routing_file_fails_the_claimed_rows_visibly_and_they_retry(
    database: Database, tmp_path: Path, make_dispatch: DispatchFactory
) -> None:
    import pytest

    from notifications.routing import RoutingError

    store = CaseRepository(database, clock=lambda: NOW)
    store.open_case(history("CP-2025-0012"), recorded_by="admin", source="import", as_of=NOW)
    notice = make_dispatch(fires_at=NOW)
    store.enqueue([notice])
    broken = tmp_path / "moved-away.yaml"  # the file the deployment names is gone
    with pytest.raises(RoutingError):
        deliver_notices(store, NOW, config=broken)
    [entry] = entries_of(store, notice.idempotency_key)
    assert entry.status is OutboxStatus.FAILED and entry.attempts == 1
    assert entry.last_error and "RoutingError" in entry.last_error
    assert entry.next_attempt_at is not None and entry.next_attempt_at > NOW
