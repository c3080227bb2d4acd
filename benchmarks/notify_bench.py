"""1,000 notices from the outbox to a local SMTP server: one batch vs one by one.

Prints figures; not a timed test. Run: .venv/bin/python benchmarks/notify_bench.py

- batch: ``deliver_batch`` with one Notifier (one apprise object) for all rows;
- from the store: the same rows in a real SQLite outbox, through
  ``services.delivery.deliver_notices`` in batches of 100 (claim, send, record each row's outcome), as a wake delivers them;
- fresh, deferred TLS: a fresh apprise object per notice, sent one by one;
- fresh, as shipped: the same with apprise's email plugin untouched (it builds a TLS
  context per email; see notifications/smtp_tls.py).
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import apprise
from aiosmtpd.controller import Controller

from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung
from notifications.delivery import deliver_batch
from notifications.notifier import Notifier
from notifications.render import render
from notifications.smtp_tls import defer_email_tls_context, restore_email_tls_context

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
TEAMS = [f"team-{n}" for n in range(10)]


class Counter:
    """Counts messages arriving; lives in the SMTP server's own process."""

    def __init__(self, count: Synchronized[int]) -> None:
        self.shared = count

    @property
    def count(self) -> int:
        return int(self.shared.value)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.shared.get_lock():
            self.shared.value += len(envelope.rcpt_tos)
        return "250 OK"


def serve(port: int, count: Synchronized[int], stop: Event) -> None:
    """A local relay in its own process, as a real one would be: it must not share our GIL."""
    controller = Controller(
        Counter(count), hostname="127.0.0.1", port=port, server_hostname="localhost"
    )
    controller.start()
    stop.wait()
    controller.stop()


@dataclass(frozen=True)
class Row:
    """An outbox row as the queue hands it out."""

    id: int
    key: str
    dispatch: Dispatch
    attempts: int = 0
    delivered_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sent:
    """A delivery outcome as the queue's ``record`` takes it."""

    idempotency_key: str
    delivered: bool
    attempted_at: datetime
    error: str | None = None
    next_attempt_at: datetime | None = None
    delivered_to: tuple[str, ...] = ()


def wait_for(port: int, attempts: int = 100) -> None:
    for _ in range(attempts):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"SMTP server on port {port} did not start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(directory: Path, port: int) -> Path:
    lines = ["version: 1", "urls:"]
    for team in TEAMS:
        url = f"mailto://127.0.0.1:{port}?from=cpo@example.org&to=tm-{team}@example.org"
        lines += [f"  - {url}:", f"    - tag: team_manager:{team}"]
    path = directory / "notify.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def dispatches(count: int) -> list[Dispatch]:
    return [
        Dispatch(
            case_reference=f"CP-2025-{n % CASES:05d}",
            team=TEAMS[n % len(TEAMS)],
            profile="england",
            obligation=f"R-T5:cg-{n}",
            rule="R-T5",
            rung=Rung.ESCALATION_TM,
            template="escalation",
            title="Core group minutes circulated",
            subject=f"core group cg-{n}",
            owner_role="lead_professional",
            owner=f"m-lp{n}",
            due=date(2025, 3, 3),
            overdue_since=date(2025, 3, 4),
            fires_at=NOW,
            action="Circulate the minutes and updated plan to every member",
            recipients=(Recipient(role=RecipientRole.TEAM_MANAGER),),
        )
        for n in range(count)
    ]


def one_by_one(config: Path, notices: list[Dispatch]) -> None:
    """The naive way: a fresh apprise object, loading the configuration, per notice."""
    for dispatch in notices:
        notice = render(dispatch)
        sender = apprise.Apprise()
        sender.add(apprise.AppriseConfig(str(config)))
        if not sender.notify(
            body=notice.html, title=notice.title, tag=f"team_manager:{dispatch.team}"
        ):
            raise RuntimeError(f"{dispatch.idempotency_key} not delivered")


def timed(label: str, count: int, counter: Counter, run: Callable[[], None]) -> float:
    before = counter.count
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    arrived = counter.count - before
    print(
        f"{label:<34} {count:>5} notices {seconds:8.2f} s {count / seconds:8.1f} /s  arrived {arrived}"
    )
    return seconds


@contextmanager
def relay() -> Iterator[tuple[int, Counter]]:
    """A local SMTP relay in its own process, as a real one would be: it must not share our GIL."""
    port, stop = free_port(), multiprocessing.Event()
    counter = Counter(multiprocessing.Value("i", 0))
    server = multiprocessing.Process(target=serve, args=(port, counter.shared, stop), daemon=True)
    server.start()
    wait_for(port)
    try:
        yield port, counter
    finally:
        stop.set()
        server.join(timeout=5)


CASES = 10


def stored(directory: Path, notices: list[Dispatch]) -> Any:
    """A migrated SQLite store holding the notices' cases and the notices, all pending."""
    from domain.events import (
        Child,
        ConferenceDecision,
        ConferenceHeld,
        ConferenceKind,
        Member,
        Outcome,
    )
    from domain.history import CaseHistory
    from domain.store import CaseRepository, Database, upgrade

    database = Database.from_url(f"sqlite:///{directory / 'cases.sqlite3'}")
    upgrade(database, simulation=True)
    store = CaseRepository(database, clock=lambda: NOW)
    opened = date(2025, 1, 6)  # long enough ago that its meetings' invitations are stale
    conference = ConferenceHeld(
        on=opened,
        kind=ConferenceKind.INITIAL,
        decision=ConferenceDecision.PLAN,
        chair="ch-1",
        children=(Child(id="c1", category="NEG"),),
        outcomes=(Outcome(id="o1", text="Safe at home"),),
        first_cg_on=date(2025, 1, 17),
        lead_professional="lp",
        team_manager="tm",
        members=(Member(id="lp", role="lead_professional"), Member(id="tm", role="team_manager")),
    )
    histories = [
        CaseHistory(reference=reference, profile="england", team=team, events=(conference,))
        for reference, team in sorted({(d.case_reference, d.team) for d in notices})
    ]
    store.open_cases(histories, recorded_by="bench", source="import", as_of=NOW)
    own = store.outbox.claim(NOW, limit=100_000)  # the cases' own overdue rungs: not timed
    store.outbox.record([Sent(entry.key, True, NOW) for entry in own])
    if store.enqueue(notices) != len(notices):
        raise RuntimeError("store: not every notice enqueued")
    return store


def compare(config: Path, notices: list[Dispatch], counter: Counter, workers: int) -> None:
    rows = [Row(n, d.idempotency_key, d) for n, d in enumerate(notices)]

    def batch() -> None:
        results = deliver_batch(rows, Notifier.from_config(config), NOW, workers=workers)
        if not all(result.delivered for result in results):
            raise RuntimeError("batch: not every row delivered")

    def fresh() -> None:
        one_by_one(config, notices)

    from services.delivery import deliver_notices

    with tempfile.TemporaryDirectory() as directory:
        store = stored(Path(directory), notices)

        def from_store() -> None:
            notifier, delivered = Notifier.from_config(config), 0
            while batch_count := deliver_notices(store, NOW, limit=100, notifier=notifier):
                delivered += batch_count
            if delivered != len(notices):
                raise RuntimeError(f"store: {delivered} of {len(notices)} delivered")

        through_store = timed("from the store, claimed batches", len(rows), counter, from_store)
    fast = timed("batch, one apprise object", len(rows), counter, batch)
    defer_email_tls_context()
    deferred = timed("fresh apprise each, deferred TLS", len(notices), counter, fresh)
    restore_email_tls_context()
    shipped = timed("fresh apprise each, as shipped", len(notices), counter, fresh)
    print(f"ratio fresh(deferred TLS) / batch: {deferred / fast:6.1f}x")
    print(f"ratio fresh(as shipped)   / batch: {shipped / fast:6.1f}x")
    print(f"ratio store / batch:              {through_store / fast:6.1f}x")
    print(f"ratio fresh(deferred TLS) / store:{deferred / through_store:6.1f}x")
    target = "met" if through_store <= 10 else "MISSED"
    print(f"target <= 10 s for {len(rows)} from the store: {target} ({through_store:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    with relay() as (port, counter), tempfile.TemporaryDirectory() as directory:
        compare(
            write_config(Path(directory), port), dispatches(args.notices), counter, args.workers
        )


if __name__ == "__main__":
    main()
