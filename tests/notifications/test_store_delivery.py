"""Delivery from the real outbox (SQLite and PostgreSQL) to real receivers on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.dispatch import Recipient, RecipientRole
from domain.store.database import Database
from domain.store.repository import CaseRepository
from domain.store.tables import OutboxStatus
from notifications.delivery import deliver_pending
from notifications.notifier import Notifier
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
    store.enqueue([make_dispatch(recipients=recipients, fires_at=NOW)])
    notifier = Notifier.from_config(notify_config)

    assert deliver_pending(store, NOW, notifier=notifier) == 0
    [entry] = store.outbox_of("CP-2025-0012")
    assert entry.status is OutboxStatus.FAILED and len(entry.delivered_to) == 2
    down.start()
    try:
        assert deliver_pending(store, NOW + timedelta(hours=1), notifier=notifier) == 1
        assert deliver_pending(store, NOW + timedelta(days=1), notifier=notifier) == 0
    finally:
        down.stop()

    assert [m.recipients for m in smtp.mails] == [["tm-north@example.org"]]
    assert len(webhook.at("/owner")) == 1
    assert [m.recipients for m in down.mails] == [["lp@example.org"]]
    [entry] = store.outbox_of("CP-2025-0012")
    assert entry.status is OutboxStatus.DELIVERED and entry.attempts == 2
