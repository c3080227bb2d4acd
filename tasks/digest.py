"""The team managers' daily digest: enqueue the day's digests, then deliver what is pending.

Two tasks, one side effect each. Both take the tick's ``as_of``; neither reads the clock.
Enqueueing is insert-if-absent on ``digest|<team>|<day>``, so the 96 ticks of a day make
one row per team and a retry of this task adds nothing (R-E1). Delivery is at-least-once
from the ``digests`` table, like the outbox: a failed send stays there with its error and
retry time, and a later tick tries again. Only a store error worth retrying (a lock
timeout, a dropped connection) retries a task; a failed send is recorded, not raised.
"""

from __future__ import annotations

from datetime import datetime

from prefect import task

from notifications.daily_digest import deliver_pending_digests, digest_hour, enqueue_due_digests
from tasks.delivery import DELIVERY_TASK
from tasks.store import STORE_TASK, repository


@task(name="enqueue-digests", **STORE_TASK)
def enqueue_digests(as_of: datetime) -> int:
    """Today's digests, if due at ``as_of`` (a working day, from ``CPO_DIGEST_HOUR``);
    returns how many rows were new: one per team on the day's first tick after the hour,
    then 0."""
    return enqueue_due_digests(repository(), as_of, hour=digest_hour())


@task(name="deliver-digests", **DELIVERY_TASK)
def deliver_digests(as_of: datetime, limit: int = 100) -> int:
    """Send the digests pending as of ``as_of``; returns how many were delivered."""
    return deliver_pending_digests(repository(), as_of, limit)
