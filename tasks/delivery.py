"""Delivering from the store's two queues: ``services.delivery`` claims, sends, records.

Delivery is at-least-once from the queue (docs/architecture.md): a failed send stays there,
visible, with its error and retry time, and a later wake or tick tries again. Exactly-once
belongs to the queue's unique keys, written before this runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from services import delivery
from tasks.store import repository, transient

# A locked store is worth retrying; a routing or configuration error is not: the rows keep
# their error and retry time, and a later wake tries again.
DELIVERY_TASK: dict[str, Any] = dict(
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=[1, 5],
    retry_condition_fn=transient,
    timeout_seconds=300,
)


@task(name="deliver-notices", **DELIVERY_TASK)
def deliver_notices(as_of: datetime, limit: int = 100) -> int:
    """Send one batch of the outbox due as of ``as_of``; returns how many were delivered."""
    return delivery.deliver_notices(repository(), as_of, limit)


@task(name="deliver-digests", **DELIVERY_TASK)
def deliver_digests(as_of: datetime, limit: int = 100) -> int:
    """Send the team managers' digests due as of ``as_of``; returns how many were delivered."""
    return delivery.deliver_digests(repository(), as_of, limit)
