"""A simulated quarter of the demo caseload with a third of its events recorded late.

    .venv/bin/python -m scripts.late_quarter                 # 91 days from 2027-01-04
    .venv/bin/python -m scripts.late_quarter --days 20       # shorter (the suite's version)

The demo caseload (``domain/demo.py``), as it stands at the quarter's end, is played day by
day over the quarter on a simulation's store (SQLite, in a temporary folder): what happened
before the quarter is imported on its first day; every later event is recorded by an admin
at 13:00 on the day it happened, or, for about a third of them, 1 to 5 working days later,
as business support types up last week's meetings after today's visits (an entry that
follows one not yet recorded, the minutes of a meeting say, waits for it). The clock ticks
at 09:00 and 16:00 and every notice due is delivered at once to a JSON webhook on
127.0.0.1, as it is after each tick and each recording.

Then it checks, and prints the figures: no notice sent twice (each outbox row once, and the
webhook received exactly one post per row delivered); no rung sent after the entry that met
it was recorded (each rung sent is owed by the history as recorded at that moment); every
event recorded. Exit 1 if a check fails.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from domain.demo import demo_caseload
from domain.dispatch import Rung
from domain.errors import RejectedEvent
from domain.events import Event, event_from_dict
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.obligations import derive
from domain.profiles import calendar_for, load_profile
from domain.recording import LateReason
from domain.state import fold
from domain.store import CaseRepository, Database, OutboxStatus, Source, upgrade
from domain.store.tables import CaseRow, EventRow
from scripts.driver import start_webhook, write_notify_config

TICKS = (time(9), time(16))
RECORDING = time(13)


@dataclass(frozen=True)
class Entry:
    """One event of one case, and the day an admin records it."""

    reference: str
    event: Event
    recorded_on: date
    order: int  # its place in the case's story: same-day entries keep it

    @property
    def late(self) -> bool:
        return self.recorded_on > self.event.on


@dataclass
class Figures:
    events: int = 0
    late: int = 0
    imported: int = 0
    waited: int = 0  # entries that waited a day for what they follow
    unrecorded: list[str] = field(default_factory=list)
    delivered: int = 0
    withdrawn: Counter[str] = field(default_factory=Counter)
    posts: int = 0
    sent_then_met_late: int = 0  # rungs that went out before a late entry met them (owed then)
    sent_after_met: list[str] = field(default_factory=list)  # must stay empty


class Clock:
    """The simulation's now: what the store stamps as ``recorded_at``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def plan(start: date, end: date, share: float, seed: int) -> tuple[list[CaseHistory], list[Entry]]:
    """The demo caseload at ``end``: the part before ``start`` to import, and every later
    event with the day it is recorded (late for ``share`` of them, by 1 to 5 working days)."""
    rng = random.Random(seed)
    imported: list[CaseHistory] = []
    entries: list[Entry] = []
    for history in demo_caseload(end):
        calendar = calendar_for(load_profile(history.profile))
        # The story's order: the opening conference first, whatever its day (an enquiry's
        # assessment may come before it: domain.state.happened_order), then by day.
        dated = sorted(enumerate(history.events), key=lambda p: (p[0] != 0, p[1].on, p[0]))
        opened = history.events[0].on
        before = [e for _, e in dated if e.on < start and opened < start]
        if before:
            imported.append(history.model_copy(update={"events": tuple(before)}))
        for order, (_, event) in enumerate(dated):
            if event.on < start and opened < start:
                continue
            lag = rng.randint(1, 5) if rng.random() < share else 0
            day = calendar.add(event.on, lag) if lag else event.on
            # Nothing is recorded on a case before the conference that opens it.
            entries.append(Entry(history.reference, event, max(day, opened), order))
    return imported, entries


def record(store: CaseRepository, headers: dict[str, CaseHistory], entry: Entry,
           as_of: datetime) -> None:  # fmt: skip
    """An admin's entry: the case opened by its conference, or an event recorded on it."""
    from services.cases import open_case, record_event

    reason = LateReason.WRITTEN_UP_LATER if entry.late else None
    header = headers[entry.reference]
    if not store.exists(entry.reference):
        open_case(store, entry.reference, header.team, header.profile, entry.event,  # type: ignore[arg-type]
                  recorded_by="admin", source=Source.CLI, as_of=as_of, late_reason=reason)  # fmt: skip
        return
    record_event(store, entry.reference, entry.event, recorded_by="admin", source=Source.CLI,
                 as_of=as_of, late_reason=reason)  # fmt: skip


def deliver(store: CaseRepository, as_of: datetime, config: Path) -> None:
    from services.delivery import deliver_everything_due

    deliver_everything_due(store, as_of, config=config)


def play(store: CaseRepository, clock: Clock, entries: list[Entry], headers: dict[str, CaseHistory],
         start: date, days: int, config: Path, figures: Figures) -> None:  # fmt: skip
    from services.clock import tick

    waiting: list[Entry] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        clock.now = datetime.combine(day, TICKS[0], LONDON)
        tick(store, clock.now, digests=False)
        deliver(store, clock.now, config)
        clock.now = datetime.combine(day, RECORDING, LONDON)
        todays = waiting + sorted((e for e in entries if e.recorded_on == day),
                                  key=lambda e: (e.reference, e.order))  # fmt: skip
        waiting = []
        for entry in todays:
            try:
                record(store, headers, entry, clock.now)
            except RejectedEvent:  # it follows an entry not recorded yet: tomorrow
                waiting.append(entry)
        figures.waited += len(waiting)
        deliver(store, clock.now, config)
        clock.now = datetime.combine(day, TICKS[1], LONDON)
        tick(store, clock.now, digests=False)
        deliver(store, clock.now, config)
    # Left waiting at the end only behind an entry whose own day comes after the quarter.
    beyond = {e.reference for e in entries if e.recorded_on >= start + timedelta(days=days)}
    figures.unrecorded = [
        f"{e.reference} {e.event.type} {e.event.on}" for e in waiting if e.reference not in beyond
    ]


def journal_with_times(store: CaseRepository, reference: str) -> list[tuple[datetime, Event]]:
    with store.database.reading() as session:
        case_id = session.scalar(select(CaseRow.id).where(CaseRow.reference == reference))
        rows = session.execute(
            select(EventRow.recorded_at, EventRow.payload)
            .where(EventRow.case_id == case_id)
            .order_by(EventRow.seq)
        )
        return [(at, event_from_dict(payload)) for at, payload in rows]


def owed_when_sent(store: CaseRepository, reference: str, obligation: str, rung: str,
                   sent: datetime, journal: list[tuple[datetime, Event]]) -> bool:  # fmt: skip
    """Whether the history as recorded when the rung went out owed it then."""
    known = [event for at, event in journal if at <= sent]
    history = CaseHistory(reference=reference, profile=store.summary(reference).profile,
                          team=store.summary(reference).team, events=tuple(known))  # fmt: skip
    policy = load_profile(history.profile)
    view = derive(fold(history, policy), policy, calendar_for(policy), sent)
    found = [o for o in view.obligations if o.key == obligation]
    return (
        bool(found)
        and found[0].is_open
        and any(r.value == rung and at <= sent for r, at in found[0].schedule)
    )


def check(store: CaseRepository, figures: Figures, end: datetime) -> None:
    for case in store.list_cases():
        journal = journal_with_times(store, case.reference)
        final = fold(CaseHistory(reference=case.reference, profile=case.profile, team=case.team,
                                 events=tuple(e for _, e in journal)))  # fmt: skip
        policy = load_profile(case.profile)
        view = derive(final, policy, calendar_for(policy), end)
        met = {o.key for o in view.obligations if not o.is_open}
        for entry in store.outbox_of(case.reference):
            if entry.status is OutboxStatus.WITHDRAWN:
                figures.withdrawn[(entry.withdrawn_reason or "").split(" on ")[0]] += 1
            if entry.status is not OutboxStatus.DELIVERED or entry.delivered_at is None:
                continue
            figures.delivered += 1
            dispatch = entry.dispatch
            if dispatch.rung is Rung.NOTICE:
                continue
            sent = entry.delivered_at
            if not owed_when_sent(store, case.reference, dispatch.obligation,
                                  dispatch.rung.value, sent, journal):  # fmt: skip
                figures.sent_after_met.append(entry.key)
            elif dispatch.obligation in met:
                figures.sent_then_met_late += 1


def run(days: int, start: date, share: float, seed: int, folder: Path) -> Figures:
    end = start + timedelta(days=days)
    imported, entries = plan(start, end, share, seed)
    headers = {h.reference: h for h in demo_caseload(end)}
    figures = Figures(events=len(entries), late=sum(e.late for e in entries),
                      imported=sum(len(h.events) for h in imported))  # fmt: skip
    database = Database.from_url(f"sqlite:///{folder / 'cases.sqlite3'}")
    upgrade(database, simulation=True)
    clock = Clock(datetime.combine(start, time(8), LONDON))
    store = CaseRepository(database, clock=clock)
    store.open_cases(imported, recorded_by="import", source=Source.IMPORT, as_of=clock.now)
    webhook, stop = start_webhook()
    try:
        config = write_notify_config(folder, webhook)
        play(store, clock, entries, headers, start, days, config, figures)
        figures.posts = len(webhook.received)  # type: ignore[attr-defined]
    finally:
        stop()
    check(store, figures, clock.now)
    database.dispose()
    return figures


def failures(figures: Figures) -> list[str]:
    found = []
    if figures.posts != figures.delivered:
        found.append(f"{figures.posts} posts received for {figures.delivered} notices delivered")
    if figures.sent_after_met:
        found.append(f"rungs sent after the entry that met them: {figures.sent_after_met[:5]}")
    if figures.unrecorded:
        found.append(f"entries never recorded: {figures.unrecorded[:5]}")
    return found


def report(figures: Figures) -> str:
    withdrawn = ", ".join(f"{n} {why}" for why, n in figures.withdrawn.most_common()) or "none"
    return "\n".join([
        f"events: {figures.imported} imported, {figures.events} recorded during the quarter, "
        f"{figures.late} of them 1-5 working days late ({figures.late / max(1, figures.events):.0%}); "
        f"{figures.waited} waited a day for what they follow",
        f"notices: {figures.delivered} delivered, {figures.posts} posts received; withdrawn: "
        f"{withdrawn}",
        f"rungs sent while owed that a late entry then met: {figures.sent_then_met_late}; "
        f"sent after the entry that met them: {len(figures.sent_after_met)}",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=91)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2027, 1, 4))
    parser.add_argument("--late-share", type=float, default=1 / 3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cpo-late-quarter-") as folder:
        figures = run(args.days, args.start, args.late_share, args.seed, Path(folder))
    print(report(figures))
    found = failures(figures)
    for line in found:
        print(f"FAILED: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())


__all__: list[Any] = ["Figures", "failures", "main", "report", "run"]
