"""Relabelling case runs on the Runs page without waking them: the clock's tick reads every
open case's drift as of its moment from the read model, and for each case whose label
(``services/run_labels.py``) differs from what its run was last labelled with, sets the
suspended run's tags, state name and message through the API, a page of 200 runs at a time.
No case process starts: a run that is not suspended is left to its own wake.

A suspended run's state is replaced (forced: PAUSED to PAUSED is not a transition the
orchestration rules allow) by a state of the same type with the same details: the same pause
key, the same resume form, so it resumes exactly as before. Should a resume land between
reading the run and replacing its state, the run is left PAUSED with the server's
``resuming`` flag still up: it is resumed again at once (with no new input, so the input of
the resume it lost is the one it reads).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.objects import FlowRun, State, StateType

from domain.store import CaseRepository
from domain.store.labels import CaseDrift
from services.run_labels import RunLabel, stale_labels, with_label
from tasks.run_control import client_pool
from tasks.run_pages import pages, runs_by_id
from tasks.store import repository


@dataclass
class Relabelled:
    """What one relabelling pass did."""

    stale: int = 0  # cases whose label had changed
    relabelled: int = 0  # runs whose tags or state were set
    awake: int = 0  # not suspended: their own wake labels them
    resumed_again: int = 0  # a resume that landed mid-relabel, repeated
    recorded: list[tuple[str, str, str]] = field(default_factory=list)


def suspended_as(run: FlowRun, label: RunLabel) -> State[None] | None:
    """The run's suspended state renamed for ``label`` (None if it already says it)."""
    state = run.state
    if state is None or (state.name, state.message) == (label.state_name, label.message):
        return None
    return State(
        type=StateType.PAUSED,
        name=label.state_name,
        message=label.message,
        state_details=state.state_details.model_copy(),
    )


def relabel_run(client: SyncPrefectClient, run: FlowRun, label: RunLabel) -> bool:
    """Set a suspended run's tags and state for ``label``; False if it is not suspended."""
    if run.state is None or run.state.type != StateType.PAUSED:
        return False
    tags = with_label(list(run.tags), label)
    if sorted(tags) != sorted(run.tags):
        client.update_flow_run(run.id, tags=tags)
    renamed = suspended_as(run, label)
    if renamed is not None:
        client.set_flow_run_state(run.id, renamed, force=True)
    return True


def resume_lost(client: SyncPrefectClient, run_ids: Sequence[str]) -> int:
    """Resume again any run whose resume landed while its state was being replaced."""
    again = 0
    for run in runs_by_id(client, run_ids).values():
        paused = run.state is not None and run.state.type == StateType.PAUSED
        if paused and run.empirical_policy.resuming:
            client.resume_flow_run(UUID(str(run.id)), run_input=None)
            again += 1
    return again


Lend = Callable[[], AbstractContextManager[SyncPrefectClient]]


def relabel(store: CaseRepository, lend: Lend, as_of: datetime, concurrency: int = 4) -> Relabelled:
    """Relabel every suspended case run whose drift changed: a page of runs read in one
    call, then at most ``concurrency`` runs relabelled at once, each with a lent client."""
    done = Relabelled()
    stale = stale_labels(store, as_of)
    done.stale = len(stale)

    def one(case: CaseDrift, label: RunLabel, run: FlowRun | None) -> bool:
        with lend() as client:
            return run is not None and relabel_run(client, run, label)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for page in pages(stale):
            with lend() as client:
                runs = runs_by_id(client, [case.flow_run_id for case, _ in page])
            contexts = [contextvars.copy_context() for _ in page]
            found = [runs.get(case.flow_run_id) for case, _ in page]
            outcomes = list(pool.map(
                lambda ctx, item, run: ctx.run(one, item[0], item[1], run), contexts, page, found
            ))  # fmt: skip
            touched = [case for (case, _), ok in zip(page, outcomes, strict=True) if ok]
            done.awake += len(page) - len(touched)
            done.relabelled += len(touched)
            done.recorded += [(c.reference, c.flow_run_id, lbl.key())
                              for (c, lbl), ok in zip(page, outcomes, strict=True) if ok]  # fmt: skip
            with lend() as client:
                done.resumed_again += resume_lost(client, [c.flow_run_id for c in touched])
    store.record_labels(done.recorded, as_of)
    return done


@task(name="relabel-case-runs", cache_policy=NO_CACHE, persist_result=False, timeout_seconds=3600)
def relabel_case_runs(as_of: datetime, concurrency: int = 4) -> dict[str, int]:
    """The Runs page fresh without a wake: tags, state name and message of every suspended
    case run whose drift changed since it was last labelled."""
    with client_pool() as borrow:
        done = relabel(repository(), borrow, as_of, concurrency)
    get_run_logger().info(
        "Relabelled %d run(s) whose drift changed (%d awake, left to their wake; %d resumed "
        "again)", done.relabelled, done.awake, done.resumed_again,
    )  # fmt: skip
    return {"relabelled": done.relabelled, "awake": done.awake, "stale": done.stale}
