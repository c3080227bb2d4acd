"""What an admin and the clock do to a running system, and what the tests observe of it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment

from domain.dispatch import RecipientRole
from domain.events import (
    Attendance,
    Child,
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    CoreGroupHeld,
    EpisodeClosure,
    Member,
    MemberRole,
    MinutesCirculated,
    Outcome,
)
from domain.store import CaseRepository

CHILD_NAME = "Alex Example"  # must never leave the store (R-G1)
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}

MEMBERS = (
    Member(id="sw", role=MemberRole.LEAD_PROFESSIONAL, agency="Children's social care"),
    Member(id="tm", role=MemberRole.TEAM_MANAGER, agency="Children's social care"),
    Member(id="hv", role=MemberRole.PROFESSIONAL, agency="Health visiting"),
    Member(id="sch1", role=MemberRole.PROFESSIONAL, agency="Education"),
    Member(id="par1", role=MemberRole.PARENT),
)


def icpc(on: date, first_cg_on: date) -> ConferenceHeld:
    return ConferenceHeld(
        on=on,
        kind=ConferenceKind.INITIAL,
        decision=ConferenceDecision.PLAN,
        children=(Child(id="c1", category="NEG", name=CHILD_NAME),),
        outcomes=(Outcome(id="o1", text="The child is safe at home"),),
        lead_professional="sw",
        team_manager="tm",
        chair="ch-1",
        members=MEMBERS,
        first_cg_on=first_cg_on,
        strategy_discussion_on=on - timedelta(days=14),
    )


def review(on: date, decision: ConferenceDecision, first_cg_on: date | None) -> ConferenceHeld:
    return ConferenceHeld(
        on=on,
        kind=ConferenceKind.REVIEW,
        decision=decision,
        chair="ch-1",
        first_cg_on=first_cg_on,
        # A review that ends the plan says what becomes of the episode (CIN ReasonForClosure).
        closure=EpisodeClosure.CIN_CONTINUES if decision is ConferenceDecision.END else None,
    )


def core_group(meeting: str, on: date, next_dates: tuple[date, ...] = ()) -> CoreGroupHeld:
    return CoreGroupHeld(
        on=on,
        meeting=meeting,
        chair="sw",
        minute_taker="hv",
        attendance=Attendance(present=("sw", "hv", "sch1")),
        next_dates=next_dates,
    )


def minutes(meeting: str, on: date) -> MinutesCirculated:
    return MinutesCirculated(on=on, meeting=meeting)


def wait_until(
    predicate: Callable[[], Any], timeout: float = 90.0, every: float = 0.25, what: str = ""
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"not within {timeout:.0f} s: {what}")


class Webhook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.server.received.append(json.loads(self.rfile.read(length) or b"{}"))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def start_webhook() -> tuple[ThreadingHTTPServer, Callable[[], None]]:
    """A JSON webhook on 127.0.0.1; ``server.received`` is every body posted to it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join()

    return server, stop


def write_notify_config(folder: Path, webhook: ThreadingHTTPServer) -> Path:
    """An apprise configuration routing every role (notifications/routing.py) to the webhook."""
    path = folder / "apprise.yml"
    roles = ", ".join(role.value for role in RecipientRole)
    port = webhook.server_address[1]
    path.write_text(f"urls:\n  - json://127.0.0.1:{port}/:\n    - tag: {roles}\n")
    return path


def run_step(
    deployment: str, parameters: dict[str, Any], now: str | None = None, timeout: float = 180
) -> FlowRun:
    """A manual step as an admin runs it from the UI: its deployment, waited for. ``now``
    (ISO) runs it on that day of a case's story (virtual time, ``CPO_NOW``)."""
    variables = {"env": {"CPO_NOW": now}} if now else None
    run = run_deployment(
        deployment,
        parameters=parameters,
        timeout=timeout,
        as_subflow=False,
        job_variables=variables,
    )
    assert isinstance(run, FlowRun)
    return run


def read_run(flow_run_id: str | UUID) -> FlowRun:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(str(flow_run_id)))


def state_name(run: FlowRun) -> str:
    """A run's state's name, "Suspended" for any suspended one: a case run's suspended state
    is named for its drift ("Overdue · TM", "On track"...; services/run_labels.py)."""
    if run.state is None:
        return ""
    return "Suspended" if run.state.type.value == "PAUSED" else (run.state.name or "")


def state_of(flow_run_id: str | UUID) -> str:
    return state_name(read_run(flow_run_id))


def case_run_id(store: CaseRepository, reference: str) -> str | None:
    found = [c for c in store.list_cases() if c.reference == reference]
    return found[0].flow_run_id if found else None


def wait_for_state(
    store: CaseRepository, reference: str, names: set[str], timeout: float = 120
) -> FlowRun:
    """Wait until the case's current run (as the store records it) is in one of ``names``."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        run_id = case_run_id(store, reference)
        if run_id:
            run = read_run(run_id)
            last = state_name(run)
            if last in names:
                return run
        time.sleep(0.3)
    raise TimeoutError(f"{reference}: run still {last!r}, wanted {sorted(names)}")


def outbox_keys(store: CaseRepository, reference: str) -> list[str]:
    return [entry.idempotency_key for entry in store.outbox_of(reference)]


def artifact_keys() -> set[str]:
    with get_client(sync_client=True) as client:
        return {a.key for a in client.read_artifacts() if a.key}
