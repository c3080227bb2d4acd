"""The 08:00 morning of a national caseload: every due notice queued by the clock's tick, then
delivered to a local SMTP server.

    .venv/bin/python benchmarks/morning_bench.py --cases 50000 --due 5000 [--backend postgres]

1. A store of ``--cases`` synthetic cases whose histories stop at various days before the
   morning (they drift); ``--due`` of them have a rung falling at 08:00 (imported as of the
   working day before), the rest none (imported after 08:00). Everything queued by the
   import is marked delivered: only the morning's notices are left to send.
2. Two copies of that store. On one, the clock's tick as it runs now
   (``services.clock.tick``: every due case, a batch per transaction); on the other, each due
   case woken alone (``services.cases.wake_case``, as the tick did before, without its old
   limit of 500 a tick). Both timed from the tick's start to every due notice queued, with
   their ratio, and checked to queue the same notices.
3. Delivery of the morning's notices from the store (``services.delivery``, claimed batches
   of 100 through one notifier) to a local SMTP relay in its own process: notices/s.

Prints figures; the suite runs a short version (tests/services/test_morning.py).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.history import CaseHistory  # noqa: E402
from domain.store import CaseRepository, Database, OutboxStatus, upgrade  # noqa: E402
from domain.store.rules import DomainRules, Standing  # noqa: E402
from domain.synthetic import synthetic_history  # noqa: E402

LONDON = ZoneInfo("Europe/London")
MORNING = datetime(2026, 3, 10, 8, 0, tzinfo=LONDON)  # a Tuesday
BEFORE = datetime(2026, 3, 9, 9, 0, tzinfo=LONDON)  # the working day before
AFTER = datetime(2026, 3, 10, 9, 0, tzinfo=LONDON)
CHUNK = 1000
Case = tuple[CaseHistory, Standing, Standing | None]  # as of the day before, after 08:00


def drifting(seed: int) -> CaseHistory:
    """A case of 3 to 18 months that stopped being kept 1 to 60 days before the morning."""
    stopped = MORNING.date() - timedelta(days=Random(seed).randint(1, 60))
    return synthetic_history(seed, f"AM-{seed:06d}", end=stopped)


def derive_chunk(seeds: range) -> list[Case]:
    """Each case as of the day before and, if a rung of it falls by 08:00, also as of after
    08:00 (for when enough cases are due already)."""
    rules = DomainRules()
    found = []
    for seed in seeds:
        history = drifting(seed)
        standing = rules.standing(history, BEFORE)
        due = standing.next_wake is not None and standing.next_wake <= MORNING
        found.append((history, standing, rules.standing(history, AFTER) if due else None))
    return found


def caseload(count: int, due: int, workers: int) -> Iterator[list[tuple[CaseHistory, Standing]]]:
    """Chunks of cases to import: the first ``due`` that fall due at 08:00 as of the day
    before; every other one as of after 08:00 (nothing due at the tick). A few chunks in
    flight at a time: the parent writes while the others derive."""
    wanted = due
    chunks = iter([range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)])
    with ProcessPoolExecutor(workers) as pool:
        pending = [pool.submit(derive_chunk, chunk) for chunk in islice(chunks, 2 * workers)]
        while pending:
            done = pending.pop(0).result()
            pending += [pool.submit(derive_chunk, chunk) for chunk in islice(chunks, 1)]
            kept = []
            for history, before, after in done:
                if after is None:  # nothing of it falls due at 08:00
                    kept.append((history, before))
                elif wanted > 0:  # one of the morning's due cases
                    wanted -= 1
                    kept.append((history, before))
                else:  # enough are due: this one as of after the morning
                    kept.append((history, after))
            yield kept
    if wanted:
        raise SystemExit(f"only {due - wanted} of {due} cases fall due at 08:00: more --cases")


@dataclass
class Backend:
    name: str
    url: str
    copy: str = ""  # a second store with the same cases, for the comparison
    server: Any = None  # the PostgreSQL server holding both

    def store(self, url: str | None = None) -> CaseRepository:
        return CaseRepository(Database.from_url(url or self.url))


def build(backend: Backend, count: int, due: int, workers: int) -> float:
    from sqlalchemy import update

    from domain.store.bulk import insert_cases
    from domain.store.tables import OutboxRow, Source

    database = Database.from_url(backend.url)
    upgrade(database, simulation=True)
    started = time.perf_counter()
    for chunk in caseload(count, due, workers):
        with database.writing() as session:
            insert_cases(session, chunk, recorded_by="bench", source=Source.IMPORT, now=BEFORE)
    with database.writing() as session:  # what was due before the morning went out then
        session.execute(update(OutboxRow).values(status=OutboxStatus.DELIVERED.value,
                                                 next_attempt_at=None, attempts=1))  # fmt: skip
    database.dispose()
    return time.perf_counter() - started


def timed_tick(store: CaseRepository) -> tuple[float, int, int]:
    from services.clock import tick

    started = time.perf_counter()
    ticked = tick(store, MORNING, hour=8)
    return time.perf_counter() - started, len(ticked.woken), len(ticked.queued)


def timed_one_by_one(store: CaseRepository) -> tuple[float, int, int]:
    from services.cases import wake_case

    started = time.perf_counter()
    due = store.due_cases(MORNING, 1_000_000)
    queued = sum(len(wake_case(store, case.reference, MORNING).queued) for case in due)
    return time.perf_counter() - started, len(due), queued


def outbox_keys(store: CaseRepository) -> set[str]:
    from sqlalchemy import select

    from domain.store.tables import OutboxRow

    with store.database.reading() as session:
        return set(session.scalars(select(OutboxRow.idempotency_key)))


def deliver(store: CaseRepository, config: Path, counter: object) -> tuple[float, int, int]:
    from notifications.notifier import Notifier
    from services.delivery import deliver_notices

    notifier = Notifier.from_config(config)
    before = counter.count  # type: ignore[attr-defined]
    started = time.perf_counter()
    sent = 0
    while batch := deliver_notices(store, MORNING, 100, notifier=notifier):
        sent += batch
    seconds = time.perf_counter() - started
    return seconds, sent, counter.count - before  # type: ignore[attr-defined]


def smtp_config(folder: Path, port: int) -> Path:
    """Every role of every team to one mailbox on the local relay."""
    from domain.dispatch import RecipientRole

    tags = ", ".join(role.value for role in RecipientRole)
    url = f"mailto://127.0.0.1:{port}?from=cpo@example.org&to=managers@example.org"
    path = folder / "notify.yaml"
    path.write_text(f"urls:\n  - {url}:\n    - tag: {tags}\n")
    return path


def morning(backend: Backend, args: argparse.Namespace, folder: Path) -> None:
    from benchmarks.notify_bench import relay

    built = build(backend, args.cases, args.due, args.workers)
    backend.copy = clone(backend, folder)
    print(f"\n== {backend.name}: {args.cases:,} cases, {args.due:,} due at 08:00 "
          f"(built in {built:,.0f} s)")  # fmt: skip
    now, old = backend.store(), backend.store(backend.copy)
    tick_s, woken, queued = timed_tick(now)
    alone_s, alone_woken, alone_queued = timed_one_by_one(old)
    same = outbox_keys(now) == outbox_keys(old)
    print(
        f"tick, a batch of 250 per transaction: {woken:,} cases woken, {queued:,} notices "
        f"queued in {tick_s:.1f} s ({'met' if tick_s <= 60 else 'MISSED'}: <= 60 s)"
    )
    print(f"each case woken alone (before):       {alone_woken:,} cases woken, {alone_queued:,} "
          f"notices queued in {alone_s:.1f} s; ratio alone / tick {alone_s / tick_s:.2f}; "
          f"same outbox: {same}")  # fmt: skip
    with relay() as (port, counter):
        seconds, sent, arrived = deliver(now, smtp_config(folder, port), counter)
    print(
        f"delivery to local SMTP: {sent:,} notices in {seconds:.1f} s = {sent / seconds:.0f}/s"
        f" ({arrived:,} arrived); all due sent {seconds + tick_s:.0f} s after the tick began"
    )
    now.database.dispose()
    old.database.dispose()


def clone(backend: Backend, folder: Path) -> str:
    """A copy of the built store: a file copy, or CREATE DATABASE ... TEMPLATE."""
    if backend.url.startswith("sqlite"):
        target = folder / "copy.sqlite3"
        shutil.copyfile(backend.url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    return str(backend.server.create_database("morning_copy", template="morning"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--due", type=int, default=5_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="processes deriving cases")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cpo-morning-"))
    server = None
    try:
        if args.backend in ("sqlite", "both"):
            url = f"sqlite:///{folder / 'cases.sqlite3'}"
            morning(Backend("SQLite", url), args, folder)
        if args.backend in ("postgres", "both"):
            from scripts.pg_server import start_server

            server = start_server(durable=True)
            backend = Backend("PostgreSQL", server.create_database("morning"), server=server)
            morning(backend, args, folder)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
