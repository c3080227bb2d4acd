"""Waking a case's flow run: resume it if it sleeps, start a new one if it is gone.

``decide`` is the pure decision (tested directly); ``wake_case`` carries it out through the
Prefect API. A new run carries on from the store (the store is the truth), so healing a
failed, crashed, cancelled or lost run never replays or loses anything.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
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
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import NotPausedError, resume_flow_run
from prefect.states import Crashed

from domain.store import DueCase
from tasks.store import case_flow_run, repository

CASE_DEPLOYMENT = os.environ.get("CPO_CASE_DEPLOYMENT", "case-lifecycle/case-lifecycle")
RETRY_PAUSE_SECONDS = 5.0
AWAKE = frozenset({StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING})
GONE = frozenset({StateType.FAILED, StateType.CRASHED, StateType.CANCELLED})


class WakeAction(StrEnum):
    RESUME = "resume"  # suspended: resume it with the wake's as_of
    START = "start"  # missing, failed, crashed, cancelled or stale: a new run from the store
    AWAKE = "awake"  # scheduled, pending or running: it will read the store itself
    DONE = "done"  # completed: the plan has ended (R-LC2), nothing to wake


def decide(
    state_type: StateType | None,
    state_since: datetime | None,
    now: datetime,
    stale_after: timedelta,
) -> WakeAction:
    """What to do with a case whose wake has come, given its run's state."""
    if state_type is None or state_type in GONE:
        return WakeAction.START
    if state_type == StateType.PAUSED:
        return WakeAction.RESUME
    if state_type == StateType.COMPLETED:
        return WakeAction.DONE
    if state_type in AWAKE and state_since is not None and now - state_since > stale_after:
        # A worker lost mid-wake leaves its run RUNNING for ever (no process to report).
        return WakeAction.START
    return WakeAction.AWAKE


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


def start_case_run(reference: str, as_of: datetime, previous: str | None) -> str:
    """A new case run, named after the case and tagged with its team and profile.

    The idempotency key names the run it replaces, so two clock ticks (or a tick and a manual
    step) healing the same case at once create one run, not two.
    """
    history, seq = repository().load(reference)
    run = run_deployment(
        CASE_DEPLOYMENT,
        parameters={"reference": reference, "as_of": as_of.isoformat()},
        flow_run_name=reference,
        tags=[f"team:{history.team}", f"profile:{history.profile}"],
        idempotency_key=f"{reference}|after|{previous or f'seq-{seq}'}",
        timeout=0,
        as_subflow=False,  # a subflow could never suspend
    )
    assert isinstance(run, FlowRun)  # the sync variant: we are not in an event loop
    repository().set_flow_run(reference, str(run.id))
    return str(run.id)


def wake_case(
    reference: str,
    as_of: datetime,
    flow_run_id: str | None,
    now: datetime,
    stale_after: timedelta,
    wait_seconds: float = 0.0,
) -> Woken:
    """Resume, start or leave the case's run. ``wait_seconds``: a manual step that finds the
    run mid-wake waits for it to suspend, so its new event is acted on at once."""
    deadline = time.monotonic() + wait_seconds
    with get_client(sync_client=True) as client:
        while True:
            run = read_run(client, flow_run_id)
            state = run.state if run else None
            since = state.timestamp if state else None
            action = decide(state.type if state else None, since, now, stale_after)
            if action != WakeAction.AWAKE or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        if action == WakeAction.START and run is not None and state and state.type in AWAKE:
            # The stale run must not come back and race its replacement.
            client.set_flow_run_state(
                run.id, Crashed(message="Lost mid-wake; replaced"), force=True
            )
    if action == WakeAction.RESUME and run is not None:
        try:
            resume_flow_run(run.id, run_input={"as_of": as_of.isoformat()})
        except NotPausedError:  # resumed by someone else a moment ago: it is awake
            action = WakeAction.AWAKE
    elif action == WakeAction.START:
        flow_run_id = start_case_run(reference, as_of, flow_run_id)
    return Woken(reference, action, flow_run_id)


GONE_LOOKBACK = timedelta(days=1)


@task(
    name="lost-case-runs",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    timeout_seconds=120,
)
def lost_case_runs(now: datetime, stale_after: timedelta, limit: int = 200) -> list[DueCase]:
    """Case runs to replace now, whether or not their case is due:

    - left RUNNING or PENDING by a lost worker. A wake that died after writing the outbox
      has already moved the case's next wake, so without this sweep the case would wait for
      that time to be healed, its new rows undelivered;
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
        runs = client.read_flow_runs(
            flow_filter=flows,
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=awake)),
            limit=limit,
        )
        runs += client.read_flow_runs(flow_filter=flows, flow_run_filter=gone, limit=limit)
        lost, replaced = lost_from(runs, lambda ref: case_flow_run.fn(ref), now, stale_after)
        for run_id in replaced:  # only make sure an old awake run never comes back
            client.set_flow_run_state(run_id, Crashed(message="Replaced"), force=True)
    return lost


def lost_from(
    runs: list[FlowRun],
    current_run_of: Callable[[str], str | None],
    now: datetime,
    stale_after: timedelta,
) -> tuple[list[DueCase], list[UUID]]:
    """The cases whose current run must be replaced, and older awake runs to mark crashed.
    A gone run that is no longer its case's current run was replaced already: left alone."""
    lost: dict[str, DueCase] = {}
    replaced: list[UUID] = []
    for run in runs:
        reference = run.parameters.get("reference")
        if not reference or run.state is None:
            continue
        if decide(run.state.type, run.state.timestamp, now, stale_after) != WakeAction.START:
            continue
        if current_run_of(str(reference)) == str(run.id):
            lost[str(reference)] = DueCase(str(reference), now, str(run.id))
        elif run.state.type in AWAKE:
            replaced.append(run.id)
    return list(lost.values()), replaced


@task(name="wake-due-cases", cache_policy=NO_CACHE, persist_result=False, timeout_seconds=1800)
def wake_due_cases(
    due: list[DueCase], as_of: datetime, now: datetime, concurrency: int, stale_after: timedelta
) -> dict[str, int]:
    """Wake every due case with at most ``concurrency`` API calls in flight: SQLite serves
    one writer at a time, and the work pool's limit then bounds the runs themselves."""
    logger = get_run_logger()

    def one(case: DueCase) -> Woken | None:
        try:
            return wake_case(case.reference, as_of, case.flow_run_id, now, stale_after)
        except Exception as error:  # one case's failure must not stop the others' wakes
            # Still due, so the next tick tries again. The type and status only: no case data.
            status = getattr(getattr(error, "response", None), "status_code", "")
            logger.warning("Could not wake %s: %s %s", case.reference, type(error).__name__, status)
            return None

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        # Each call in a copy of this context: Prefect's settings (the API URL) live there.
        contexts = [contextvars.copy_context() for _ in due]
        woken = list(pool.map(lambda ctx, case: ctx.run(one, case), contexts, due))
    # A busy SQLite server can still refuse a few calls ("database is locked", HTTP 503,
    # after the client's own retries): try those once more, one at a time, once it has eased.
    again = [case for case, done in zip(due, woken, strict=True) if done is None]
    if again:
        time.sleep(RETRY_PAUSE_SECONDS)
        retried = iter([one(case) for case in again])
        woken = [done if done is not None else next(retried) for done in woken]
    counts = {a.value: sum(w is not None and w.action == a for w in woken) for a in WakeAction}
    counts["error"] = sum(w is None for w in woken)
    logger.info("Woke %d due case(s): %s", len(woken), counts)
    return counts
