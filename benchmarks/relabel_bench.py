"""The clock's relabelling at scale: suspended case runs whose drift changed in one tick get
their tags, state name and message from the read model through the API, with no case
process started.

    .venv/bin/python -m benchmarks.relabel_bench --runs 5000

1. A throwaway PostgreSQL server holding Prefect's database and the store; Prefect's server
   on it with authentication on, the pool and every deployment; no worker (a run that a
   relabel woke by mistake would stay queued, and is counted).
2. ``--runs`` cases opened on one day, each with a suspended case run created through the
   API as a wake leaves it (``benchmarks/suspended_bench.py``), labelled as of the next day
   ("Due this week": the first core group is due within the week).
3. Timed: the relabelling as of a day when every case's first core group is overdue (each
   run's tags, state name and message change): seconds, runs relabelled, runs per second,
   and the processes it started: case runs created or taken out of their suspended state
   (0 expected). Then the same pass again: nothing left to change.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.suspended_bench import STOPS, adopt, create_runs, open_cases, start_stack
from scripts.pg_server import start_server

LABELLED = "2025-01-07T12:00"  # the first core group (17 Jan) is due within the week
DRIFTED = "2025-01-22T12:00"  # ... and now it is overdue, escalated to the team manager


def states(count: int) -> tuple[int, int]:
    """(case runs, of which not suspended): a run taken out of PAUSED would need a process."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from tasks.run_pages import every_flow_run

    names = FlowRunFilter(name=FlowRunFilterName(like_="CP-"))
    with get_client(sync_client=True) as client:
        runs = every_flow_run(client, flow_run_filter=names)
    awake = sum(1 for run in runs if run.state is None or run.state.type.value != "PAUSED")
    return len(runs), awake


def label_first(moment: str) -> int:
    """Record every case's label as of ``moment``, as their wakes would have."""
    from flows.clock_source import as_of_moment
    from services.run_labels import stale_labels
    from tasks.store import repository

    stale = stale_labels(repository(), as_of_moment(moment))
    labels = [(c.reference, c.flow_run_id, lbl.key()) for c, lbl in stale]
    repository().record_labels(labels, as_of_moment(moment))
    return len(stale)


def relabel_once(moment: str, concurrency: int) -> str:
    from flows.clock_source import as_of_moment
    from tasks.run_control import client_pool
    from tasks.run_labels import relabel
    from tasks.store import repository

    started = time.perf_counter()
    with client_pool() as lend:
        done = relabel(repository(), lend, as_of_moment(moment), concurrency)
    took = time.perf_counter() - started
    rate = done.relabelled / took if took else 0.0
    return (f"relabelled {done.relabelled:,} of {done.stale:,} changed runs in {took:.1f} s "
            f"({rate:.0f} runs/s, {concurrency} in flight); {done.awake} not suspended, "
            f"{done.resumed_again} resumed again")  # fmt: skip


def measure(runs: int, concurrency: int) -> None:
    started = time.perf_counter()
    open_cases(runs, runs)
    created = asyncio.run(create_runs(runs, 0, 16))
    adopt(created)
    print(f"{len(created):,} suspended case runs in {time.perf_counter() - started:.0f} s; "
          f"{label_first(LABELLED):,} labelled as of {LABELLED}", flush=True)  # fmt: skip
    before = states(runs)
    print(relabel_once(DRIFTED, concurrency), flush=True)
    after = states(runs)
    print(f"processes started: {after[0] - before[0]} runs created, "
          f"{after[1] - before[1]} taken out of their suspended state", flush=True)  # fmt: skip
    print("again: " + relabel_once(DRIFTED, concurrency), flush=True)


def main() -> None:
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cpo-relabel-"))
    server = start_server(durable=True)
    stack = None
    try:
        stack = start_stack(server, folder)
        settings = {
            PREFECT_API_URL: stack.api_url,
            PREFECT_API_AUTH_STRING: stack.env["PREFECT_API_AUTH_STRING"],
        }
        with temporary_settings(updates=settings):
            measure(args.runs, args.concurrency)
    finally:
        if stack is not None:
            stack.stop()
        server.stop()
        for stop in STOPS:
            stop()


if __name__ == "__main__":
    main()
