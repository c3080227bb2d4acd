"""Wake benchmark: a case wake against a trivial 3-task flow run, on one local server + worker.

    .venv/bin/python -m benchmarks.wake_bench [--rounds 5] [--burst 100] [--server both]

Prints: the trivial run's and the case wake's wall time (resume -> obligations -> outbox ->
suspended again), their ratio (target <= 1.5), wakes per hour with one worker (from the
burst), the server's and worker's RSS, and whether a burst of due cases completed with no
failed run on a SQLite server with the clock's bounded concurrency and the pool's limit.

``--server both`` runs everything twice, each on a fresh stack in its own process: first on
``prefect server start`` as shipped, then on ``scripts/prefect_server.py`` (SQLite write
locks taken up front), and prints the burst times' ratio and each server's count of
"database is locked" errors.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from prefect import flow, task

from domain.history import CaseHistory
from scripts.prefect_stack import POOL, REPO, Stack, free_port, stack_env


@task
def _step(n: int) -> int:
    return n + 1


@flow(name="trivial")
def trivial() -> int:
    return _step(_step(_step(0)))


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc (no psutil here)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if entry.name == str(pid) or os.getpgid(int(entry.name)) == pid:
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total / 1024


def timed_pairs(rounds: int) -> tuple[list[float], list[float]]:
    """A trivial run, then a case wake, ``rounds`` times: interleaved, so that whatever else
    the machine is doing weighs on both alike."""
    from prefect.deployments import run_deployment

    from cli.record_cmds import open_and_start
    from flows.clock_source import as_of_moment
    from scripts.driver import icpc, wait_for_state
    from tasks.run_control import wake_after_recording
    from tasks.store import repository

    source = trivial.from_source(source=str(REPO), entrypoint="benchmarks/wake_bench.py:trivial")
    assert not inspect.isawaitable(source)  # the sync variant, outside an event loop
    source.deploy(name="trivial", work_pool_name=POOL, print_next_steps=False)
    store = repository()
    opening = icpc(date(2025, 1, 6), date(2025, 1, 17))
    open_and_start("BENCH-1", "team-north", "england", opening, "bench", as_of_moment("2025-01-06"))
    wait_for_state(store, "BENCH-1", {"Suspended"}, timeout=300)
    plain, wakes = [], []
    for n in range(rounds):
        started = time.perf_counter()
        run = run_deployment("trivial/trivial", timeout=300, as_subflow=False)
        assert run.state and run.state.is_completed(), run.state  # type: ignore[union-attr]
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        day = as_of_moment(date(2025, 1, 7) + timedelta(days=n))
        wake_after_recording("BENCH-1", day, day, wait=0)
        time.sleep(0.2)  # the run leaves Suspended at once; then wait for it to sleep again
        wait_for_state(store, "BENCH-1", {"Suspended"}, timeout=300)
        wakes.append(time.perf_counter() - started)
    return plain, wakes


def burst(size: int) -> list[str]:
    """``size`` cases due on the same morning, twice: first with no run yet (the clock starts
    one each), then all suspended (the clock resumes each). Counts woken and failed runs."""
    from flows.clock import clock
    from flows.clock_source import as_of_moment
    from scripts.driver import icpc
    from tasks.store import repository

    store = repository()
    opening = icpc(date(2025, 1, 6), date(2025, 1, 17))
    for n in range(size):
        history = CaseHistory(reference=f"BURST-{n}", team="team-burst", events=(opening,))
        store.open_case(
            history, recorded_by="bench", source="cli", as_of=as_of_moment("2025-01-06")
        )
    lines = []
    for label, as_of in (("start", "2025-01-16T12:00"), ("resume", "2025-02-20T12:00")):
        started = time.perf_counter()
        clock(as_of=as_of, limit=size + 10, overview=False)
        woken, failed = _settle(size, as_of_moment(as_of))
        took = time.perf_counter() - started
        lines.append(
            f"burst of {size} due cases ({label}): {took:.0f} s, {woken} woken and asleep again, "
            f"{failed} failed runs; {3600 * woken / took:.0f} wakes/hour with one worker"
        )
    return lines


def _settle(size: int, moment: datetime) -> tuple[int, int]:
    """Wait until every burst case has slept again after this tick (or its run failed)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from tasks.store import repository

    names = FlowRunFilter(name=FlowRunFilterName(any_=[f"BURST-{n}" for n in range(size)]))
    while True:
        cases = repository().list_cases(team="team-burst")
        moved = sum(c.next_wake is not None and c.next_wake > moment for c in cases)
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(flow_run_filter=names, limit=200)  # the API maximum
        states = [(r.state.name or "") if r.state else "" for r in runs]
        failed = sum(s in {"Failed", "Crashed"} for s in states)
        busy = sum(s in {"Scheduled", "Pending", "Running", "Resuming"} for s in states)
        if busy == 0 and moved + failed >= size:
            return moved, failed
        time.sleep(2)


def compare_servers(args: argparse.Namespace) -> None:
    """The whole benchmark on each server, in a process of its own (each with its own store
    and settings), as shipped first."""
    took: dict[str, list[float]] = {}
    for server in ("shipped", "launcher"):
        command = [sys.executable, "-m", "benchmarks.wake_bench", "--server", server]
        command += ["--rounds", str(args.rounds), "--burst", str(args.burst)]
        output = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
        print(f"== Prefect server: {server}\n{output}", flush=True)
        took[server] = [float(t) for t in re.findall(r"due cases \(\w+\): (\d+) s", output)]
    for label, shipped, launcher in zip(
        ("start", "resume"), took["shipped"], took["launcher"], strict=False
    ):
        print(f"burst {label}: launcher / as shipped = {launcher / shipped:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--burst", type=int, default=100, help="at most 190 (one API page)")
    parser.add_argument("--server", choices=("launcher", "shipped", "both"), default="launcher")
    args = parser.parse_args()
    if args.server == "both":
        compare_servers(args)
        return
    home = Path(tempfile.mkdtemp(prefix="cpo-bench-"))
    env = stack_env(home / "prefect", free_port(), scheduler=False, worker_poll_seconds=1.0)
    env["CPO_DATABASE_URL"] = f"sqlite:///{home / 'cases.sqlite3'}"
    from scripts.driver import start_webhook, write_notify_config

    webhook, stop_webhook = start_webhook()  # notifications really delivered, to 127.0.0.1
    env["CPO_NOTIFY_CONFIG"] = str(write_notify_config(home, webhook))
    os.environ.update(env)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from domain.store import Database, upgrade

    upgrade(Database.from_url(env["CPO_DATABASE_URL"]))
    stack = Stack(home / "prefect", int(env["PREFECT_SERVER_API_PORT"]), env)
    stack.write_lock_up_front = args.server == "launcher"
    try:
        stack.start_server()
        stack.create_pool()
        stack.deploy()
        worker = stack.start_worker()
        with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
            if args.rounds:
                plains, wakes = timed_pairs(args.rounds)
                plain, wake = statistics.median(plains), statistics.median(wakes)
                print(
                    f"trivial 3-task run: {plain:.1f} s   case wake: {wake:.1f} s   "
                    f"ratio {wake / plain:.2f}"
                )
            assert stack.server is not None
            print(
                f"RSS server {rss_mb(stack.server.pid):.0f} MB, worker {rss_mb(worker.pid):.0f} MB"
            )
            if args.burst:
                print(f"work pool limit {stack.pool_limit}, clock concurrency 2 (SQLite)")
                for line in burst(args.burst):
                    print(line)
            log = (stack.home / "server.log").read_text(errors="replace")
            print(f'server log: {log.count("database is locked")} "database is locked"')
    finally:
        stack.stop()
        stop_webhook()


if __name__ == "__main__":
    main()
