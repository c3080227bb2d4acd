"""Use cases of the clock: a tick (wake every case that is due, queue the day's digests) and
the caseload at a glance. ``cpo simulate`` and the clock flow drive the same tick.

A tick queues every due rung of every due case in this one process, from the store, exactly
once by key (R-E1), so notices go out at once whatever pace the case runs then wake at to
refresh what people see in the UI.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from domain.store import CaseRepository, DueCase, OutboxEntry, OverdueCase
from notifications.daily_digest import enqueue_due_digests
from notifications.settings import digest_hour
from services.cases import wake_case

log = logging.getLogger(__name__)


@dataclass
class Tick:
    """What one tick did: the cases it woke, the rungs it queued, the digests it queued."""

    as_of: datetime
    woken: list[DueCase] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)  # outbox keys new this tick
    failed: list[str] = field(default_factory=list)  # cases whose wake failed: due again
    digests: int = 0


def tick(
    store: CaseRepository,
    as_of: datetime,
    *,
    limit: int = 500,
    digests: bool = True,
    hour: int | None = None,
    progress: Callable[[], None] = lambda: None,
) -> Tick:
    """Wake at most ``limit`` due cases, earliest first (the rest are due at the next tick),
    then, on a working day from the digest hour, queue each team's digest once."""
    result = Tick(as_of)
    for case in store.due_cases(as_of, limit):
        try:
            standing = wake_case(store, case.reference, as_of)
        except Exception as error:  # one case must not stop the others: it stays due
            log.warning("Could not wake %s: %s", case.reference, type(error).__name__)
            result.failed.append(case.reference)
        else:
            result.woken.append(case)
            result.queued.extend(standing.queued)
        progress()
    if digests:
        result.digests = enqueue_due_digests(
            store, as_of, hour=digest_hour() if hour is None else hour
        )
    return result


@dataclass(frozen=True)
class Caseload:
    """The caseload at a glance as of a moment, from the read model (no history derived)."""

    as_of: datetime
    by_team: dict[str, dict[str, int]]  # overdue obligations by team and rung reached
    cases: list[OverdueCase]  # every case with something overdue, oldest first
    undelivered: int
    failing: list[OutboxEntry]  # the oldest notices not delivered, with their errors


def caseload(store: CaseRepository, as_of: datetime, failing: int = 20) -> Caseload:
    count, oldest = store.undelivered(failing)
    return Caseload(
        as_of=as_of,
        by_team=store.overdue_by_team(as_of),
        cases=store.overdue_cases(as_of),
        undelivered=count,
        failing=oldest,
    )
