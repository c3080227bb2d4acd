"""Waking a case's flow run through the Prefect API: resume it if it sleeps, start a new one
if it is gone (the decisions are ``tasks/run_policy.py``'s). A new run carries on from the
store (the store is the truth), so healing a failed, crashed, cancelled or lost run never
replays or loses anything.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import queue
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterEndTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.responses import SetStateStatus
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.states import Crashed

from domain.store import DueCase
from tasks.run_pages import every_flow_run, pages, runs_by_id
from tasks.run_policy import AWAKE, GONE, Lost, WakeAction, decide, lost_from
from tasks.store import case_flow_run, repository

CASE_DEPLOYMENT = os.environ.get("CPO_CASE_DEPLOYMENT", "case-lifecycle/case-lifecycle")
RETRY_PAUSE_SECONDS = 5.0
GONE_LOOKBACK = timedelta(days=1)
RUN_TASK = dict(cache_policy=NO_CACHE, persist_result=False, retries=2, timeout_seconds=120)


@dataclass(frozen=True)
class Woken:
    reference: str
    action: WakeAction
    flow_run_id: str | None


def read_run(client: SyncPrefectClient, flow_run_id: str | None) -> FlowRun | None:
    if not flow_run_id:
        return None
    try:
        return client.read_flow_run(UUID(flow_run_id))
    except ObjectNotFound:
        return None


def start_case_run(
    reference: str, as_of: datetime, previous: str | None, scheduled_time: datetime | None = None
) -> str:
    """A new case run, named after the case and tagged with its team and profile.

    The idempotency key names the run it replaces, so two clock ticks (or a tick and a manual
    step) healing the same case at once create one run, not two. ``scheduled_time`` (default
    now) is the run's expected start, which the Runs pages' default window reads.
    """
    case = repository().summary(reference)
    run = run_deployment(
        CASE_DEPLOYMENT,
        parameters={"reference": reference, "as_of": as_of.isoformat()},
        flow_run_name=reference,
        tags=[f"team:{case.team}", f"profile:{case.profile}"],
        idempotency_key=f"{reference}|after|{previous or f'seq-{case.last_seq}'}",
        timeout=0,
        as_subflow=False,  # a subflow could never suspend
        scheduled_time=scheduled_time,
    )
    assert isinstance(run, FlowRun)  # the sync variant: we are not in an event loop
    repository().set_flow_run(reference, str(run.id))
    return str(run.id)


def act_on_run(
    client: SyncPrefectClient,
    case: DueCase,
    run: FlowRun | None,
    as_of: datetime,
    now: datetime,
    stale_after: timedelta,
) -> Woken:
    """Resume, start or leave the case's run, given the run as just read (None: the store
    names no run, or Prefect has none by that id)."""
    state = run.state if run else None
    action = decide(state.type if state else None, state.timestamp if state else None, now,
                    stale_after)  # fmt: skip
    flow_run_id = case.flow_run_id
    if action == WakeAction.START and run is not None and state and state.type in AWAKE:
        # The stale run must not come back and race its replacement.
        client.set_flow_run_state(run.id, Crashed(message="Lost mid-wake; replaced"), force=True)
    if action == WakeAction.RESUME and run is not None:
        done = client.resume_flow_run(run.id, run_input={"as_of": as_of.isoformat()})
        if done.status == SetStateStatus.ABORT:  # resumed by someone else a moment ago
            action = WakeAction.AWAKE
        elif done.status != SetStateStatus.ACCEPT:
            raise RuntimeError(f"{case.reference}: resume refused: {done.details}")
    elif action == WakeAction.START:
        flow_run_id = start_case_run(case.reference, as_of, case.flow_run_id)
    return Woken(case.reference, action, flow_run_id)


def wake_case_run(
    reference: str,
    as_of: datetime,
    flow_run_id: str | None,
    now: datetime,
    stale_after: timedelta,
    wait_seconds: float = 0.0,
) -> Woken:
    """Resume, start or leave one case's run. ``wait_seconds``: a manual step that finds the
    run mid-wake waits for it to suspend, so its new event is acted on at once."""
    deadline = time.monotonic() + wait_seconds
    case = DueCase(reference, as_of, flow_run_id)
    with get_client(sync_client=True) as client:
        while True:
            run = read_run(client, flow_run_id)
            state = run.state if run else None
            since = state.timestamp if state else None
            action = decide(state.type if state else None, since, now, stale_after)
            if action != WakeAction.AWAKE or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        return act_on_run(client, case, run, as_of, now, stale_after)


@task(name="find-lost-case-runs", **RUN_TASK)  # type: ignore[call-overload]
def find_lost_case_runs(now: datetime, stale_after: timedelta) -> Lost:
    """Case runs to replace now, whether or not their case is due (a query; nothing changes):

    - left RUNNING or PENDING by a lost worker (every page of them: the API gives 200 a call). A wake that died after writing the outbox
      has already moved the case's next wake, so without this sweep the case would wait for
      that time to be healed;
    - FAILED, CRASHED or CANCELLED in the last day (a worker that could not start it, the
      SQLite server answering 503 while it was submitted): a case must never sleep without
      a run until its next deadline, or a manual step's wake would find nothing to resume.
    """
    flow_name = CASE_DEPLOYMENT.split("/", 1)[0]
    flows = FlowFilter(name=FlowFilterName(any_=[flow_name]))
    awake = FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING])
    gone = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=sorted(GONE))),
        end_time=FlowRunFilterEndTime(after_=now - GONE_LOOKBACK),
    )
    with get_client(sync_client=True) as client:
        runs = every_flow_run(
            client,
            flow_filter=flows,
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=awake)),
        )
        runs += every_flow_run(client, flow_filter=flows, flow_run_filter=gone)
    return lost_from(runs, case_flow_run, now, stale_after)


@task(name="retire-replaced-runs", **RUN_TASK)  # type: ignore[call-overload]
def retire_replaced_runs(run_ids: list[UUID]) -> int:
    """Mark older awake runs of a case Crashed, so they never come back and race the run
    that replaced them."""
    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            client.set_flow_run_state(run_id, Crashed(message="Replaced"), force=True)
    return len(run_ids)


ReadPage = Callable[[Sequence[DueCase]], dict[str, FlowRun]]
WakeOne = Callable[[DueCase, FlowRun | None], Woken]
OnError = Callable[[DueCase, Exception], None]


def wake_in_pages(
    due: Sequence[DueCase],
    read_page: ReadPage,
    wake_one: WakeOne,
    concurrency: int,
    on_error: OnError,
    pause: float = RETRY_PAUSE_SECONDS,
) -> list[Woken | None]:
    """Wake each case's run, a page of the API's 200 at a time: the page's runs read in one
    call, then at most ``concurrency`` wakes in flight. One case's failure never stops the
    others'; a failed one (None) is tried once more, alone, after ``pause``."""

    def attempt(case: DueCase, runs: dict[str, FlowRun] | None) -> Woken | None:
        try:
            if runs is None:
                runs = read_page([case])
            return wake_one(case, runs.get(case.flow_run_id or ""))
        except Exception as error:  # one case's failure must not stop the others' wakes
            on_error(case, error)
            return None

    woken: list[Woken | None] = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for page in pages(due):
            try:
                runs: dict[str, FlowRun] | None = read_page(page)
            except Exception:  # read again case by case, in ``attempt``
                runs = None
            # Each call in a copy of this context: Prefect's settings (the API URL) live there.
            contexts = [contextvars.copy_context() for _ in page]
            found = itertools.repeat(runs, len(page))
            woken += pool.map(lambda ctx, case, read: ctx.run(attempt, case, read), contexts, page,
                              found)  # fmt: skip
    # A busy SQLite server can still refuse a few calls ("database is locked", HTTP 503,
    # after the client's own retries): try those once more, one at a time, once it has eased.
    again = [case for case, done in zip(due, woken, strict=True) if done is None]
    if again:
        time.sleep(pause)
        retried = iter([attempt(case, None) for case in again])
        woken = [done if done is not None else next(retried) for done in woken]
    return woken


@contextmanager
def client_pool() -> Iterator[Callable[[], AbstractContextManager[SyncPrefectClient]]]:
    """Clients lent to threads, one at a time each: a fresh client per call would also fetch
    a fresh CSRF token per call."""
    idle: queue.SimpleQueue[SyncPrefectClient] = queue.SimpleQueue()
    opened: list[SyncPrefectClient] = []

    @contextmanager
    def borrow() -> Iterator[SyncPrefectClient]:
        try:
            client = idle.get_nowait()
        except queue.Empty:
            client = get_client(sync_client=True).__enter__()
            opened.append(client)
        try:
            yield client
        finally:
            idle.put(client)

    try:
        yield borrow
    finally:
        for client in opened:
            client.__exit__(None, None, None)


@task(name="wake-case-runs", cache_policy=NO_CACHE, persist_result=False, timeout_seconds=3600)
def wake_case_runs(
    due: list[DueCase], as_of: datetime, now: datetime, concurrency: int, stale_after: timedelta
) -> dict[str, int]:
    """Resume (or restart) each case's run, paged, with at most ``concurrency`` API calls in
    flight: SQLite serves one writer at a time, and the work pool's limit then bounds the
    runs. The notices were queued and sent before: nothing here delays them."""
    logger = get_run_logger()

    def warn(case: DueCase, error: Exception) -> None:
        status = getattr(getattr(error, "response", None), "status_code", "")
        logger.warning("Could not wake the run of %s: %s %s", case.reference,
                       type(error).__name__, status)  # fmt: skip

    with client_pool() as borrow:

        def read_page(page: Sequence[DueCase]) -> dict[str, FlowRun]:
            with borrow() as client:
                return runs_by_id(client, [c.flow_run_id for c in page if c.flow_run_id])

        def wake_one(case: DueCase, run: FlowRun | None) -> Woken:
            with borrow() as client:
                return act_on_run(client, case, run, as_of, now, stale_after)

        woken = wake_in_pages(due, read_page, wake_one, concurrency, warn)
    counts = {a.value: sum(w is not None and w.action == a for w in woken) for a in WakeAction}
    counts["error"] = sum(w is None for w in woken)
    logger.info(
        "Woke the runs of %d case(s): %s", len(woken),
        ", ".join(f"{n} {action}" for action, n in counts.items() if n) or "none",
    )  # fmt: skip
    return counts


STALE_AFTER = timedelta(minutes=30)
# A manual step that finds the case's run mid-wake waits this long for it to sleep again.
WAIT_FOR_SUSPEND_SECONDS = 90.0


def wake_after_recording(
    reference: str, as_of: datetime, now: datetime, wait: float = WAIT_FOR_SUSPEND_SECONDS
) -> Woken:
    """After a manual step: wake the case's run so it acts on the new event at once."""
    return wake_case_run(reference, as_of, case_flow_run(reference), now, STALE_AFTER, wait)


@task(name="wake-case-run", **RUN_TASK)  # type: ignore[call-overload]
def wake_run_after_recording(reference: str, as_of: datetime, now: datetime) -> Woken:
    """``wake_after_recording`` as a task of a manual step's run."""
    return wake_after_recording(reference, as_of, now)
