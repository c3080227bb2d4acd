"""``make run`` / ``make stop``: the whole system on its embedded default, with a demo caseload.

up: a fresh store (SQLite) and Prefect home under ``.cpo/``, a local Prefect server (SQLite)
and process worker, every deployment, a local inbox that receives the notices, about 40
demo cases at every stage (one flow run each), and one clock tick. It prints the UI's
address and what to look at. Running it again stops the previous demo and starts afresh.

down: stops every process ``up`` started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOME = REPO / ".cpo"
PREFECT_HOME = HOME / "prefect"
STORE = HOME / "cases.sqlite3"
INBOX = HOME / "inbox.jsonl"
REPORTS = HOME / "reports"
NOTIFY_CONFIG = HOME / "notify.yaml"
AUTH_FILE = HOME / "prefect-auth"  # the services' credential: made once, mode 0600, kept
OIDC = HOME / "oidc"  # the demo identity provider's keys and users' passwords: kept too
KEPT = {AUTH_FILE, OIDC}
UI_PORT = 4200
SETTLED = {"PAUSED", "COMPLETED"}  # suspended runs report the PAUSED state type
GONE = {"FAILED", "CRASHED", "CANCELLED"}


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def start_inbox(port: int) -> None:
    from scripts.prefect_stack import private_log

    log = private_log(HOME / "inbox.log")
    inbox = subprocess.Popen(
        [sys.executable, "-m", "scripts.inbox", "--port", str(port), "--out", str(INBOX)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        umask=0o077,  # the inbox holds the demo's notices
    )
    (HOME / "inbox.pid").write_text(str(inbox.pid))


def write_notify_config(port: int) -> None:
    """Every role of every team to the local inbox: a newcomer sees each notice arrive."""
    from domain.dispatch import RecipientRole

    tags = ", ".join(role.value for role in RecipientRole)
    NOTIFY_CONFIG.touch(mode=0o600)  # a real config holds passwords and webhook secrets
    NOTIFY_CONFIG.write_text(f"urls:\n  - json://127.0.0.1:{port}/notices:\n    - tag: {tags}\n")


def install_alarm(inbox_port: int) -> None:
    """The clock's dead-man switch (flows/alarm.py), its alarms to the local inbox too."""
    import asyncio

    from flows.alarm import install_alarm, save_webhook_blocks
    from flows.lost_runs import install_lost_runs

    async def install() -> None:
        from prefect.client.orchestration import get_client

        from notifications.settings import ui_url

        await save_webhook_blocks(f"http://127.0.0.1:{inbox_port}/alarms")
        async with get_client() as client:
            await install_alarm(client, ui_url())
            await install_lost_runs(client)

    say("installing the clock's dead-man switch (an alarm if no tick completes in 30 min) "
        "and the lost-run check ...")  # fmt: skip
    asyncio.run(install())


def start_identity_provider(port: int, ui: str) -> dict[str, str]:
    """The demo's OpenID Connect provider (scripts/identity_provider.py); the server's
    sign-in settings for it."""
    from scripts.identity_provider import sign_in_env, start

    provider = start(OIDC, port, ui, HOME / "identity-provider.log")
    (HOME / "identity-provider.pid").write_text(str(provider.pid))
    return sign_in_env(OIDC, port, ui)


def environment(port: int) -> dict[str, str]:
    from cli.prefect_auth import ensure_secret
    from scripts.prefect_stack import stack_env

    env = stack_env(PREFECT_HOME, port, auth=ensure_secret(AUTH_FILE))
    env.update(
        CPO_DATABASE_URL=f"sqlite:///{STORE}",
        CPO_NOTIFY_CONFIG=str(NOTIFY_CONFIG),
        CPO_REPORTS_DIR=str(REPORTS),
    )
    env["CPO_UI_URL"] = f"http://127.0.0.1:{port}"  # links in notices and pages
    return env


def load_caseload(now: datetime) -> tuple[list[str], list[str]]:
    """Import the demo cases; the ended ones without their last event, recorded later."""
    from domain.demo import demo_caseload, demo_facts
    from domain.store import CaseRepository, Database, Source, upgrade

    database = Database.from_url(f"sqlite:///{STORE}")
    upgrade(database)
    repository = CaseRepository(database)
    cases = demo_caseload(now.date())
    ended = [
        c.reference for c in cases if c.events[-1].type == "conference_held" and len(c.events) > 1
    ]
    imported = [
        c.model_copy(update={"events": c.events[:-1]}) if c.reference in ended else c for c in cases
    ]
    repository.open_cases(
        imported, recorded_by="demo", source=Source.IMPORT, as_of=now, facts=demo_facts(cases)
    )
    database.dispose()
    return [c.reference for c in cases], ended


def long_running_case(now: datetime, ended: list[str]) -> tuple[str, datetime]:
    """The open demo case opened longest ago, and its opening day's morning: its run is
    created as if the system had started it then (expected start weeks ago), as a case
    carried over from before a deployment is, so the demo shows a case the Runs pages'
    default 7-day window misses and the views and links the README gives find."""
    from domain.demo import demo_caseload
    from flows.clock_source import LONDON

    cases = [c for c in demo_caseload(now.date()) if c.reference not in ended]
    opened = min(cases, key=lambda c: c.events[0].on)
    first = opened.events[0].on
    return opened.reference, datetime(first.year, first.month, first.day, 9, tzinfo=LONDON)


def start_runs(references: list[str], now: datetime, ended: list[str]) -> str:
    from tasks.run_control import start_case_run

    old, opened = long_running_case(now, ended)
    for reference in references:
        start_case_run(reference, now, None, scheduled_time=opened if reference == old else None)
    return old


def install_views() -> None:
    """The saved views of the case runs (flows/views.py) in the old UI."""
    import asyncio

    from flows.views import install_views as save
    from tasks.store import repository

    async def install() -> None:
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            await save(client, repository().open_teams())

    asyncio.run(install())


def wait_settled(references: list[str], now: datetime, timeout: float = 600) -> dict[str, str]:
    """Wait until every case run is suspended or completed, reading them a page of the API's
    200 at a time. A run the SQLite server lost (a 503 "database is locked" while the worker
    submitted it) is started again, as the clock heals a case that falls due."""
    from prefect.client.orchestration import get_client

    from tasks.run_control import wake_case_run
    from tasks.run_pages import runs_by_id
    from tasks.store import repository

    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            current = {ref: repository().summary(ref).flow_run_id for ref in references}
            runs = runs_by_id(client, [run_id for run_id in current.values() if run_id])
            for reference, run_id in current.items():
                run = runs.get(run_id or "")
                states[reference] = run.state.type.value if run and run.state else "NONE"
                if states[reference] in GONE:
                    wake_case_run(reference, now, run_id, now, timedelta(minutes=30))
            if all(state in SETTLED for state in states.values()):
                break
            time.sleep(2)
    return states


def end_plans(ended: list[str], now: datetime) -> None:
    """Record each ended plan's final review through the same code as the manual step."""
    from cli.record_cmds import record_and_wake
    from domain.demo import demo_caseload

    finals = {c.reference: c.events[-1] for c in demo_caseload(now.date()) if c.reference in ended}
    for reference, conference in finals.items():
        record_and_wake(reference, conference, "demo", now)


def start_afresh() -> None:
    """Everything under .cpo/ goes but the secrets: the demo users' passwords stay valid."""
    HOME.mkdir(parents=True, mode=0o700, exist_ok=True)  # the store, configs: the owner's only
    HOME.chmod(0o700)
    for path in HOME.iterdir():
        if path in KEPT:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()


def up(_args: argparse.Namespace) -> None:
    os.umask(0o077)  # everything the demo writes is its owner's only: the store, configs, logs
    down(_args, quiet=True)
    start_afresh()
    ui_port = UI_PORT if port_free(UI_PORT) else 0
    from scripts.prefect_stack import Stack, free_port

    port = ui_port or free_port()
    inbox_port = free_port()
    start_inbox(inbox_port)
    write_notify_config(inbox_port)
    env = environment(port)
    say("starting the demo's identity provider on 127.0.0.1 (one user per role) ...")
    env.update(start_identity_provider(free_port(), f"http://127.0.0.1:{port}"))
    os.environ.update(env)  # this process deploys, imports and ticks as the services do
    stack = Stack(PREFECT_HOME, port, env)
    say(f"starting a Prefect server on 127.0.0.1:{port} (SQLite) ...")
    stack.start_server(timeout=180)
    say("creating the work pool and deploying every flow ...")
    stack.create_pool()
    stack.deploy()
    install_alarm(inbox_port)
    stack.start_worker()
    from flows.clock_source import now_london

    now = now_london()
    say("loading the demo caseload ...")
    references, ended = load_caseload(now)
    say(f"starting {len(references)} case runs (one per case) ...")
    old = start_runs(references, now, ended)
    install_views()
    states = wait_settled(references, now)
    say(f"recording {len(ended)} review conferences that end their plans ...")
    end_plans(ended, now)
    say("one clock tick ...")
    stack.prefect("deployment", "run", "clock/clock", "--param", f"as_of={now.isoformat()}")
    states = wait_settled(references, now)
    summary(port, states, ended, old)


def summary(port: int, states: dict[str, str], ended: list[str], old: str) -> None:
    from notifications.settings import case_link, case_link_v2, view_link, view_link_v2

    suspended = sum(s == "PAUSED" for s in states.values())
    completed = sum(s == "COMPLETED" for s in states.values())
    print(f"""
The system is running.

  Prefect UI      http://127.0.0.1:{port}
  Sign in         through the demo's identity provider (the UI sends you there):
{sign_in_table()}
                  Sign out at http://127.0.0.1:{port}/auth/sign-out
  Case runs       {suspended} suspended (waiting for their next deadline), {completed} completed
  Notices sent    {INBOX} (every notice the managers would get, one JSON line each)
  The store       {STORE}  (CPO_DATABASE_URL=sqlite:///{STORE})

What to look at:
  - Open cases, whatever their start (the Runs page's default "past 7 days" misses a case
    opened earlier, such as {old}, whose run the demo started on its opening day):
      Prefect's new UI  {view_link_v2("open-case")}
      the old UI        {view_link("open-case")} (and its saved searches: "Open cases",
                        "Overdue cases", "<team>: overdue cases"...)
    One case: {case_link_v2(old)}
              {case_link(old)}
  - Runs: one run per case, named CP-DEMO-nnn, tagged team:... and profile:..., its state
    named for its drift (Overdue · TM, Due this week, On track...)
    Open one: its Artifacts tab has the case timeline and its obligations (due, overdue,
    met, by whom, and the escalation rung each has reached).
  - Runs of 'clock': the caseload overview artifact, overdue obligations by team and rung.
  - Deployments: the manual steps (record-core-group, record-visit, end-plan...). "Run" opens
    a typed form; the case's run wakes and acts on it.
  - Completed runs: {", ".join(ended)} (plans ended by their review conference).
  - Automations: the clock's dead-man switch alarms the head of service and operations
    (blocks cpo-alarm-*, here the inbox) if no clock run completes in 30 minutes.
  - Deployments: 'reports' writes the monthly timeliness report (HTML with its charts) into
    {REPORTS}; its run's artifact says where the file is.
  - The command line: export CPO_DATABASE_URL=sqlite:///{STORE} PREFECT_API_URL=http://127.0.0.1:{port}/api
    CPO_PREFECT_AUTH_FILE={AUTH_FILE}
    then .venv/bin/cpo cases, .venv/bin/cpo overdue, .venv/bin/cpo case CP-DEMO-003,
    .venv/bin/cpo returns cin-census --year 2026-27 --provisional --la-code 201 --out census.xml

Stop everything with: make stop
""")


def sign_in_table() -> str:
    """Each demo user: login, password, role and the id recorded for them."""
    from scripts.identity_provider import DEMO_USERS, passwords

    known = passwords(OIDC)
    return "\n".join(
        f"                  {u.login:<9} password {known[u.login]:<14} {u.roles:<9} (id {u.staff_id})"
        for u in DEMO_USERS
    )


def down(_args: argparse.Namespace, quiet: bool = False) -> None:
    from scripts.prefect_stack import pid_files, stop_group

    pids = [*pid_files(PREFECT_HOME), HOME / "inbox.pid", HOME / "identity-provider.pid"]
    for pid_file in pids:
        if pid_file.exists():
            stop_group(int(pid_file.read_text()))
            pid_file.unlink()
    if not quiet:
        say("stopped")


def main() -> None:
    parser = argparse.ArgumentParser(prog="demo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up").set_defaults(run=up)
    sub.add_parser("down").set_defaults(run=down)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
