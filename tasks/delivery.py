"""Delivering from the store's two queues: ``services.delivery`` claims, sends, records.

Delivery is at-least-once from the queue (docs/architecture.md): a failed send stays there,
visible, with its error and retry time, and a later wake or tick tries again. Exactly-once
belongs to the queue's unique keys, written before this runs.
"""

from __future__ import annotations

import time
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


# What one tick spends sending before it lets the next tick start (every 15 minutes): the
# rest stays queued, visible, and goes at the next tick or with the next case run's wake.
DELIVERY_SECONDS = 600.0


# No task timeout: it runs in a thread beside the runs' wakes, where Prefect cannot enforce
# one; its own loop stops after ``seconds``.
@task(name="deliver-queued", **{**DELIVERY_TASK, "timeout_seconds": None})
def deliver_queued(as_of: datetime, seconds: float = DELIVERY_SECONDS) -> int:
    """Everything the tick queued: the outbox a batch at a time through one notifier until
    nothing is due (or ``seconds`` have passed). Returns how many were delivered."""
    from notifications.notifier import Notifier

    try:
        notifier: Notifier | None = Notifier.from_config()
    except Exception:  # each batch then fails its rows visibly, with the error (deliver_due)
        notifier = None
    store = repository()
    deadline = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < deadline:
        batch = delivery.deliver_notices(store, as_of, notifier=notifier)
        sent += batch
        if not batch:
            break
    return sent
