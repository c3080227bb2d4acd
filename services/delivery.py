"""Use case: deliver what is due, from both queues (the outbox, then the digests).

The senders (apprise, the templates, the calendar invitations) are loaded only once something
is due: a case run's process starts afresh for every wake, and most wakes find nothing to
send (the clock's tick sent it already).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from domain.store import CaseRepository

if TYPE_CHECKING:
    from notifications.delivery import RetryPolicy
    from notifications.notifier import Notifier


@dataclass(frozen=True)
class Delivered:
    notices: int
    digests: int


def deliver_notices(
    store: CaseRepository,
    as_of: datetime,
    limit: int = 100,
    *,
    notifier: Notifier | None = None,
    config: str | Path | None = None,
    policy: RetryPolicy | None = None,
) -> int:
    """One batch of the outbox: its due rows claimed, sent, and recorded."""
    if not store.outbox.due(as_of, limit=1):
        return 0
    from notifications.delivery import RetryPolicy, deliver_due, send_dispatch

    return deliver_due(
        store.outbox, send_dispatch, as_of, limit,
        notifier=notifier, config=config, policy=policy or RetryPolicy(),
    )  # fmt: skip


def deliver_digests(
    store: CaseRepository,
    as_of: datetime,
    limit: int = 100,
    *,
    notifier: Notifier | None = None,
    config: str | Path | None = None,
    policy: RetryPolicy | None = None,
) -> int:
    """One batch of the team managers' digests: claimed, sent in team order, recorded."""
    if not store.digests.due(as_of, limit=1):
        return 0
    from notifications.daily_digest import send_digest
    from notifications.delivery import RetryPolicy, deliver_due

    return deliver_due(
        store.digests, send_digest, as_of, limit,
        notifier=notifier, config=config, policy=policy or RetryPolicy(), workers=1,
    )  # fmt: skip


def deliver_everything_due(
    store: CaseRepository,
    as_of: datetime,
    *,
    batch: int = 100,
    notifier: Notifier | None = None,
    config: str | Path | None = None,
) -> Delivered:
    """Every due row of both queues, a batch at a time, until a batch delivers nothing."""
    from notifications.notifier import Notifier

    active = notifier if notifier is not None else Notifier.from_config(config)
    notices = digests = 0
    while sent := deliver_notices(store, as_of, batch, notifier=active):
        notices += sent
    while sent := deliver_digests(store, as_of, batch, notifier=active):
        digests += sent
    return Delivered(notices, digests)
