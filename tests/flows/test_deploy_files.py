"""deploy/: the service units and the compose file start what the local stack starts, with
the settings that matter. (The end-to-end failover test runs the units' commands.)"""

from __future__ import annotations

from pathlib import Path

import yaml

from scripts.prefect_stack import POOL, WAKES_QUEUE, stack_env, worker_command
from scripts.service_units import REPO, commands, settings

SERVER_ONLY = {"CPO_SERVICE_AUTH_STRING", "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED",
               "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS", "PREFECT_SERVER_DATABASE_CONNECTION_URL",
               "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED",
               "PREFECT_SERVER_ANALYTICS_ENABLED"}  # fmt: skip
CLIENTS = {"PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "PREFECT_WORKER_QUERY_SECONDS",
           "PREFECT_WORKER_PREFETCH_SECONDS", "CPO_PROJECT_DIR", "CPO_DATABASE_URL",
           "CPO_NOTIFY_CONFIG"}  # fmt: skip
ENV = {"CPO_POOL_LIMIT": "8", "CPO_WAKES_LIMIT": "7"}


def test_the_env_files_name_every_setting_the_local_stack_gives_its_server_and_workers(
    tmp_path: Path,
) -> None:
    local = stack_env(tmp_path, 4200, database_url="postgresql+asyncpg://x/y", auth="cpo:x")
    assert set(local) | {"CPO_DATABASE_URL", "CPO_NOTIFY_CONFIG"} >= SERVER_ONLY | CLIENTS
    assert set(settings("server.env.example")) >= SERVER_ONLY
    worker = settings("worker.env.example")
    assert worker.keys() >= CLIENTS
    assert settings("server.env.example")["PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED"] == (
        "false"
    )
    assert worker["CPO_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert int(worker["CPO_WAKES_LIMIT"]) == int(worker["CPO_POOL_LIMIT"]) - 1


def test_the_units_run_the_checkouts_own_commands() -> None:
    [server] = commands("cpo-prefect-server.service", ENV)
    assert server.argv == [str(REPO / ".venv/bin/python"), "-m", "scripts.prefect_server",
                           "server", "start"]  # fmt: skip
    [worker] = commands("cpo-worker@.service", ENV, instance="2", host="db1")
    assert worker.argv[1:] == worker_command("db1-2")[1:]
    assert Path(worker.argv[0]).name == "prefect"
    setup = commands("cpo-setup.service", ENV)
    assert setup[2].argv[2:] == ["set-concurrency-limit", POOL, "8"]
    assert [c.may_fail for c in setup] == [False, False, False, True, False, False]
    assert any(WAKES_QUEUE in c.argv and "7" in c.argv for c in setup)


def test_the_compose_file_runs_the_same_server_setup_and_workers() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert services["server"]["command"] == ["python", "-m", "scripts.prefect_server", "server",
                                             "start"]  # fmt: skip
    assert services["worker"]["command"][1:] == worker_command("x")[1:-2]
    assert "prefect --no-prompt deploy --all" in services["setup"]["command"][-1]
    assert {"server.env"} == set(services["server"]["env_file"])
    assert {"worker.env"} == set(services["worker"]["env_file"])
