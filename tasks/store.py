"""Tasks over the case store: each wraps one use case of ``services`` (one side effect, named
for what it does), retried only when the store refused for a moment.

The store is the truth (docs/architecture.md): nothing here is cached by Prefect
(``NO_CACHE``, no persisted results), because a resumed case run re-executes from the top
and must see the store as it is now, not as it was when the run suspended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from domain.errors import DomainError
from domain.events import ConferenceHeld, Event
from domain.recording import LateReason
from domain.store import (
    CaseNotFound,
    CaseRepository,
    Database,
    Source,
    Standing,
    is_transient,
)
from services import cases, clock
from services.case_page import CasePage, case_page
from services.cases import Recorded
from services.clock import Caseload, Tick


@lru_cache(maxsize=1)
def repository() -> CaseRepository:
    """One repository per process, on ``CPO_DATABASE_URL`` (the store's own setting)."""
    return CaseRepository(Database.from_url())


def transient(_task: Any, _run: Any, state: Any) -> bool:
    """Retry a lock timeout or a dropped connection; never a rejected event or a conflict."""
    try:
        state.result()
    except Exception as error:
        return is_transient(error)
    return False


STORE_TASK: dict[str, Any] = dict(
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=3,
    retry_delay_seconds=[1, 5, 15],
    retry_condition_fn=transient,
    timeout_seconds=120,
)


@dataclass(frozen=True)
class Refused:
    """A step the domain or the store refused (R-G3): the line people read, no traceback.
    Returned, not raised: a refusal is an answer, not a fault of the task."""

    line: str

    @classmethod
    def of(cls, error: DomainError) -> Refused:
        if isinstance(error, CaseNotFound):
            return cls(f"reference: {error} (R-G3)")
        return cls(str(error))


@task(name="record-event", **STORE_TASK)
def record_event(
    reference: str,
    event: Event,
    recorded_by: str,
    source: Source,
    as_of: datetime,
    late_reason: LateReason | None = None,
) -> Recorded | Refused:
    """Validate through the domain and record; a refusal (R-G3) leaves the store untouched."""
    try:
        return cases.record_event(
            repository(), reference, event, recorded_by=recorded_by, source=source, as_of=as_of,
            late_reason=late_reason,
        )  # fmt: skip
    except DomainError as error:
        return Refused.of(error)


@task(name="open-case", **STORE_TASK)
def open_case(
    reference: str,
    team: str,
    profile: str,
    conference: ConferenceHeld,
    recorded_by: str,
    source: Source,
    as_of: datetime,
    late_reason: LateReason | None = None,
) -> Recorded | Refused:
    try:
        return cases.open_case(
            repository(), reference, team, profile, conference,
            recorded_by=recorded_by, source=source, as_of=as_of, late_reason=late_reason,
        )  # fmt: skip
    except DomainError as error:
        return Refused.of(error)


@task(name="wake-case", **STORE_TASK)
def wake_case(reference: str, as_of: datetime) -> Standing:
    """Derive as of ``as_of``; in ONE store transaction queue what is now due (exactly once
    by key, R-E1), move the case's next wake and write its read model."""
    return cases.wake_case(repository(), reference, as_of)


@task(name="adopt-run", **STORE_TASK)
def adopt_run(reference: str, flow_run_id: str) -> None:
    """The store names this run as the case's from now on."""
    repository().set_flow_run(reference, flow_run_id)


TICK_LIMIT = clock.TICK_LIMIT


@task(name="tick", **{**STORE_TASK, "timeout_seconds": 1800})
def tick(as_of: datetime, limit: int = TICK_LIMIT) -> Tick:
    """Wake every due case in this process: each due rung queued (services.clock)."""
    return clock.tick(repository(), as_of, limit=limit, digests=False)


@task(name="queue-digests", **{**STORE_TASK, "timeout_seconds": 1800})
def queue_digests(as_of: datetime) -> int:
    """The team managers' digests of the day, once, from the digest hour."""
    return clock.queue_digests(repository(), as_of)


@task(name="read-case-page", **STORE_TASK)
def read_case_page(reference: str, as_of: datetime) -> CasePage:
    """What the case's run shows: timeline, obligations, notices, drift, escalations."""
    return case_page(repository(), reference, as_of)


@task(name="read-caseload", **STORE_TASK)
def read_caseload(as_of: datetime) -> Caseload:
    """The caseload at a glance, from the read model."""
    return clock.caseload(repository(), as_of)


@task(name="record-run-label", **STORE_TASK)
def record_label(reference: str, flow_run_id: str, label: str, as_of: datetime) -> None:
    """What the case's run is now labelled with on the Runs page (services/run_labels.py),
    as of the wake's moment."""
    repository().record_labels([(reference, flow_run_id, label)], as_of)


def case_flow_run(reference: str) -> str | None:
    """The flow run that carries the case, as the store last recorded it."""
    return repository().summary(reference).flow_run_id
