"""A process delivering the outbox at the same time as others (test_concurrent_delivery.py)."""

from __future__ import annotations

from datetime import datetime
from threading import Barrier  # a Manager().Barrier proxy behaves as one
from typing import Any

from domain.store.database import Database
from domain.store.repository import CaseRepository
from notifications.notifier import Notifier
from services.delivery import deliver_notices


def deliver_until_empty(url: str, config: str, as_of: datetime, barrier: Barrier) -> Any:
    """Small batches, so the senders' batches interleave; stops when nothing is left."""
    store = CaseRepository(Database.from_url(url))
    notifier = Notifier.from_config(config)
    barrier.wait(timeout=60)
    delivered = batches = 0
    while store.outbox.due(as_of, limit=1) or batches == 0:
        delivered += deliver_notices(store, as_of, limit=5, notifier=notifier)
        batches += 1
    store.database.dispose()
    return {"delivered": delivered, "batches": batches}
