"""Deliver outbox rows: render, route, send; report per row what the store should record.

At-least-once with exponential backoff (docs/architecture.md): a failed row gets an error
and a next attempt time and stays in the outbox. One failing row never blocks the
rest. Exactly once per recipient per rung (R-E1): the outbox key dedups rows, and
``delivered_to`` (endpoint ids already reached) makes a retry skip the endpoints a
partly delivered row already reached. A notice that books, moves or cancels a meeting
carries its calendar invitation (.ics) as an attachment by default.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar

from domain.dispatch import Dispatch
from notifications.invites import meeting_attachments
from notifications.notifier import Attachment, Endpoint, Notifier
from notifications.render import RenderedNotice, render
from notifications.routing import Route, RoutingError

log = logging.getLogger(__name__)

AttachmentsFor = Callable[[Dispatch], Sequence[Attachment]]


class Queued(Protocol):
    """A row a delivery queue hands out: its key, how often it was tried, and the endpoints
    a partly delivered row already reached (a retry skips them)."""

    @property
    def key(self) -> str: ...

    @property
    def attempts(self) -> int: ...

    @property
    def delivered_to(self) -> tuple[str, ...]: ...


class QueuedNotice(Queued, Protocol):
    """An outbox row (``domain.store.OutboxEntry``): a rung or notice of one case."""

    @property
    def dispatch(self) -> Dispatch: ...


Item = TypeVar("Item", bound=Queued, covariant=True)


class DeliveryQueue(Protocol[Item]):
    """The outbox or the digests (``domain.store.queues.DeliveryQueue``): the one interface
    delivery uses, whichever table the rows come from."""

    def claim(self, as_of: datetime, limit: int = 100) -> Sequence[Item]: ...

    def record(self, attempts: Sequence[RowResult]) -> int: ...

    def still_due(self, key: str) -> bool: ...


class Status(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff, capped; ``max_attempts=None`` never gives up on a safeguarding notice."""

    first_delay: timedelta = timedelta(minutes=1)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=1)
    max_attempts: int | None = None

    def next_attempt_at(self, now: datetime, attempts_before: int) -> datetime | None:
        if self.max_attempts is not None and attempts_before + 1 >= self.max_attempts:
            return None
        delay = self.first_delay * (self.factor**attempts_before)
        return now + min(delay, self.max_delay)


@dataclass(frozen=True)
class RowResult:
    row_id: Any
    idempotency_key: str
    status: Status
    attempted_at: datetime
    delivered_to: tuple[str, ...] = ()  # every endpoint id reached so far, this attempt included
    sent_to: tuple[str, ...] = ()  # "<role>:<member or team>@<endpoint>" reached this attempt
    error: str | None = None
    next_attempt_at: datetime | None = None

    @property
    def delivered(self) -> bool:
        return self.status is Status.DELIVERED


@dataclass
class SendProgress:
    delivered_to: list[str]
    sent_to: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SecureNotice:
    """The notice with personal details, for endpoints tagged with one of ``channels`` (R-G1)."""

    channels: frozenset[str]
    notice: RenderedNotice

    def fits(self, endpoint: Endpoint) -> bool:
        return bool(self.channels & set(getattr(endpoint.plugin, "tags", ()) or ()))


def secure_notice(dispatch: Dispatch) -> SecureNotice | None:
    """Only when the profile put personal details on the dispatch (R-G1)."""
    if dispatch.personal is None or not dispatch.personal.channels:
        return None
    return SecureNotice(frozenset(dispatch.personal.channels), render(dispatch, secure=True))


def send_notice(
    notifier: Notifier,
    notice: RenderedNotice,
    routes: Iterable[Route],
    delivered_to: Iterable[str] = (),
    attachments: Sequence[Attachment] = (),
    secure: SecureNotice | None = None,
) -> SendProgress:
    """Send to every endpoint of every route not already reached; each endpoint at most once.
    An endpoint on one of the profile's secure channels gets ``secure``'s notice (R-G1)."""
    progress = SendProgress(delivered_to=list(delivered_to))
    for route in routes:
        endpoints = notifier.endpoints(route)
        if not endpoints:
            progress.failures.append(f"{route.label}: no valid endpoint")
        for endpoint in endpoints:
            if endpoint.id in progress.delivered_to:
                continue  # reached on an earlier attempt, or by another route in this one
            chosen = secure.notice if secure is not None and secure.fits(endpoint) else notice
            if notifier.send(endpoint, chosen, attachments):
                progress.delivered_to.append(endpoint.id)
                progress.sent_to.append(f"{route.label}@{endpoint.id}")
            else:
                progress.failures.append(f"{route.label}@{endpoint.id}: refused or unreachable")
    return progress


def routes_for(notifier: Notifier, dispatch: Dispatch) -> tuple[list[Route], list[str]]:
    """Routes for every recipient that has one; a gap fails the row but not the others' sends."""
    if not dispatch.recipients:
        return [], [f"{dispatch.idempotency_key} has no recipients"]
    routes: list[Route] = []
    gaps: list[str] = []
    for recipient in dispatch.recipients:
        try:
            routes.append(notifier.routing.route(recipient, dispatch.team))
        except RoutingError as gap:
            gaps.append(str(gap))
    return routes, gaps


def deliver_row(
    row: QueuedNotice,
    notifier: Notifier,
    now: datetime,
    policy: RetryPolicy = RetryPolicy(),
    attachments_for: AttachmentsFor | None = meeting_attachments,
) -> RowResult:
    """Deliver one outbox row; any error becomes a failed result with a retry time."""
    done = tuple(row.delivered_to)
    try:
        dispatch = row.dispatch
        attachments = attachments_for(dispatch) if attachments_for else ()
        routes, gaps = routes_for(notifier, dispatch)
        secure = secure_notice(dispatch)
        progress = send_notice(notifier, render(dispatch), routes, done, attachments, secure)
        progress.failures[:0] = gaps
    except Exception as error:  # bad payload, template or route: fail this row, keep going
        progress = SendProgress(list(done), failures=[f"{type(error).__name__}: {error}"])
    return outcome(row.key, row.key, progress, now, row.attempts, policy)


def outcome(
    row_id: Any,
    key: str,
    progress: SendProgress,
    now: datetime,
    attempts_before: int,
    policy: RetryPolicy,
) -> RowResult:
    """Delivered if every endpoint has been reached; else failed with a retry time."""
    reached = tuple(progress.delivered_to)
    sent = tuple(progress.sent_to)
    if not progress.failures:
        return RowResult(row_id, key, Status.DELIVERED, now, delivered_to=reached, sent_to=sent)
    error = "; ".join(progress.failures)
    log.warning("notice %s attempt %d failed: %s", key, attempts_before + 1, error)
    retry_at = policy.next_attempt_at(now, attempts_before)
    return RowResult(row_id, key, Status.FAILED, now, reached, sent, error, retry_at)


def deliver_batch(
    rows: Iterable[QueuedNotice],
    notifier: Notifier,
    now: datetime,
    *,
    policy: RetryPolicy = RetryPolicy(),
    attachments_for: AttachmentsFor | None = meeting_attachments,
    workers: int = 8,
) -> list[RowResult]:
    """Deliver rows concurrently through one notifier; results in the rows' order."""
    batch = list(rows)
    if not batch:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(batch)))) as pool:
        return list(
            pool.map(lambda row: deliver_row(row, notifier, now, policy, attachments_for), batch)
        )


Sender = Callable[[Any, Notifier, datetime, RetryPolicy], RowResult]


def deliver_due(
    queue: DeliveryQueue[Any],
    send: Sender,
    as_of: datetime,
    limit: int = 100,
    *,
    notifier: Notifier | None = None,
    config: str | Path | None = None,
    policy: RetryPolicy = RetryPolicy(),
    workers: int = 8,
) -> int:
    """The one delivery loop: claim the queue's due rows (so two senders, on one machine or
    many, never both send a row), send each, record every outcome in one transaction.
    Returns how many were delivered. A broken routing file fails each claimed row visibly
    (its error and a retry time) and is raised."""
    rows = queue.claim(as_of, limit)
    if not rows:
        return 0
    try:
        active = notifier if notifier is not None else Notifier.from_config(config)
    except Exception as error:
        gap = [f"{type(error).__name__}: {error}"]
        failed = [
            outcome(row.key, row.key, SendProgress(list(row.delivered_to), failures=gap), as_of,
                    row.attempts, policy)
            for row in rows
        ]  # fmt: skip
        recorded(lambda: queue.record(failed))
        raise

    def attempt(row: Any) -> RowResult | None:
        # Asked again just before the send: a notice withdrawn since it was claimed (an
        # entry that meets its obligation, recorded meanwhile) never goes out (R-E1).
        return send(row, active, as_of, policy) if queue.still_due(row.key) else None

    size = max(1, min(workers, len(rows)))
    with ThreadPoolExecutor(max_workers=size) as pool:
        results = [r for r in pool.map(attempt, rows) if r is not None]
    return recorded(lambda: queue.record(results))


def send_dispatch(
    row: QueuedNotice, notifier: Notifier, now: datetime, policy: RetryPolicy
) -> RowResult:
    """How an outbox row is sent (``deliver_due``'s ``send`` for the outbox)."""
    return deliver_row(row, notifier, now, policy)


RECORD_PAUSES = (0.5, 2.0, 5.0)


def recorded(record: Callable[[], int], pauses: Sequence[float] = RECORD_PAUSES) -> int:
    """Record what was just sent, trying again if the store refuses for a moment (a lock
    timeout): unrecorded rows stay claimed, and are sent again when their lease ends."""
    for pause in pauses:
        try:
            return record()
        except Exception as error:  # the store's own errors; the last try raises
            log.warning(
                "recording a batch failed (%s); again in %.1f s", type(error).__name__, pause
            )
            time.sleep(pause)
    return record()
