"""Suspended case runs at scale on a PostgreSQL Prefect server: what they cost when idle, how
fast the UI lists them, and a clock tick among them.

    .venv/bin/python -m benchmarks.suspended_bench --runs 10000 [--due 0.1]

1. A throwaway PostgreSQL server (durable settings) holding Prefect's database and the store;
   Prefect's server on it with authentication on, the pool and every deployment; no worker
   (a resumed run stays queued: only the server's side is measured).
2. ``--runs`` cases in the store, and for each a case run of the ``case-lifecycle``
   deployment created through the API already suspended (as a wake leaves it: its pause
   key, its resume form's schema, its team and profile tags, "overdue" on the drifting
   ones), ``--concurrency`` API calls in flight. Real wakes would take hours on this
   machine for the same rows; the server holds the same rows either way.
3. Timed: the creation rate; the server's (and PostgreSQL's) CPU over a minute of idling,
   and their memory; the UI's Runs page in Chromium, as shipped and filtered by the
   "overdue" tag (time to settle, and its slowest API call, replayed alone); and a clock
   tick among them with ``--due`` of the cases due (queue, deliver, resume their runs paged).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from scripts.pg_server import PostgresServer, start_server
from scripts.prefect_stack import Stack, free_port, stack_env
from scripts.processes import cpu_seconds, group_cpu_seconds, rss_mb

OPENED = "2025-01-06"
TICK = "2025-02-20T12:00"  # the due cases' first core group was never held (R-T1)
STOPS: list[Any] = []  # what to stop at the end besides the servers


def open_cases(count: int, due: int) -> None:
    """``count`` cases of one conference each; ``due`` of them due at the tick."""
    from domain.history import CaseHistory
    from flows.clock_source import as_of_moment
    from scripts.driver import icpc
    from tasks.store import repository

    opening = icpc(date(2025, 1, 6), date(2025, 1, 17))
    for start in range(0, count, 1000):
        chunk = [
            CaseHistory(reference=f"CP-{n:06d}", team=f"team-{n % 8}", events=(opening,))
            for n in range(start, min(count, start + 1000))
        ]
        due_here = [h for h in chunk if int(h.reference[3:]) < due]
        later = [h for h in chunk if int(h.reference[3:]) >= due]
        for histories, as_of in ((due_here, OPENED), (later, "2025-02-21T12:00")):
            if histories:
                repository().open_cases(histories, recorded_by="bench", source="import",
                                        as_of=as_of_moment(as_of))  # fmt: skip


async def create_runs(count: int, due: int, concurrency: int) -> dict[str, str]:
    """One suspended case run per case, through the API, ``concurrency`` lanes each with a
    client of its own: requests in flight on one client race to refresh its CSRF token (the
    server keeps one per client) and fail 403 after their retries."""
    from prefect.client.orchestration import get_client
    from prefect.input.run_input import create_v2_schema, keyset_from_base_key
    from prefect.states import Suspended

    from flows.case_form import CaseWake

    schema = orjson.dumps(create_v2_schema("CaseWake", model_base=CaseWake)).decode()
    keyset = keyset_from_base_key("suspended-wake-1")
    numbers = iter(range(count))
    created: dict[str, str] = {}

    async def lane() -> None:
        async with get_client() as client:
            deployment = await client.read_deployment_by_name("case-lifecycle/case-lifecycle")
            for n in numbers:  # shared: each number taken by one lane
                reference = f"CP-{n:06d}"
                state = Suspended(pause_key="wake-1", message="1 overdue; next deadline Fri")
                state.state_details.run_input_keyset = dict(keyset)
                tags = [f"team:team-{n % 8}", "profile:england"] + (["overdue"] if n < due else [])
                run = await client.create_flow_run_from_deployment(
                    deployment.id, parameters={"reference": reference, "as_of": OPENED},
                    name=reference, tags=tags, state=state,
                )  # fmt: skip
                await client.create_flow_run_input(run.id, keyset["schema"], schema)
                created[reference] = str(run.id)

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return created


def adopt(runs: dict[str, str]) -> None:
    """The store names each case's run, as a first wake does."""
    from sqlalchemy import Table, bindparam, update

    from domain.store.tables import CaseRow
    from tasks.store import repository

    cases: Table = CaseRow.__table__  # type: ignore[assignment]
    statement = (
        update(cases)
        .where(cases.c.reference == bindparam("ref"))
        .values(flow_run_id=bindparam("run"))
    )
    with repository().database.writing() as session:
        session.execute(statement, [{"ref": ref, "run": run} for ref, run in runs.items()])


def postgres_cpu(server: PostgresServer) -> float:
    """CPU time of the PostgreSQL postmaster and its backends so far."""
    from scripts.processes import children_of

    postmaster = int((server.datadir / "postmaster.pid").read_text().split()[0])
    return sum(cpu_seconds(pid) for pid in [postmaster, *children_of(postmaster)])


def idle(stack: Stack, server: PostgresServer, seconds: float) -> str:
    assert stack.server is not None
    pgid = stack.server.pid
    before, pg_before = group_cpu_seconds(pgid), postgres_cpu(server)
    time.sleep(seconds)
    used = group_cpu_seconds(pgid) - before
    pg_used = postgres_cpu(server) - pg_before
    return (f"idle over {seconds:.0f} s: Prefect server {100 * used / seconds:.1f}% of a core, "
            f"PostgreSQL {100 * pg_used / seconds:.1f}%; server RSS {rss_mb(pgid):.0f} MB")  # fmt: skip


def runs_page(stack: Stack, query: str) -> str:
    """The UI's Runs page in Chromium: time until it settles, and its slowest API call."""
    from playwright.sync_api import sync_playwright

    calls: list[tuple[float, str, Any]] = []
    ui = stack.api_url.removesuffix("/api")
    secret = stack.env["PREFECT_API_AUTH_STRING"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        # The stack has no identity provider: the browser carries the service credential,
        # which the sign-in layer lets through as it does the workers' (access/gateway.py).
        token = base64.b64encode(secret.encode()).decode()
        page = browser.new_context(
            extra_http_headers={"Authorization": f"Basic {token}"}
        ).new_page()
        page.goto(f"{ui}/runs", wait_until="networkidle")

        def finished(request: Any) -> None:
            timing = request.timing
            if "/api/" in request.url:
                took = timing["responseEnd"] - timing["requestStart"]
                calls.append((took, request.url, request.post_data))

        page.on("requestfinished", finished)
        started = time.perf_counter()
        page.goto(f"{ui}/runs{query}", wait_until="networkidle")
        settled = time.perf_counter() - started
        browser.close()
    slowest = max(calls, default=(0.0, "none", None), key=lambda call: call[0])
    replayed = replay(stack, slowest[1], slowest[2]) if slowest[2] else ""
    name = slowest[1].split("/api", 1)[-1]
    return (f"Runs page{query or ''}: settled in {settled:.1f} s, {len(calls)} API calls; "
            f"slowest {name} {slowest[0]:.0f} ms{replayed}")  # fmt: skip


def replay(stack: Stack, url: str, body: str, times: int = 5) -> str:
    """The slowest call again, alone, from Python: its median."""
    from prefect.client.orchestration import get_client

    path = url.split("/api", 1)[1]
    samples = []
    with get_client(sync_client=True) as client:
        for _ in range(times):
            started = time.perf_counter()
            client.request("POST", path, json=orjson.loads(body))  # type: ignore[arg-type]
            samples.append(1000 * (time.perf_counter() - started))
    return f" (alone: median {statistics.median(samples):.0f} ms of {times})"


def tick(stack: Stack) -> str:
    from flows.clock import clock

    started = time.perf_counter()
    counts = clock(as_of=TICK, concurrency=4)
    took = time.perf_counter() - started
    return (f"clock tick: {took:.1f} s; {counts['woken']} cases woken, {counts['queued']} "
            f"notices queued, {counts['sent']} sent, runs: {counts['resume']} resumed, "
            f"{counts['start']} started, {counts['error']} errors")  # fmt: skip


def main() -> None:
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--due", type=float, default=0.1, help="share due at the tick")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--idle-seconds", type=float, default=60)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cpo-suspended-"))
    server = start_server(durable=True)
    stack: Stack | None = None
    try:
        stack = start_stack(server, folder)
        secret = stack.env["PREFECT_API_AUTH_STRING"]
        settings = {PREFECT_API_URL: stack.api_url, PREFECT_API_AUTH_STRING: secret}
        with temporary_settings(updates=settings):
            measure(stack, server, args)
    finally:
        if stack is not None:
            stack.stop()
        server.stop()
        for stop in STOPS:
            stop()


def start_stack(server: PostgresServer, folder: Path) -> Stack:
    from cli.prefect_auth import ensure_secret
    from scripts.driver import start_webhook, write_notify_config

    prefect_url = server.create_database("prefect").replace("+psycopg", "+asyncpg")
    port = free_port()
    env = stack_env(folder / "prefect", port, database_url=prefect_url, scheduler=False,
                    auth=ensure_secret(folder / "prefect-auth"))  # fmt: skip
    webhook, stop_webhook = start_webhook()  # the tick's notices, delivered to 127.0.0.1
    STOPS.append(stop_webhook)
    env["CPO_DATABASE_URL"] = server.create_database("cpo")
    env["CPO_NOTIFY_CONFIG"] = str(write_notify_config(folder, webhook))
    os.environ.update(env)
    from domain.store import Database, upgrade

    upgrade(Database.from_url(env["CPO_DATABASE_URL"]), simulation=True)
    stack = Stack(folder / "prefect", port, env, pool_limit=8)
    stack.start_server(timeout=180)
    stack.create_pool()
    stack.deploy()
    return stack


def measure(stack: Stack, server: PostgresServer, args: argparse.Namespace) -> None:
    due = int(args.runs * args.due)
    started = time.perf_counter()
    open_cases(args.runs, due)
    print(f"{args.runs:,} cases in the store in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    runs = asyncio.run(create_runs(args.runs, due, args.concurrency))
    took = time.perf_counter() - started
    adopt(runs)
    print(f"{len(runs):,} suspended case runs created through the API in {took:.0f} s "
          f"({len(runs) / took:.0f}/s, {args.concurrency} in flight)", flush=True)  # fmt: skip
    print(idle(stack, server, args.idle_seconds), flush=True)
    print(runs_page(stack, ""), flush=True)
    print(runs_page(stack, "?tag=overdue"), flush=True)
    print(tick(stack), flush=True)
    print(idle(stack, server, args.idle_seconds), flush=True)


if __name__ == "__main__":
    main()
