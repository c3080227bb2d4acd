"""Delivering the outbox: the notifications package renders and sends; this task only calls it.

Delivery is at-least-once from the outbox (ARCHITECTURE.md): a failed send stays pending and
visible, and the next wake (or the clock) tries again. Exactly-once belongs to the outbox's
unique keys, which the wake has already written before this runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.store import repository, transient

# Sending from a store (the outbox, the digests): a locked store is worth retrying; a
# routing or configuration error is not: the rows stay pending and a later wake tries again.
DELIVERY_TASK: dict[str, Any] = dict(
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=[1, 5],
    retry_condition_fn=transient,
    timeout_seconds=300,
)


@task(name="deliver-outbox", **DELIVERY_TASK)
def deliver_outbox(as_of: datetime, limit: int = 100) -> int:
    """Send what is pending in the outbox as of ``as_of``; returns how many were delivered."""
    try:
        from notifications.delivery import deliver_pending
    except ImportError:  # notifications not installed in this deployment: rows stay pending
        get_run_logger().warning("notifications.delivery unavailable; outbox left pending")
        return 0
    return int(deliver_pending(repository(), as_of=as_of, limit=limit))
