"""The fault soak: a simulated month of the demo caseload on loopback, with faults.

    .venv/bin/python -m scripts.soak                 # make soak: 30 days, 20+ worker kills
    .venv/bin/python -m scripts.soak --days 3 --kills 3 --server-restarts 1   # short

Everything runs on 127.0.0.1 and stops by itself: a throwaway PostgreSQL server holds the
case store, a Prefect server (SQLite) and process worker run the flows, an SMTP server
receives every notice. Virtual time: the clock ticks twice a day of the month (08:30 and
14:30, Europe/London) and an admin records visits each day through the CLI's own code.

Faults, spread over the month:

- the worker (and the case runs it started) killed mid-wake, ``--kills`` times: the case
  runs hold a moment after writing their outbox (``CPO_FAULT_HOLD_WAKE_SECONDS``) so a
  kill lands while a wake is in flight; a new worker is started at once;
- the Prefect server stopped and started again, ``--server-restarts`` times;
- the store's PostgreSQL restarted during a tick, ``--pg-restarts`` times (the tick that
  fails is run again, as the clock's next run would);
- SMTP down for one whole day (``--smtp-down-day``).

Then the month is settled (ticks until every run sleeps and the outbox is empty) and
checked: no event lost or recorded twice, no notice received twice, every notice due
delivered. Prints the figures; exit 1 if any check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
TICKS = ((8, 30), (14, 30))  # each day's clock ticks, Europe/London
HOLD_SECONDS = "1.5"  # a wake holds this long after writing its outbox: kills land mid-wake
MAILBOX = "cpo-soak@example.org"


@dataclass(frozen=True)
class Settings:
    days: int = 30
    kills: int = 20
    server_restarts: int = 2
    pg_restarts: int = 1
    smtp_down_day: int = 10
    visits_per_day: int = 2
    seed: int = 1
    folder: Path | None = None  # default: a temporary folder, removed at the end


@dataclass
class Report:
    ticks: int = 0
    ticks_failed: int = 0  # ticks a fault broke, run again
    kills: int = 0
    kills_mid_wake: int = 0  # kills with at least one case run RUNNING
    server_restarts: int = 0
    pg_restarts: int = 0
    smtp_down_ticks: int = 0
    steps_recorded: int = 0
    step_attempts: int = 0
    events_expected: int = 0
    events_found: int = 0
    events_lost: int = 0
    events_doubled: int = 0
    notices_queued: int = 0
    notices_delivered: int = 0
    notices_withdrawn: int = 0  # queued, then no longer owed before they went (late entries)
    digests_delivered: int = 0
    notices_due_missing: int = 0  # due as of the month's end, and never queued
    undelivered: int = 0  # outbox or digest rows not delivered at the end
    mails: int = 0
    mails_duplicated: int = 0
    delivery_failures: int = 0  # attempts that failed (SMTP down), retried later
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not (
            self.events_lost
            or self.events_doubled
            or self.mails_duplicated
            or self.undelivered
            or self.notices_due_missing
            or self.problems
        )


def say(text: str) -> None:
    print(f"soak: {text}", flush=True)


def moment(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def notify_config(folder: Path, port: int) -> Path:
    """Every role of every team to one mailbox on the local SMTP server: each notice is one
    mail, so a mail received twice is a notice sent twice."""
    from domain.dispatch import RecipientRole

    roles = ", ".join(role.value for role in RecipientRole)
    path = folder / "notify.yaml"
    path.write_text(
        f"urls:\n  - mailto://127.0.0.1:{port}?from=cpo@example.org&to={MAILBOX}:\n"
        f"    - tag: {roles}\n"
    )
    return path


class Month:
    """The stack, the store and the faults of one soak."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.settings = settings
        self.folder = folder
        self.report = Report()
        self.rng = random.Random(settings.seed)
        self.recorded: dict[str, int] = {}  # case -> events recorded on it by this soak

    # -- the parts -------------------------------------------------------------------------

    def start(self) -> None:
        from cli.prefect_auth import ensure_secret
        from scripts.pg_server import start_server
        from scripts.prefect_stack import Stack, acting_on, free_port, stack_env
        from scripts.smtp_receiver import SmtpReceiver

        say("starting PostgreSQL (the store), SMTP and a Prefect server and worker ...")
        self.pg = start_server(durable=True)
        self.store_url = self.pg.create_database("cpo_soak")
        self.smtp = SmtpReceiver()
        self.smtp.start()
        port = free_port()
        # No heartbeats: the soak's worker kills are healed by the clock's sweep, as it was
        # written to show; the lost-run check (flows/lost_runs.py) is the failover test's.
        env = stack_env(
            self.folder / "prefect", port, scheduler=False, worker_poll_seconds=1.0,
            auth=ensure_secret(self.folder / "prefect-auth"), heartbeats=False,
        )  # fmt: skip
        env["CPO_DATABASE_URL"] = self.store_url
        env["CPO_NOTIFY_CONFIG"] = str(notify_config(self.folder, self.smtp.port))
        # This process is the admin and the clock, of this stack only (a test session may
        # have pointed Prefect's settings and the store's repository elsewhere before).
        self.acting = acting_on(env)
        self.acting.__enter__()
        from domain.store import Database, upgrade

        database = Database.from_url(self.store_url)
        upgrade(database, simulation=True)  # virtual days
        database.dispose()
        self.stack = Stack(self.folder / "prefect", port, env)
        self.stack.start_server(timeout=180)
        self.stack.create_pool()
        self.stack.deploy()
        self.start_worker()

    def start_worker(self) -> None:
        self.stack.start_worker(CPO_FAULT_HOLD_WAKE_SECONDS=HOLD_SECONDS)

    def stop(self) -> None:
        parts = [
            getattr(self, name).stop for name in ("stack", "smtp", "pg") if hasattr(self, name)
        ]
        if hasattr(self, "acting"):
            parts.append(lambda: self.acting.__exit__(None, None, None))
        for part in parts:
            with contextlib.suppress(Exception):
                part()

    @property
    def store(self) -> Any:
        from tasks.store import repository

        return repository()

    # -- the caseload ----------------------------------------------------------------------

    def load(self, today: date) -> list[str]:
        from domain.demo import demo_caseload, demo_facts
        from domain.store import Source
        from tasks.run_control import start_case_run

        now = moment(today, 18, 0)
        cases = demo_caseload(today)
        self.store.open_cases(
            cases, recorded_by="soak", source=Source.IMPORT, as_of=now, facts=demo_facts(cases)
        )
        self.imported = {c.reference: len(c.events) for c in cases}
        say(f"{len(cases)} demo cases imported; starting a run for each ...")
        for case in cases:
            start_case_run(case.reference, now, None)
        self.settle(now)
        return [c.reference for c in cases]

    def runs(self, states: list[str]) -> list[dict[str, Any]]:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import (
            FlowRunFilter,
            FlowRunFilterState,
            FlowRunFilterStateType,
            FlowRunFilterTags,
        )

        query = FlowRunFilter(
            tags=FlowRunFilterTags(all_=["case"]),
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=states)),
        )
        with get_client(sync_client=True) as client:
            return [
                {"id": run.id, "name": run.name}
                for run in client.read_flow_runs(flow_run_filter=query, limit=200)
            ]

    def settle(self, now: datetime, timeout: float = 600) -> None:
        """Until every case's run sleeps (or has ended with its plan): a run gone with a
        worker is healed as the clock heals it."""
        from prefect.client.orchestration import get_client

        from tasks.run_control import wake_case_run

        deadline = time.monotonic() + timeout
        references = list(self.imported)
        swept = time.monotonic()
        while time.monotonic() < deadline:
            if time.monotonic() - swept > 30:  # the clock's sweep: runs lost with a worker
                self.tick(now, stale_after_minutes=0.5)  # hold pool slots till replaced
                swept = time.monotonic()
            waiting = []
            with get_client(sync_client=True) as client:
                for reference in references:
                    summary = self.store.summary(reference)
                    run = client.read_flow_run(summary.flow_run_id) if summary.flow_run_id else None
                    state = run.state.type.value if run and run.state else "NONE"
                    if state in ("FAILED", "CRASHED", "CANCELLED", "NONE"):
                        wake_case_run(reference, now, summary.flow_run_id, now, timedelta(0))
                    if state not in ("PAUSED", "COMPLETED"):
                        waiting.append(reference)
            if not waiting:
                return
            time.sleep(2)
        self.report.problems.append(f"runs never settled: {waiting[:5]}")

    # -- a day -----------------------------------------------------------------------------

    def tick(
        self, at: datetime, pg_restart: bool = False, stale_after_minutes: float = 1.0
    ) -> None:
        """One clock tick; a tick a fault breaks is run again, as the next run would."""
        from flows.clock import clock

        for attempt in range(6):
            restarter = None
            if pg_restart and attempt == 0:
                restarter = threading.Timer(0.3, self.restart_pg)
                restarter.start()
            try:
                clock(as_of=at.isoformat(), stale_after_minutes=stale_after_minutes, overview=False)
                self.report.ticks += 1
                return
            except Exception as error:  # the fault the soak made: note it and run it again
                self.report.ticks_failed += 1
                say(f"tick {at:%d %b %H:%M} failed ({type(error).__name__}); again")
                time.sleep(2 + attempt * 2)
            finally:
                if restarter is not None:
                    restarter.join()
        self.report.problems.append(f"the tick at {at} never completed")

    def restart_pg(self) -> None:
        say("restarting the store's PostgreSQL mid-tick")
        self.pg.restart()
        self.report.pg_restarts += 1

    def restart_server(self) -> None:
        from scripts.prefect_stack import stop_group

        say("restarting the Prefect server")
        assert self.stack.server is not None
        stop_group(self.stack.server.pid)
        self.stack.server.wait(timeout=60)
        self.stack.start_server(timeout=180)
        self.report.server_restarts += 1

    def kill_mid_wake(self) -> bool:
        """Kill the worker and its runs as soon as a case run is mid-wake, and start another;
        False (and no kill) if no wake came within 20 s."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.runs(["RUNNING"]):
                for worker in list(self.stack.workers):
                    self.stack.kill_worker(worker)
                self.report.kills += 1
                self.report.kills_mid_wake += 1
                self.start_worker()
                return True
            time.sleep(0.2)
        return False

    def record_visits(self, day: date) -> None:
        """An admin records visits through ``cpo record``'s code, retrying until it lands."""
        from cli.record_cmds import record_and_wake
        from domain.events import VisitMade
        from domain.state import fold

        open_cases = [case.reference for case in self.store.list_cases(status="open")]
        for reference in self.rng.sample(
            open_cases, min(self.settings.visits_per_day, len(open_cases))
        ):
            state = fold(self.store.load(reference)[0])
            children = tuple(
                sorted(c for c, record in state.children.items() if record.plan_end is None)
            )
            if not children or state.lead_professional is None:
                continue
            visit = VisitMade(
                on=day, visitor=state.lead_professional, children_seen=children,
                seen_alone=children,
            )  # fmt: skip
            for attempt in range(10):
                self.report.step_attempts += 1
                try:
                    said = record_and_wake(reference, visit, "soak-admin", moment(day, 11, 0))
                except Exception as error:
                    say(f"recording a visit on {reference} failed ({type(error).__name__}); again")
                    time.sleep(1 + attempt)
                    continue
                if "already recorded" not in said:
                    self.recorded[reference] = self.recorded.get(reference, 0) + 1
                    self.report.steps_recorded += 1
                break

    # -- the month -------------------------------------------------------------------------

    def run(self, first: date) -> None:
        s = self.settings
        days = [first + timedelta(days=n) for n in range(s.days)]
        slots = [(d, hour, minute) for d in days for hour, minute in TICKS]
        kill_at = self.spread(len(slots), s.kills)
        restart_at = set(self.spread(len(slots), s.server_restarts, offset=0.5))
        pg_at = set(self.spread(len(slots), s.pg_restarts, offset=0.25))
        down_day = days[min(s.smtp_down_day, len(days) - 1)] if s.smtp_down_day >= 0 else None
        for index, (day, hour, minute) in enumerate(slots):
            at = moment(day, hour, minute)
            if hour == TICKS[0][0]:
                if day == down_day:
                    say(f"SMTP down for {day:%d %b}")
                    self.smtp.stop()
                self.record_visits(day)
            self.tick(at, pg_restart=index in pg_at)
            if day == down_day:
                self.report.smtp_down_ticks += 1
            if self.report.kills < sum(k <= index for k in kill_at):  # one due, or overdue
                self.kill_mid_wake()
            if index in restart_at:
                self.restart_server()
            if day == down_day and (hour, minute) == TICKS[-1]:
                say("SMTP up again")
                self.smtp.start()
            say(f"{at:%a %d %b %H:%M}: {self.report.kills} kills, {len(self.smtp.mails)} mails")
        end = moment(days[-1] + timedelta(days=1), 9, 0)
        for _ in range(4):  # the month settles: every run asleep, the outbox empty
            self.tick(end)
            self.settle(end)
            if not self.pending():
                break
        self.end = end

    def spread(self, slots: int, count: int, offset: float = 0.0) -> list[int]:
        """``count`` slots of ``slots``, spread evenly (the first and last days spared)."""
        if count <= 0:
            return []
        usable = max(1, slots - 4)
        return [2 + int((n + offset) * usable / count) % usable for n in range(count)]

    def pending(self) -> int:
        from sqlalchemy import func, select

        from domain.store.tables import DigestRow, OutboxRow, OutboxStatus

        with self.store.database.reading() as session:
            return sum(
                int(session.scalar(select(func.count()).select_from(table).where(
                    table.status != OutboxStatus.DELIVERED)) or 0)
                for table in (OutboxRow, DigestRow)
            )  # fmt: skip

    # -- the checks ------------------------------------------------------------------------

    def check(self) -> None:
        from sqlalchemy import func, select

        from domain.store.tables import CaseRow, DigestRow, EventRow, OutboxRow, OutboxStatus

        report, store = self.report, self.store
        with store.database.reading() as session:
            events = dict(session.execute(
                select(CaseRow.reference, func.count(EventRow.id))
                .join(EventRow, EventRow.case_id == CaseRow.id).group_by(CaseRow.reference)
            ).all())  # fmt: skip
            keys = session.execute(
                select(EventRow.request_key, func.count()).where(EventRow.request_key.is_not(None))
                .group_by(EventRow.request_key).having(func.count() > 1)
            ).all()  # fmt: skip
            outbox = session.execute(select(OutboxRow.idempotency_key, OutboxRow.status,
                                            OutboxRow.attempts)).all()  # fmt: skip
            digests = session.execute(select(DigestRow.status, DigestRow.attempts)).all()
        for reference, imported in self.imported.items():
            expected = imported + self.recorded.get(reference, 0)
            found = int(events.get(reference, 0))
            report.events_expected += expected
            report.events_found += found
            report.events_lost += max(0, expected - found)
            report.events_doubled += max(0, found - expected)
        report.events_doubled += len(keys)
        report.notices_queued = len(outbox)
        report.notices_delivered = sum(row.status == OutboxStatus.DELIVERED for row in outbox)
        report.digests_delivered = sum(row.status == OutboxStatus.DELIVERED for row in digests)
        report.notices_withdrawn = sum(row.status == OutboxStatus.WITHDRAWN for row in outbox)
        report.undelivered = (
            report.notices_queued - report.notices_delivered - report.notices_withdrawn
        ) + sum(row.status != OutboxStatus.DELIVERED for row in digests)
        report.delivery_failures = sum(max(0, row.attempts - 1) for row in [*outbox, *digests])
        queued = {row.idempotency_key for row in outbox}
        for reference in self.imported:
            due = store.case_view(reference, self.end).dispatches
            report.notices_due_missing += sum(d.idempotency_key not in queued for d in due)
        mails = Counter(
            (mail.subject, b"".join(mail.parts("text/plain"))) for mail in self.smtp.mails
        )
        report.mails = sum(mails.values())
        report.mails_duplicated = sum(count - 1 for count in mails.values() if count > 1)
        if report.mails < report.notices_delivered + report.digests_delivered:
            report.problems.append(
                f"{report.mails} mails received for {report.notices_delivered} notices and "
                f"{report.digests_delivered} digests delivered"
            )
        if report.kills_mid_wake < self.settings.kills:
            report.problems.append(
                f"only {report.kills_mid_wake} of {self.settings.kills} kills found a wake in flight"
            )


def run(settings: Settings) -> Report:
    """The whole soak; the folder and every process it started are gone at the end."""
    started = time.monotonic()
    own = settings.folder is None
    folder = settings.folder or Path(tempfile.mkdtemp(prefix="cpo-soak-"))
    month = Month(settings, folder)
    try:
        month.start()
        first = datetime.now(LONDON).date() + timedelta(days=1)
        month.load(first - timedelta(days=1))
        month.run(first)
        month.check()
    finally:
        month.stop()
        if own:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    month.report.seconds = time.monotonic() - started
    return month.report


def main() -> None:
    parser = argparse.ArgumentParser(prog="soak", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--server-restarts", type=int, default=2)
    parser.add_argument("--pg-restarts", type=int, default=1)
    parser.add_argument("--smtp-down-day", type=int, default=10, help="-1: never")
    parser.add_argument("--visits-per-day", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    args = parser.parse_args()
    # Stopped from outside (Ctrl-C, kill): stop every process it started, remove its folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    settings = Settings(
        days=args.days, kills=args.kills, server_restarts=args.server_restarts,
        pg_restarts=args.pg_restarts, smtp_down_day=args.smtp_down_day,
        visits_per_day=args.visits_per_day, seed=args.seed,
    )  # fmt: skip
    report = run(settings)
    figures = {k: v for k, v in vars(report).items()}
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(
                f"  {name:22} {value:.0f}" if isinstance(value, float) else f"  {name:22} {value}"
            )
        print("PASSED" if report.passed else "FAILED")
    sys.exit(0 if report.passed else 1)


if __name__ == "__main__":
    main()
