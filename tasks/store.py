"""Tasks over the case store: each one read or one write, retried only when it is safe.

The store is the truth (ARCHITECTURE.md): nothing here is cached by Prefect
(``NO_CACHE``, no persisted results), because a resumed case run re-executes from the top
and must see the store as it is now, not as it was when the run suspended.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import OperationalError

from domain.events import Event
from domain.history import CaseHistory
from domain.store import (
    CaseRepository,
    Database,
    DueCase,
    JournalEntry,
    OutboxEntry,
    Source,
    Standing,
)


@lru_cache(maxsize=1)
def repository() -> CaseRepository:
    """One repository per process, on ``CPO_DATABASE_URL`` (the store's own setting)."""
    return CaseRepository(Database.from_url())


def transient(_task: Any, _run: Any, state: Any) -> bool:
    """Retry a lock timeout or a dropped connection; never a rejected event or a conflict."""
    try:
        state.result()
    except OperationalError:
        return True
    except Exception:
        return False
    return False


STORE_TASK: dict[str, Any] = dict(
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=3,
    retry_delay_seconds=[1, 5, 15],
    retry_condition_fn=transient,
    timeout_seconds=120,
)


@task(name="load-case", **STORE_TASK)
def load_case(reference: str) -> tuple[CaseHistory, int]:
    return repository().load(reference)


@task(name="refresh-case", **STORE_TASK)
def refresh_case(reference: str, as_of: datetime) -> Standing:
    """Derive as of ``as_of``; in ONE store transaction add what is now due to the outbox
    (insert-if-absent on the idempotency key, R-E1) and move the case's next wake."""
    return repository().refresh(reference, as_of)


@task(name="append-event", **STORE_TASK)
def append_event(
    reference: str,
    event: Event,
    expected_seq: int,
    recorded_by: str,
    source: Source,
    as_of: datetime,
) -> int:
    """Validate through the domain and record; RejectedEvent (R-G3) leaves the store untouched."""
    return repository().append(
        reference,
        event,
        expected_seq=expected_seq,
        recorded_by=recorded_by,
        source=source,
        as_of=as_of,
    )


@task(name="open-case", **STORE_TASK)
def open_case(history: CaseHistory, recorded_by: str, source: Source, as_of: datetime) -> int:
    return repository().open_case(history, recorded_by=recorded_by, source=source, as_of=as_of)


@task(name="set-flow-run", **STORE_TASK)
def set_flow_run(reference: str, flow_run_id: str) -> None:
    repository().set_flow_run(reference, flow_run_id)


@task(name="due-cases", **STORE_TASK)
def due_cases(as_of: datetime, limit: int) -> list[DueCase]:
    return repository().due_cases(as_of, limit)


@task(name="case-view", **STORE_TASK)
def case_view(reference: str, as_of: datetime) -> tuple[Any, list[JournalEntry]]:
    """The domain's view of the case as of ``as_of`` and its journal, for the artifacts."""
    store = repository()
    return store.case_view(reference, as_of), store.journal(reference)


@task(name="case-notices", **STORE_TASK)
def case_notices(reference: str) -> list[OutboxEntry]:
    """The case's notices and their delivery, for its timeline in the UI."""
    return repository().outbox_of(reference)


@task(name="undelivered-notices", **STORE_TASK)
def undelivered_notices(limit: int = 20) -> tuple[int, list[OutboxEntry]]:
    return repository().undelivered(limit)


@task(name="overdue-by-team", **STORE_TASK)
def overdue_by_team(as_of: datetime) -> dict[str, dict[str, int]]:
    return repository().overdue_by_team(as_of)


@task(name="case-flow-run", **STORE_TASK)
def case_flow_run(reference: str) -> str | None:
    """The flow run that carries the case, as the store last recorded it."""
    from sqlalchemy import select

    from domain.store.tables import CaseRow

    with repository().database.reading() as session:
        found = session.execute(select(CaseRow.flow_run_id).where(CaseRow.reference == reference))
        row = found.one_or_none()
    if row is None:
        from domain.store import CaseNotFound

        raise CaseNotFound(reference)
    return None if row[0] is None else str(row[0])
