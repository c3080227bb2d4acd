"""A throwaway PostgreSQL server for tests and the benchmark, started from the machine's binaries.

initdb into a fresh temporary folder, listen on 127.0.0.1 only (on a free port) with the
unix socket in that folder too, stop and delete it afterwards. initdb refuses to run as
root, so as root the binaries run as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

SUPERUSER = "postgres"
# The store's two roles, as an authority runs it (domain/store/roles.py): the owner migrates,
# the application may only read, add and deliver.
STORE_OWNER = "cpo_owner"
STORE_APP = "cpo_app"
FAST_AND_UNSAFE = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def find_bindir() -> Path:
    """The newest installed PostgreSQL's binaries (Debian layout, else ``pg_config``)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip())
        if (bindir / "initdb").exists():
            return bindir
    raise RuntimeError("PostgreSQL server binaries not found (install postgresql-15)")


def _as_owner() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        subprocess.run(["id", "-u", SUPERUSER], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SUPERUSER],
            check=True,
        )
    return ["runuser", "-u", SUPERUSER, "--"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class StoreUrls:
    owner: str  # migrates: cpo db upgrade --app-role cpo_app
    app: str  # what the workers, the clock and cpo connect as


@dataclass
class PostgresServer:
    bindir: Path
    folder: Path
    port: int
    durable: bool = False  # tests trade durability for speed; the benchmark keeps it

    @property
    def datadir(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*_as_owner(), *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER,
            "--auth=trust", "--encoding=UTF8", "--no-sync", "--locale=C",
        )  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        if not self.durable:
            options += f" {FAST_AND_UNSAFE}"
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l",
            str(self.folder / "server.log"), "-o", options, "-w", "start",
        )  # fmt: skip

    def restart(self) -> None:
        """Stop the server (fast: open connections are cut) and start it again on its data
        and port, as an upgrade or a failover would."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        if not self.durable:
            options += f" {FAST_AND_UNSAFE}"
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l",
            str(self.folder / "server.log"), "-o", options, "-m", "fast", "-w", "restart",
        )  # fmt: skip

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def admin(self, sql: str) -> None:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def create_store(self, name: str, template: str | None = None) -> StoreUrls:
        """A database for the case store, owned by ``STORE_OWNER`` (who migrates it), and the
        URLs its owner and its application role connect with."""
        self.admin(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{STORE_OWNER}')"
            f" THEN CREATE ROLE {STORE_OWNER} LOGIN; CREATE ROLE {STORE_APP} LOGIN; END IF; "
            "END $$"
        )
        copy = f' TEMPLATE "{template}"' if template else ""
        self.admin(f'CREATE DATABASE "{name}" OWNER {STORE_OWNER}{copy}')
        return StoreUrls(self.url(name, STORE_OWNER), self.url(name, STORE_APP))

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(durable: bool = False) -> PostgresServer:
    folder = Path(tempfile.mkdtemp(prefix="cpo-pg-"))
    if os.geteuid() == 0:
        _as_owner()  # make sure the user exists before handing it the folder
        shutil.chown(folder, user=SUPERUSER, group=None)
    server = PostgresServer(find_bindir(), folder, free_port(), durable)
    try:
        server.start()
    except BaseException:
        log = folder / "server.log"
        if log.exists():
            print(log.read_text(errors="replace"))
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return server
