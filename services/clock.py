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

from domain.store import CaseRepository, DueCase, OutboxEntry, OverdueCase, Standing
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


TICK_LIMIT = 50_000  # a national caseload's morning in one tick (docs/architecture.md)
BATCH = 250  # cases derived, then written in one transaction


def tick(
    store: CaseRepository,
    as_of: datetime,
    *,
    limit: int = TICK_LIMIT,
    batch: int = BATCH,
    digests: bool = True,
    hour: int | None = None,
    progress: Callable[[], None] = lambda: None,
) -> Tick:
    """Wake at most ``limit`` due cases, earliest first (the rest are due at the next tick),
    ``batch`` at a time; then, on a working day from the digest hour, queue each team's
    digest once."""
    result = Tick(as_of)
    due = store.due_cases(as_of, limit)
    for start in range(0, len(due), batch):
        page = due[start : start + batch]
        for case, outcome in zip(page, wake_batch(store, page, as_of), strict=True):
            if isinstance(outcome, Exception):  # it stays due: the next tick tries again
                log.warning("Could not wake %s: %s", case.reference, type(outcome).__name__)
                result.failed.append(case.reference)
            else:
                result.woken.append(case)
                result.queued.extend(outcome.queued)
            progress()
    if digests:
        result.digests = queue_digests(store, as_of, hour)
    return result


def queue_digests(store: CaseRepository, as_of: datetime, hour: int | None = None) -> int:
    """Once per working day from the digest hour, each team manager's digest (its rows are
    every overdue obligation of the team: on a national caseload, the slow part of the
    morning, so the clock queues the cases' notices and starts sending them first)."""
    from notifications.daily_digest import enqueue_due_digests  # not in a case run's wake
    from notifications.settings import digest_hour

    return enqueue_due_digests(store, as_of, hour=digest_hour() if hour is None else hour)


def wake_batch(
    store: CaseRepository, cases: list[DueCase], as_of: datetime
) -> list[Standing | Exception]:
    """Wake these cases together (``CaseRepository.refresh_many``); if the batch's write
    fails as a whole, each case on its own, so one case never holds back the others."""
    references = [case.reference for case in cases]
    try:
        found = store.refresh_many(references, as_of)
        return [found[reference] for reference in references]
    except Exception as error:
        log.warning("A batch of %d wakes failed (%s); one by one", len(cases), error)
    outcomes: list[Standing | Exception] = []
    for reference in references:
        try:
            outcomes.append(wake_case(store, reference, as_of))
        except Exception as error:  # one case must not stop the others: it stays due
            outcomes.append(error)
    return outcomes


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
