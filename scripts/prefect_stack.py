"""Start and stop a local Prefect server, work pool, deployments and process workers.

Used by the end-to-end tests, the benchmark and the README's run command:

    .venv/bin/python -m scripts.prefect_stack up --home .cpo/prefect --port 4200 \
        --store-url sqlite:///.cpo/cases.sqlite3 --notify-config apprise.yml [--workers 3] \
        [--database-url postgresql+asyncpg://prefect@db/prefect]
    .venv/bin/python -m scripts.prefect_stack down --home .cpo/prefect

Settings applied to every server started here, and why:

- Behind the sign-in layer (``access/``, through ``scripts/prefect_server.py``): people sign in
  through an OpenID Connect provider when one is configured (the demo's: ``make run``);
  services send the service credential (``CPO_SERVICE_AUTH_STRING`` on the server, the
  secret of ``cli/prefect_auth.py``); CSRF protection on, CORS limited to the UI's own
  origin: the server holds every case run's parameters and runs manual steps.

- ``PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED=false``: case runs suspend for
  weeks with no timeout; this service would read every paused run every 5 s (2,000
  suspended runs took an idle server from 3% to 18% of a core) for nothing.
- ``PREFECT_SERVER_ANALYTICS_ENABLED=false`` and ``DO_NOT_TRACK=1`` (Prefect 3.9's SDK
  telemetry): a child protection system reports nothing to anyone.
- ``PREFECT_HOME`` in a data or temp directory: each stack owns its own SQLite database.
- The work pool gets a concurrency limit (``POOL_LIMIT_SQLITE``): SQLite serialises writes,
  and 200 concurrent runs failed ~40% with HTTP 503 "database is locked"; a bounded pool
  queues the rest as Scheduled and runs them all. PostgreSQL (``--database-url``) takes a
  higher limit. Workers get no ``--limit`` of their own (see ``start_worker``).
- Each worker has a folder of its own (``PREFECT_HOME``, working directory, log), as it
  would on a machine of its own; every worker serves the same pool.
- The server starts through ``scripts/prefect_server.py``: on SQLite its transactions take
  the write lock up front, so a UI request waits for a busy writer instead of failing 503.
- The scheduler is on (the clock's 15-minute schedule) except in tests, which drive time.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cli.prefect_auth import ensure_secret
from domain.store.private_files import private_folder, write_private
from flows.lost_runs import HEARTBEAT_SECONDS
from scripts.processes import children_of, free_port, stop_group, wait_healthy

# What the stack's processes create (Prefect's database, logs, a flow run's files) is
# readable by their owner only: run names and parameters are in Prefect's database (R-G1).
PRIVATE_UMASK = 0o077

__all__ = ["POOL", "REPO", "Stack", "free_port", "stack_env", "stop_group"]

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POOL = "cpo-process"
WAKES_QUEUE = "case-wakes"
POOL_LIMIT_SQLITE = 4
POOL_LIMIT_POSTGRES = 8


def auth_env(secret: str, port: int) -> dict[str, str]:
    """The service credential for the server's sign-in layer and every client (workers, the
    clock, the CLI: Prefect sends it as basic auth), CSRF protection, CORS for the UI only."""
    return {
        "CPO_SERVICE_AUTH_STRING": secret,
        "PREFECT_API_AUTH_STRING": secret,
        "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED": "true",
        "PREFECT_CLIENT_CSRF_SUPPORT_ENABLED": "true",
        "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS": f"http://127.0.0.1:{port}",
    }


def stack_env(
    home: Path,
    port: int,
    *,
    database_url: str | None = None,
    scheduler: bool = True,
    worker_poll_seconds: float = 2.0,
    auth: str | None = None,
    heartbeats: bool = True,
) -> dict[str, str]:
    """The environment for the server, the CLI calls, the workers and the flow runs they
    start. ``auth``: the ``user:password`` secret (``cli/prefect_auth.py``); None runs the
    server open, as Prefect ships (a benchmark's baseline only). ``heartbeats``: every run a
    worker starts beats every 30 s, for the lost-run check (``flows/lost_runs.py``)."""
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",  # and no SDK telemetry from the clients and flow runs (Prefect 3.9)
        # Tests drive virtual time with clock ticks; the real schedule would wake cases at "now".
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="true" if scheduler else "false",
        # A resumed case run waits for a worker's next poll, its pool slot idle meanwhile:
        # poll often (half the interval is the average wait), it is one cheap query.
        PREFECT_WORKER_QUERY_SECONDS=str(worker_poll_seconds),
        PREFECT_WORKER_PREFETCH_SECONDS="0",
        PREFECT_CLI_PROMPT="false",
        PYTHONPATH=str(REPO),
        CPO_PROJECT_DIR=str(REPO),
    )
    for stale in ("PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING",
                  "CPO_SERVICE_AUTH_STRING"):  # fmt: skip
        env.pop(stale, None)  # this stack's secret only, never one inherited from a shell
    if auth:
        env.update(auth_env(auth, port))
    if database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
    if heartbeats:
        env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] = str(HEARTBEAT_SECONDS)
    else:
        env.pop("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", None)
    return env


@contextlib.contextmanager
def acting_on(env: dict[str, str]) -> Iterator[None]:
    """This process as the admin and the clock of the stack ``env`` describes: its
    environment, Prefect's settings (read when Prefect was first imported, so set again)
    and the store's repository (one per process, cached) all point there, and are put back
    afterwards: a test run after this one never reaches this stack's server or store."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    from tasks.store import repository

    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    repository.cache_clear()
    updates = {PREFECT_API_URL: env["PREFECT_API_URL"]}
    if "PREFECT_API_AUTH_STRING" in env:
        updates[PREFECT_API_AUTH_STRING] = env["PREFECT_API_AUTH_STRING"]
    try:
        with temporary_settings(updates=updates):
            yield
    finally:
        repository.cache_clear()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def worker_command(name: str) -> list[str]:
    # No ``--limit``: the work pool's concurrency limit (server side) bounds the runs of every
    # worker together. (Prefect 3.8.8's ``--limit`` crashed when a case run was resumed before
    # its previous wake's process had exited; 3.9.1 logs and skips instead.)
    return [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process",
            "--name", name]  # fmt: skip


def private_home(home: Path) -> None:
    """Prefect's home readable by its owner only: made 0700, and whatever an earlier start
    left in it (a database, logs) made 0600 (folders 0700)."""
    private_folder(home)
    for folder, _, files in os.walk(home):
        os.chmod(folder, 0o700)
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                path.chmod(0o600)


def private_log(path: Path) -> IO[bytes]:
    """A log to append to, created 0600 (handed to a child process as its output)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "ab")


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
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

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

    def start_server(self, timeout: float = 90.0, command: list[str] | None = None) -> None:
        """The server, through the SQLite launcher unless ``command`` says otherwise (a
        service unit's ExecStart, or Prefect as shipped)."""
        private_home(self.home)
        log = private_log(self.home / "server.log")
        launcher = [sys.executable, "-m", "scripts.prefect_server", "server", "start"]
        shipped = [str(BIN / "prefect"), "server", "start"]
        self.server = subprocess.Popen(
            command or (launcher if self.write_lock_up_front else shipped),
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=PRIVATE_UMASK,
        )
        write_private(self.home / "server.pid", str(self.server.pid))
        wait_healthy(self.api_url, timeout)

    def create_pool(self) -> None:
        """The pool and its two queues (prefect.yaml): the clock and the manual steps first,
        the case runs after them and never in every slot."""
        self.prefect("work-pool", "create", POOL, "--type", "process", "--overwrite")
        self.prefect("work-pool", "set-concurrency-limit", POOL, str(self.pool_limit))
        wakes = str(max(1, self.pool_limit - 1))
        created = self.prefect("work-queue", "create", WAKES_QUEUE, "--pool", POOL,
                               "--priority", "2", "--limit", wakes, check=False)  # fmt: skip
        if created.returncode != 0:  # there already (a database kept from an earlier start)
            self.prefect("work-queue", "set-concurrency-limit", WAKES_QUEUE, wakes, "--pool", POOL)

    def deploy(self) -> None:
        result = self.prefect("--no-prompt", "deploy", "--all", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"prefect deploy failed:\n{result.stdout}\n{result.stderr}")

    def start_worker(
        self, command: list[str] | None = None, **extra_env: str
    ) -> subprocess.Popen[bytes]:
        """A process worker in a folder of its own (``workers/worker-N``: its PREFECT_HOME,
        working directory, log and pid file), serving the stack's pool. ``command``: how to
        start it (a service unit's ExecStart); by default ``worker_command``."""
        name = f"worker-{next(self._numbers)}"
        folder = private_folder(self.home / "workers" / name)
        log = private_log(folder / "worker.log")
        worker = subprocess.Popen(
            command or worker_command(name),
            env={**self.env, "PREFECT_HOME": str(folder), **extra_env},
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: killing the group also kills the flow runs it started,
            # which is what a lost machine looks like.
            start_new_session=True,
            umask=PRIVATE_UMASK,
        )
        self.workers.append(worker)
        write_private(folder / "worker.pid", str(worker.pid))
        return worker

    def kill_worker(
        self, worker: subprocess.Popen[bytes], sig: int = signal.SIGKILL, grace: float = 30
    ) -> None:
        """Stop a worker and the flow runs it started (each in a session of its own).

        A worker asked to stop (SIGTERM) that has not exited after ``grace`` s is killed: Prefect
        3.8.8's process worker sometimes never finishes its graceful shutdown (seen once in
        a test run: idle, no flow runs left, still waiting 12 minutes later)."""
        self._kill_workers([worker], sig, grace)

    def _kill_workers(self, workers: list[subprocess.Popen[bytes]], sig: int, grace: float) -> None:
        """Signal every worker (and its runs) at once, then give them ``grace`` s in all, not
        each: stopping three workers that all hang takes 30 s, not 90."""
        groups = {worker.pid: (worker.pid, *children_of(worker.pid)) for worker in workers}

        def send(worker: subprocess.Popen[bytes], sig: int) -> None:
            for pid in groups[worker.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, sig)

        for worker in workers:
            send(worker, sig)
        deadline = time.monotonic() + grace
        for worker in workers:
            try:
                worker.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                send(worker, signal.SIGKILL)
                worker.wait(timeout=30)
            self.workers.remove(worker)

    def stop(self) -> None:
        try:
            self._kill_workers(list(self.workers), signal.SIGTERM, grace=30)
        finally:
            if self.server is not None:
                stop_group(self.server.pid)
                self.server.wait(timeout=30)
                self.server = None


def pid_files(home: Path) -> list[Path]:
    """The workers' pid files, then the server's: the order to stop them in."""
    return sorted(home.glob("workers/*/worker.pid")) + [home / "server.pid"]


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
    secret_file = Path(args.auth_file).resolve()
    secret = ensure_secret(secret_file)
    env = stack_env(home, port, database_url=args.database_url, auth=secret)
    env["CPO_DATABASE_URL"] = migrate_store(args.store_url)
    if args.notify_config:
        env["CPO_NOTIFY_CONFIG"] = str(Path(args.notify_config).resolve())
    limit = args.pool_limit or (POOL_LIMIT_POSTGRES if args.database_url else POOL_LIMIT_SQLITE)
    stack = Stack(home, port, env, pool_limit=limit)
    stack.start_server()
    stack.create_pool()
    stack.deploy()
    for _ in range(args.workers):
        stack.start_worker()
    print(f"export PREFECT_API_URL={stack.api_url}")
    print(f"export CPO_DATABASE_URL={env['CPO_DATABASE_URL']}")
    print(f"export CPO_PREFECT_AUTH_FILE={secret_file}")
    print(f'export PREFECT_API_AUTH_STRING="$(cat {secret_file})"  # for the prefect CLI')
    print(f"# server pid {stack.server.pid if stack.server else '?'}, logs in {home}")
    print(f"# UI: http://127.0.0.1:{port} (people sign in when CPO_OIDC_ISSUER is set)")


def down(args: argparse.Namespace) -> None:
    for pid_file in pid_files(Path(args.home).resolve()):
        if pid_file.exists():
            stop_group(int(pid_file.read_text()))
            pid_file.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(prog="prefect_stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up_cmd = sub.add_parser("up", help="server + work pool + deployments + workers, detached")
    up_cmd.add_argument("--home", default=".cpo/prefect")
    up_cmd.add_argument("--port", type=int, default=0, help="0: a free port")
    up_cmd.add_argument("--database-url", default=None, help="Prefect's own database (PG)")
    up_cmd.add_argument("--store-url", default=None, help="the case store (CPO_DATABASE_URL)")
    up_cmd.add_argument("--notify-config", default=None, help="apprise config (CPO_NOTIFY_CONFIG)")
    up_cmd.add_argument("--pool-limit", type=int, default=0)
    up_cmd.add_argument("--workers", type=int, default=1)
    up_cmd.add_argument("--auth-file", default=".cpo/prefect-auth", help="made once, mode 0600")
    up_cmd.set_defaults(run=up)
    down_cmd = sub.add_parser("down", help="stop the workers and server started by up")
    down_cmd.add_argument("--home", default=".cpo/prefect")
    down_cmd.set_defaults(run=down)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
