"""Beyond one machine: Prefect's server and the store on PostgreSQL, three workers, each
started exactly as ``deploy/systemd`` starts it (here as plain processes, in folders of their
own), and one worker killed with its flow runs in the middle of a burst of wakes.

The lost runs let go of their work-pool slots within two minutes (the lost-run check,
``flows/lost_runs.py``: measured here), every case is woken once by the tick, its run ends
suspended (the lost ones replaced by the clock's next tick), nothing due is missing from the
outbox, and no notice was sent twice. The store is migrated by its owner and used by the
application's role, as ``deploy/`` sets it up.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

from cli.prefect_auth import ensure_secret
from domain.history import CaseHistory
from domain.store import CaseRepository, Database, OutboxStatus, upgrade
from flows.clock import clock
from flows.clock_source import as_of_moment
from scripts.driver import icpc, start_webhook, wait_until, write_notify_config
from scripts.pg_server import STORE_APP, PostgresServer
from scripts.prefect_stack import Stack, free_port, stack_env
from scripts.processes import children_of
from scripts.service_units import commands
from tasks.run_pages import every_flow_run

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CASES = 12
WORKERS = 3
MORNING = "2025-02-20T12:00"  # cg-1 never held: every case has rungs due (R-T1)


@dataclass
class Authority:
    """The deployment as an authority runs it, on this one machine."""

    stack: Stack
    store: CaseRepository
    received: list[object]


def setup(env: dict[str, str]) -> None:
    """``cpo-setup.service``: migrate the store (as its owner: ``setup.env``), create the
    pool and queues, deploy, install the lost-run check."""
    for command in commands("cpo-setup.service", env):
        done = subprocess.run(command.argv, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 or command.may_fail, (command.argv, done.stderr[-2000:])


@pytest.fixture
def authority(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Authority]:
    home = tmp_path_factory.mktemp("authority")
    prefect_db = postgres_server.create_database("failover_prefect")
    store = postgres_server.create_store("failover_store")
    simulated = Database.from_url(store.owner)  # the test plays virtual days: a simulation's
    upgrade(simulated, simulation=True)  # store, which the setup unit's upgrade then keeps
    simulated.dispose()
    webhook, stop_webhook = start_webhook()
    port = free_port()
    env = stack_env(
        home / "server",
        port,
        database_url=prefect_db.replace("+psycopg", "+asyncpg"),
        scheduler=False,
        worker_poll_seconds=1.0,
        auth=ensure_secret(home / "prefect-auth"),
    )
    env |= {"CPO_DATABASE_URL": store.app, "CPO_POOL_LIMIT": "6", "CPO_WAKES_LIMIT": "5",
            "CPO_NOTIFY_CONFIG": str(write_notify_config(home, webhook))}  # fmt: skip
    assert env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"  # as worker.env gives it
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    stack = Stack(home / "server", port, env)
    from tasks.store import repository

    try:
        [server] = commands("cpo-prefect-server.service", env)
        stack.start_server(timeout=180, command=server.argv)
        setup(env | {"CPO_DATABASE_URL": store.owner, "CPO_DATABASE_APP_ROLE": STORE_APP})
        for n in range(1, WORKERS + 1):
            [worker] = commands("cpo-worker@.service", env, instance=str(n), host="test")
            stack.start_worker(command=worker.argv)
        repository.cache_clear()
        with temporary_settings(
            updates={PREFECT_API_URL: stack.api_url, PREFECT_API_AUTH_STRING: env[
                "PREFECT_API_AUTH_STRING"]}
        ):  # fmt: skip
            yield Authority(stack, repository(), webhook.received)
    finally:
        stack.stop()
        stop_webhook()
        repository.cache_clear()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def runs_of_cases() -> list[FlowRun]:
    names = FlowRunFilter(name=FlowRunFilterName(any_=[f"FAIL-{n}" for n in range(CASES)]))
    with get_client(sync_client=True) as client:
        return every_flow_run(client, flow_run_filter=names)


def states() -> Counter[str]:
    return Counter(run.state.type.value for run in runs_of_cases() if run.state)


def awake() -> list[tuple[str, object]]:
    return sorted((str(r.id), r.state.timestamp) for r in runs_of_cases()
                  if r.state and r.state.type.value in {"PENDING", "RUNNING", "SCHEDULED"})  # fmt: skip


def still_held(runs: set[str]) -> bool:
    """Whether any of ``runs`` still holds a pool slot (Pending or Running)."""
    return any(str(r.id) in runs for r in runs_of_cases()
               if r.state and r.state.type.value in {"PENDING", "RUNNING"})  # fmt: skip


def settled() -> bool:
    """No case run is waiting for a slot or holding one."""
    return not awake()


def test_a_worker_lost_mid_burst_leaves_every_case_woken_once_and_no_notice_twice(
    authority: Authority,
) -> None:
    stack, store = authority.stack, authority.store
    opening = icpc(date(2025, 1, 6), date(2025, 1, 17))
    for n in range(CASES):
        history = CaseHistory(reference=f"FAIL-{n}", team="team-north", events=(opening,))
        store.open_case(history, recorded_by="test", source="cli",
                        as_of=as_of_moment("2025-01-06"))  # fmt: skip

    burst = clock(as_of=MORNING, overview=False)  # queues, sends, then starts every case's run
    assert burst["woken"] == CASES and burst["start"] == CASES and burst["error"] == 0
    assert burst["queued"] > 0 and burst["sent"] >= burst["queued"]  # and the invitations
    outbox = [e for n in range(CASES) for e in store.outbox_of(f"FAIL-{n}")]
    assert all(e.status == OutboxStatus.DELIVERED for e in outbox)  # before any run woke
    busy = wait_until(
        lambda: next((w for w in stack.workers if children_of(w.pid)), None),
        timeout=180, every=0.2, what="a worker with a wake in flight",
    )  # fmt: skip
    holding = {str(r.id) for r in runs_of_cases()
               if r.state and r.state.type.value in {"PENDING", "RUNNING"}}  # fmt: skip
    killed = time.monotonic()
    stack.kill_worker(busy)  # the machine is lost, with the wakes it was running
    wait_until(lambda: not still_held(holding), timeout=300, every=1,
               what="the slots the lost runs held freed")  # fmt: skip
    held = time.monotonic() - killed
    print(f"\nthe lost worker's runs held their pool slots {held:.0f} s after it was killed")
    assert held < 120, f"slots held {held:.0f} s"  # the lost-run check, not the 30-min sweep
    wait_until(settled, timeout=300, every=1, what="the others settled")
    lost = states()["CRASHED"]
    assert lost >= 1  # the kill hit wakes in flight, and the check let them go

    healed = clock(as_of=MORNING, overview=False)  # the sweep: their cases get new runs
    assert healed["woken"] == 0 and healed["queued"] == 0  # the morning was done, once
    wait_until(lambda: states()["PAUSED"] == CASES, timeout=300, every=1,
               what="every case's run suspended again")  # fmt: skip

    runs = runs_of_cases()
    assert states() == {"PAUSED": CASES, "CRASHED": lost}
    current = {store.summary(f"FAIL-{n}").flow_run_id for n in range(CASES)}
    assert current == {str(r.id) for r in runs if r.state and r.state.type.value == "PAUSED"}

    moment = as_of_moment(MORNING)
    entries = [e for n in range(CASES) for e in store.outbox_of(f"FAIL-{n}")]
    due = {d.idempotency_key for n in range(CASES)
           for d in store.case_view(f"FAIL-{n}", moment).dispatches}  # fmt: skip
    assert due <= {e.key for e in entries}  # nothing lost
    assert all(e.status == OutboxStatus.DELIVERED and e.attempts == 1 for e in entries)
    digests = store.digests_of(moment.date())  # the team manager's daily digest
    assert all(d.status == OutboxStatus.DELIVERED and d.attempts == 1 for d in digests)
    assert len(authority.received) == len(entries) + len(digests)  # no notice sent twice
    assert store.database.dialect == "postgresql"
    assert Path(stack.home, "workers", "worker-1", "worker.log").exists()
