"""Wake benchmark: a case wake against a trivial 3-task flow run, and bursts of due cases.

    .venv/bin/python -m benchmarks.wake_bench [--rounds 5] [--burst 120] [--stack launcher]
    .venv/bin/python -m benchmarks.wake_bench --compare postgres [--pool-limits 6,9]
    .venv/bin/python -m benchmarks.wake_bench --compare servers

Prints: the trivial run's and the case wake's wall time (resume -> obligations -> outbox ->
suspended again), their ratio (target <= 1.5), wakes per hour (from the bursts: ``--burst``
cases due on one morning, first with no run yet, then all suspended), the server's and
workers' RSS, and how many runs failed.

``--stack``: ``launcher`` (SQLite, ``scripts/prefect_server.py``, one worker, the pool's
limit 4), ``shipped`` (the same on ``prefect server start`` as shipped) or ``postgres``
(Prefect's server and the store on a throwaway PostgreSQL server, ``--workers`` workers in
folders of their own, the pool's limit ``--pool-limit``).

``--compare refs --refs main,HEAD`` measures the wake against a trivial run on each commit's
own code (a worktree each), alternated, to show what a change did to the wake.
``--compare postgres`` runs SQLite with one worker, then PostgreSQL with three workers at
each of ``--pool-limits``, each on a fresh stack in its own process, and prints the
wakes-per-hour ratios; ``--compare servers`` runs SQLite as shipped, then with the launcher,
and prints the bursts' ratio and each server's count of "database is locked".
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from prefect import flow, task

from domain.history import CaseHistory
from scripts.prefect_stack import POOL, REPO, Stack, free_port, stack_env
from scripts.processes import rss_mb


@task
def _step(n: int) -> int:
    return n + 1


@flow(name="trivial")
def trivial() -> int:
    return _step(_step(_step(0)))


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


def burst(size: int, workers: int) -> list[str]:
    """``size`` cases due on the same morning, twice: first with no run yet (the clock starts
    one each), then all suspended (the clock resumes each). Counts woken and failed runs."""
    from flows.clock import clock
    from flows.clock_source import as_of_moment
    from scripts.driver import icpc
    from tasks.store import repository

    opening = icpc(date(2025, 1, 6), date(2025, 1, 17))
    histories = [
        CaseHistory(reference=f"BURST-{n}", team="team-burst", events=(opening,))
        for n in range(size)
    ]
    repository().open_cases(histories, recorded_by="bench", source="cli",
                            as_of=as_of_moment("2025-01-06"))  # fmt: skip
    lines = []
    for label, as_of in (("start", "2025-01-16T12:00"), ("resume", "2025-02-20T12:00")):
        started = time.perf_counter()
        clock(as_of=as_of, overview=False)
        woken, failed = _settle(size, as_of_moment(as_of))
        took = time.perf_counter() - started
        lines.append(
            f"burst of {size} due cases ({label}): {took:.0f} s, {woken} woken and asleep again, "
            f"{failed} failed runs; {3600 * woken / took:.0f} wakes/hour with {workers} worker(s)"
        )
    return lines


def _settle(size: int, moment: datetime) -> tuple[int, int]:
    """Wait until every burst case has slept again after this tick (or its run failed)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from tasks.run_pages import every_flow_run
    from tasks.store import repository

    names = FlowRunFilter(name=FlowRunFilterName(any_=[f"BURST-{n}" for n in range(size)]))
    while True:
        cases = repository().list_cases(team="team-burst")
        moved = sum(c.next_wake is not None and c.next_wake > moment for c in cases)
        with get_client(sync_client=True) as client:
            runs = every_flow_run(client, flow_run_filter=names)
        # By state type: a run the pool's limit holds back is SCHEDULED under other names
        # ("AwaitingConcurrencySlot", "Late", "Resuming"); the tick has already moved every
        # case's next wake in the store, so only the runs say whether the burst is done.
        states = [r.state.type.value if r.state else "" for r in runs]
        failed = sum(s in {"FAILED", "CRASHED"} for s in states)
        busy = sum(s in {"SCHEDULED", "PENDING", "RUNNING"} for s in states)
        if busy == 0 and moved + failed >= size:
            return moved, failed
        time.sleep(2)


def in_a_process(*options: str) -> str:
    """The benchmark on a fresh stack, in a process of its own; its output, also printed."""
    command = [sys.executable, "-m", "benchmarks.wake_bench", *options]
    output = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout
    print(f"== {' '.join(options)}\n{output}", flush=True)
    return output


def burst_times(output: str) -> list[float]:
    return [float(t) for t in re.findall(r"due cases \(\w+\): (\d+) s", output)]


def wakes_per_hour(output: str) -> list[float]:
    return [float(n) for n in re.findall(r"(\d+) wakes/hour", output)]


def compare_servers(args: argparse.Namespace) -> None:
    """SQLite as shipped, then with the launcher: each burst's time, as a ratio."""
    common = ["--rounds", str(args.rounds), "--burst", str(args.burst)]
    shipped = burst_times(in_a_process("--stack", "shipped", *common))
    launcher = burst_times(in_a_process("--stack", "launcher", *common))
    for label, one, other in zip(("start", "resume"), shipped, launcher, strict=False):
        print(f"burst {label}: launcher / as shipped = {other / one:.2f}")


def compare_postgres(args: argparse.Namespace) -> None:
    """SQLite with one worker, then PostgreSQL with three at each pool limit: wakes/hour."""
    common = ["--rounds", str(args.rounds), "--burst", str(args.burst)]
    sqlite = wakes_per_hour(in_a_process("--stack", "launcher", *common))
    for limit in args.pool_limits.split(","):
        output = in_a_process("--stack", "postgres", "--workers", "3", "--pool-limit", limit,
                              *common)  # fmt: skip
        for label, one, other in zip(("start", "resume"), sqlite, wakes_per_hour(output),
                                     strict=False):  # fmt: skip
            print(f"burst {label}: PostgreSQL + 3 workers (pool {limit}) / SQLite + 1 worker "
                  f"= {other / one:.2f}", flush=True)  # fmt: skip


def compare_refs(args: argparse.Namespace) -> None:
    """The wake against a trivial run on each of ``--refs`` (this repository's commits, each
    in a worktree of its own with its own modules), alternated ``--repeats`` times so the
    machine's noise weighs on each alike; each ratio is measured within one stack."""
    ratios: dict[str, list[float]] = {ref: [] for ref in args.refs.split(",")}
    folder = Path(tempfile.mkdtemp(prefix="cpo-refs-"))
    trees = {ref: worktree(ref, folder / str(n)) for n, ref in enumerate(ratios)}
    try:
        for _ in range(args.repeats):
            for ref, tree in trees.items():
                ratios[ref] += wake_ratio(tree, args.rounds)
        for ref, found in ratios.items():
            shown = ", ".join(f"{r:.2f}" for r in found)
            print(f"{ref}: wake / trivial run = {statistics.median(found):.2f} (median of {shown})")
    finally:
        for tree in trees.values():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO)


def worktree(ref: str, where: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", str(where), ref], cwd=REPO,
                   check=True, capture_output=True)  # fmt: skip
    return where


def wake_ratio(tree: Path, rounds: int) -> list[float]:
    """One stack from ``tree``'s code: its wake benchmark's ratio, rounds only."""
    own = (tree / "benchmarks" / "wake_bench.py").read_text()
    server = ["--stack", "launcher"] if "--stack" in own else ["--server", "launcher"]
    command = [sys.executable, "-m", "benchmarks.wake_bench", "--rounds", str(rounds),
               "--burst", "0", *server]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(tree)}
    output = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    timings = [line for line in output.splitlines() if line.startswith("trivial")]
    print(f"== {tree.name}: {' | '.join(timings)}", flush=True)
    # Every commit's benchmark prints both medians: their ratio, computed alike for each.
    found = re.findall(r"trivial 3-task run: ([\d.]+) s\s+case wake: ([\d.]+) s", output)
    return [float(wake) / float(plain) for plain, wake in found]


@contextlib.contextmanager
def databases(stack: str, home: Path) -> Iterator[tuple[str | None, str]]:
    """Prefect's database (None: SQLite in its home) and the store's URL."""
    if stack != "postgres":
        yield None, f"sqlite:///{home / 'cases.sqlite3'}"
        return
    from scripts.pg_server import start_server

    server = start_server(durable=True)
    try:
        prefect = server.create_database("prefect").replace("+psycopg", "+asyncpg")
        yield prefect, server.create_database("cpo")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--burst", type=int, default=120)
    parser.add_argument("--stack", choices=("launcher", "shipped", "postgres"), default="launcher")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pool-limit", type=int, default=0, help="0: the stack's default")
    parser.add_argument("--compare", choices=("servers", "postgres", "refs"), default=None)
    parser.add_argument("--pool-limits", default="6,9", help="PostgreSQL's, for --compare")
    parser.add_argument("--refs", default="main,HEAD", help="commits, for --compare refs")
    parser.add_argument("--repeats", type=int, default=2, help="for --compare refs")
    args = parser.parse_args()
    if args.compare:
        compare = {"servers": compare_servers, "postgres": compare_postgres, "refs": compare_refs}
        compare[args.compare](args)
        return
    home = Path(tempfile.mkdtemp(prefix="cpo-bench-"))
    with databases(args.stack, home) as (prefect_url, store_url):
        run(args, home, prefect_url, store_url)


def run(args: argparse.Namespace, home: Path, prefect_url: str | None, store_url: str) -> None:
    from cli.prefect_auth import ensure_secret
    from scripts.driver import start_webhook, write_notify_config
    from scripts.prefect_stack import POOL_LIMIT_POSTGRES, POOL_LIMIT_SQLITE

    secret = ensure_secret(home / "prefect-auth")
    env = stack_env(home / "prefect", free_port(), database_url=prefect_url, scheduler=False,
                    worker_poll_seconds=1.0, auth=secret)  # fmt: skip
    env["CPO_DATABASE_URL"] = store_url
    webhook, stop_webhook = start_webhook()  # notifications really delivered, to 127.0.0.1
    env["CPO_NOTIFY_CONFIG"] = str(write_notify_config(home, webhook))
    os.environ.update(env)
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    from domain.store import Database, upgrade

    upgrade(Database.from_url(store_url), simulation=True)
    default = POOL_LIMIT_POSTGRES if prefect_url else POOL_LIMIT_SQLITE
    stack = Stack(home / "prefect", int(env["PREFECT_SERVER_API_PORT"]), env,
                  pool_limit=args.pool_limit or default)  # fmt: skip
    stack.write_lock_up_front = args.stack != "shipped"
    try:
        stack.start_server(timeout=180)
        stack.create_pool()
        stack.deploy()
        for _ in range(args.workers):
            stack.start_worker()
        settings = {PREFECT_API_URL: stack.api_url, PREFECT_API_AUTH_STRING: secret}
        with temporary_settings(updates=settings):
            measure(stack, args)
    finally:
        stack.stop()
        stop_webhook()


def measure(stack: Stack, args: argparse.Namespace) -> None:
    if args.rounds:
        plains, wakes = timed_pairs(args.rounds)
        plain, wake = statistics.median(plains), statistics.median(wakes)
        # Each wake against the trivial run just before it: the machine's load drifts.
        paired = statistics.median(w / p for w, p in zip(wakes, plains, strict=True))
        print(f"trivial 3-task run: {plain:.1f} s   case wake: {wake:.1f} s   "
              f"ratio {paired:.2f} (median of {args.rounds} pairs; of medians "
              f"{wake / plain:.2f})", flush=True)  # fmt: skip
    assert stack.server is not None
    workers = sum(rss_mb(worker.pid) for worker in stack.workers)
    print(f"RSS server {rss_mb(stack.server.pid):.0f} MB, workers {workers:.0f} MB")
    if args.burst:
        print(f"{args.stack}: {args.workers} worker(s), work pool limit {stack.pool_limit}")
        for line in burst(args.burst, args.workers):
            print(line, flush=True)
    log = (stack.home / "server.log").read_text(errors="replace")
    print(f'server log: {log.count("database is locked")} "database is locked"')


if __name__ == "__main__":
    main()
