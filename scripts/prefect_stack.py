"""Start and stop a local Prefect server, work pool, deployments and process worker.

Used by the end-to-end tests, the benchmark and the README's run command:

    .venv/bin/python -m scripts.prefect_stack up --home .cpo/prefect --port 4200 \
        --store-url sqlite:///.cpo/cases.sqlite3 --notify-config apprise.yml
    .venv/bin/python -m scripts.prefect_stack down --home .cpo/prefect

Settings applied to every server started here, and why:

- ``PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED=false``: case runs suspend for
  weeks with no timeout; this service would read every paused run every 5 s (2,000
  suspended runs took an idle server from 3% to 18% of a core) for nothing.
- ``PREFECT_SERVER_ANALYTICS_ENABLED=false``: no network here, and nothing to report.
- ``PREFECT_HOME`` in a data or temp directory: each stack owns its own SQLite database.
- The work pool gets a concurrency limit (``POOL_LIMIT_SQLITE``): SQLite serialises writes,
  and 200 concurrent runs failed ~40% with HTTP 503 "database is locked"; a bounded pool
  queues the rest as Scheduled and runs them all. PostgreSQL (``--database-url``) takes a
  higher limit. The worker gets no ``--limit`` of its own (see ``start_worker``).
- The server starts through ``scripts/prefect_server.py``: on SQLite its transactions take
  the write lock up front, so a UI request waits for a busy writer instead of failing 503.
- The scheduler is on (the clock's 15-minute schedule) except in tests, which drive time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POOL = "cpo-process"
POOL_LIMIT_SQLITE = 4
POOL_LIMIT_POSTGRES = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stack_env(
    home: Path,
    port: int,
    *,
    database_url: str | None = None,
    scheduler: bool = True,
    worker_poll_seconds: float = 5.0,
) -> dict[str, str]:
    """The environment for the server, the CLI calls, the worker and the flow runs it starts."""
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # Tests drive virtual time with clock ticks; the real schedule would wake cases at "now".
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="true" if scheduler else "false",
        # A resumed case run waits for the worker's next poll: poll often, it is one cheap query.
        PREFECT_WORKER_QUERY_SECONDS=str(worker_poll_seconds),
        PREFECT_WORKER_PREFETCH_SECONDS="0",
        PREFECT_CLI_PROMPT="false",
        PYTHONPATH=str(REPO),
        CPO_PROJECT_DIR=str(REPO),
    )
    if database_url:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
    return env


@dataclass
class Stack:
    home: Path
    port: int
    env: dict[str, str]
    pool_limit: int = POOL_LIMIT_SQLITE
    # False: ``prefect server start`` as shipped (a benchmark's baseline only).
    write_lock_up_front: bool = True
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.env["PREFECT_API_URL"]

    def prefect(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "prefect"), *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=check,
            timeout=300,
        )

    def start_server(self, timeout: float = 90.0) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(self.home / "server.log", "ab")  # noqa: SIM115 - owned by the child
        self.server = subprocess.Popen(
            [sys.executable, "-m", "scripts.prefect_server", "server", "start"]
            if self.write_lock_up_front
            else [str(BIN / "prefect"), "server", "start"],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (self.home / "server.pid").write_text(str(self.server.pid))
        wait_healthy(self.api_url, timeout)

    def create_pool(self) -> None:
        self.prefect("work-pool", "create", POOL, "--type", "process", "--overwrite")
        self.prefect("work-pool", "set-concurrency-limit", POOL, str(self.pool_limit))

    def deploy(self) -> None:
        result = self.prefect("--no-prompt", "deploy", "--all", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"prefect deploy failed:\n{result.stdout}\n{result.stderr}")

    def start_worker(self, **extra_env: str) -> subprocess.Popen[bytes]:
        log = open(self.home / "worker.log", "ab")  # noqa: SIM115 - owned by the child
        worker = subprocess.Popen(
            # No ``--limit``: with it, Prefect 3.8.8's worker crashes ("this borrower is
            # already holding one of this CapacityLimiter's tokens") when a case run is
            # resumed before the process of its previous wake has exited. The work pool's
            # concurrency limit (server side) bounds the runs instead.
            [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process"],
            env={**self.env, **extra_env},
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: killing the group also kills the flow runs it started,
            # which is what a lost machine looks like.
            start_new_session=True,
        )
        self.workers.append(worker)
        (self.home / "worker.pid").write_text(str(worker.pid))
        return worker

    def kill_worker(
        self, worker: subprocess.Popen[bytes], sig: int = signal.SIGKILL, grace: float = 30
    ) -> None:
        """Stop a worker and the flow runs it started (each in a session of its own).

        A worker asked to stop (SIGTERM) that has not exited after ``grace`` s is killed: Prefect
        3.8.8's process worker sometimes never finishes its graceful shutdown (seen once in
        a test run: idle, no flow runs left, still waiting 12 minutes later)."""
        runs = children_of(worker.pid)

        def send(sig: int) -> None:
            for pid in (worker.pid, *runs):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, sig)

        send(sig)
        try:
            worker.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)
            worker.wait(timeout=30)
        self.workers.remove(worker)

    def stop(self) -> None:
        try:
            for worker in list(self.workers):
                self.kill_worker(worker, signal.SIGTERM)
        finally:
            if self.server is not None:
                stop_group(self.server.pid)
                self.server.wait(timeout=30)
                self.server = None


def children_of(pid: int) -> list[int]:
    """Direct children of a process, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


def wait_healthy(api_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if json.loads(response.read()) is True:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"Prefect server at {api_url} not healthy after {timeout:.0f} s")


def stop_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def migrate_store(url: str | None) -> str:
    """Create or upgrade the case store (what ``cpo db upgrade`` does); returns its URL."""
    from domain.store import Database, database_url, upgrade

    resolved = database_url(url)
    database = Database.from_url(resolved)
    upgrade(database)
    database.dispose()
    return resolved


def up(args: argparse.Namespace) -> None:
    home = Path(args.home).resolve()
    port = args.port or free_port()
    env = stack_env(home, port, database_url=args.database_url)
    env["CPO_DATABASE_URL"] = migrate_store(args.store_url)
    if args.notify_config:
        env["CPO_NOTIFY_CONFIG"] = str(Path(args.notify_config).resolve())
    limit = args.pool_limit or (POOL_LIMIT_POSTGRES if args.database_url else POOL_LIMIT_SQLITE)
    stack = Stack(home, port, env, pool_limit=limit)
    stack.start_server()
    stack.create_pool()
    stack.deploy()
    stack.start_worker()
    print(f"export PREFECT_API_URL={stack.api_url}")
    print(f"export CPO_DATABASE_URL={env['CPO_DATABASE_URL']}")
    print(f"# server pid {stack.server.pid if stack.server else '?'}, logs in {home}")
    print(f"# UI: http://127.0.0.1:{port}")


def down(args: argparse.Namespace) -> None:
    home = Path(args.home).resolve()
    for name in ("worker.pid", "server.pid"):
        pid_file = home / name
        if pid_file.exists():
            stop_group(int(pid_file.read_text()))
            pid_file.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(prog="prefect_stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up_cmd = sub.add_parser("up", help="server + work pool + deployments + worker, detached")
    up_cmd.add_argument("--home", default=".cpo/prefect")
    up_cmd.add_argument("--port", type=int, default=0, help="0: a free port")
    up_cmd.add_argument("--database-url", default=None, help="Prefect's own database (PG)")
    up_cmd.add_argument("--store-url", default=None, help="the case store (CPO_DATABASE_URL)")
    up_cmd.add_argument("--notify-config", default=None, help="apprise config (CPO_NOTIFY_CONFIG)")
    up_cmd.add_argument("--pool-limit", type=int, default=0)
    up_cmd.set_defaults(run=up)
    down_cmd = sub.add_parser("down", help="stop the worker and server started by up")
    down_cmd.add_argument("--home", default=".cpo/prefect")
    down_cmd.set_defaults(run=down)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
