"""Store benchmark: import a national-size caseload, then time the due-cases query.

    .venv/bin/python benchmarks/store_bench.py --cases 50000

Generates valid synthetic histories (``domain.synthetic``), validates and derives each
one through the domain once, and writes them through the store's bulk path into SQLite
and into a temporary PostgreSQL server (durable settings), printing import time,
database size, the due-cases query time (target <= 200 ms) and its query plan.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event, func, select, text

# Run as a script from anywhere: the repository root holds domain/ and tests/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.history import CaseHistory  # noqa: E402
from domain.store.bulk import insert_cases  # noqa: E402
from domain.store.database import Database  # noqa: E402
from domain.store.migrate import upgrade  # noqa: E402
from domain.store.repository import CaseRepository, due_cases_query  # noqa: E402
from domain.store.rules import DomainRules, Standing  # noqa: E402
from domain.store.tables import CaseRow, EventRow, OutboxRow, Source  # noqa: E402
from domain.synthetic import synthetic_history  # noqa: E402

LONDON = ZoneInfo("Europe/London")
IMPORTED_AS_OF = datetime(2026, 10, 1, 9, 0, tzinfo=LONDON)  # after every synthetic event
CHUNK = 1000
Case = tuple[CaseHistory, Standing]


def live_span(seed: int, as_of: date) -> tuple[date, date]:
    """A live case's story: 3 to 9 months, its last event in the working week before
    ``as_of``, as every case of an authority's caseload is on the day it is viewed.
    (benchmarks/caseload_bench.py gives the baseline's code the same spans.)"""
    end = as_of - timedelta(days=1 + seed % 5)
    return end - timedelta(days=30 * (3 + seed % 7)), end


def make_cases(seeds: range, as_of: datetime = IMPORTED_AS_OF, live: bool = False) -> list[Case]:
    """Valid histories of 3 to 9 months (about 40 events each), validated and derived.
    ``live``: each ends in the days before ``as_of``; otherwise they end over two years
    before it, and a view as of ``as_of`` finds most of their obligations long overdue."""
    rules = DomainRules()
    cases = []
    for seed in seeds:
        reference = f"SYN-{seed:06d}"
        if live:
            start, end = live_span(seed, as_of.date())
            history = synthetic_history(seed, reference, start=start, end=end)
        else:
            history = synthetic_history(seed, reference, months=3 + seed % 7)
        cases.append((history, rules.standing(history, as_of, 0)))
    return cases


@dataclass
class Backend:
    name: str
    database: Database
    seconds: float = 0.0
    timings: dict[str, Any] = field(default_factory=dict)

    def insert(self, cases: list[Case]) -> None:
        started = time.perf_counter()
        with self.database.writing() as session:
            now = datetime.now(LONDON)
            insert_cases(session, cases, recorded_by="benchmark", source=Source.IMPORT, now=now)
        self.seconds += time.perf_counter() - started


def caseload(
    count: int, workers: int, as_of: datetime = IMPORTED_AS_OF, live: bool = False
) -> Iterator[list[Case]]:
    chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    with ProcessPoolExecutor(workers) as pool:
        yield from pool.map(partial(make_cases, as_of=as_of, live=live), chunks)


def database_size(database: Database) -> int:
    with database.engine.connect() as connection:
        if database.dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
            size = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
            return int(pages) * int(size)
        return int(
            connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        )


def explain(engine: Engine, as_of: datetime, limit: int) -> list[str]:
    """The plan of the repository's own due-cases statement, with its own parameters."""
    prefix = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE"

    def prepend(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> Any:
        return f"{prefix} {statement}", params

    event.listen(engine, "before_cursor_execute", prepend, retval=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(due_cases_query(as_of, limit)).cursor.fetchall()
    finally:
        event.remove(engine, "before_cursor_execute", prepend)
    return [" | ".join(str(part) for part in row) for row in rows]


def time_due_query(backend: Backend, as_of: datetime, limit: int, runs: int = 25) -> None:
    repository = CaseRepository(backend.database)
    with backend.database.engine.connect() as connection:
        if backend.database.dialect == "sqlite":
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        due = repository.due_cases(as_of, limit)
        samples.append((time.perf_counter() - started) * 1000)
    with backend.database.reading() as session:
        total_due = session.scalar(
            select(func.count()).select_from(CaseRow).where(CaseRow.next_wake <= as_of)
        )
    backend.timings = {
        "returned": len(due), "due in all": total_due,
        "median ms": statistics.median(samples), "max ms": max(samples),
        "plan": explain(backend.database.engine, as_of, limit),
    }  # fmt: skip


def counts(database: Database) -> tuple[int, int, int]:
    with database.reading() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (CaseRow, EventRow, OutboxRow)
        )


def report(backend: Backend, generated_seconds: float) -> None:
    cases, events, outbox = counts(backend.database)
    size = database_size(backend.database)
    print(f"\n== {backend.name} ==")
    print(f"cases {cases:,}  events {events:,}  outbox rows {outbox:,}")
    print(
        f"import (store writes): {backend.seconds:,.1f} s = {events / backend.seconds:,.0f} events/s"
    )
    print(
        f"import incl. domain validation + derivation: {backend.seconds + generated_seconds:,.1f} s"
    )
    print(f"database size: {size / 2**20:,.1f} MiB")
    timing = backend.timings
    print(
        f"due cases as of {timing['as_of']}: {timing['returned']} returned (limit), "
        f"{timing['due in all']:,} due in all; median {timing['median ms']:.2f} ms, "
        f"max {timing['max ms']:.2f} ms (target <= 200 ms)"
    )
    print("plan:\n  " + "\n  ".join(timing["plan"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", help="use this server instead of a temporary one")
    parser.add_argument("--workers", type=int, default=2, help="processes generating cases")
    parser.add_argument("--due-as-of", default="2025-06-09T09:00", help="Europe/London time")
    parser.add_argument("--limit", type=int, default=500, help="due-cases batch size")
    args = parser.parse_args()
    run(args)


def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cpo-bench-"))
    server = None
    backends: list[Backend] = []
    if args.backend in ("sqlite", "both"):
        backends.append(Backend("SQLite", Database.from_url(f"sqlite:///{folder / 'cases.db'}")))
    if args.backend in ("postgres", "both"):
        url = args.postgres_url
        if url is None:
            from scripts.pg_server import start_server

            server = start_server(durable=True)
            url = server.create_database("cpo_bench")
        backends.append(Backend("PostgreSQL", Database.from_url(url)))
    try:
        for backend in backends:
            upgrade(backend.database, simulation=True)
        started = time.perf_counter()
        for chunk in caseload(args.cases, args.workers):
            for backend in backends:
                backend.insert(chunk)
        wall = time.perf_counter() - started
        generated = max(0.0, wall - sum(b.seconds for b in backends))
        print(f"{args.cases:,} cases generated + validated + derived in ~{generated:,.1f} s "
              f"({args.workers} processes, overlapping the writes; wall {wall:,.1f} s)")  # fmt: skip
        due_as_of = datetime.fromisoformat(args.due_as_of).replace(tzinfo=LONDON)
        for backend in backends:
            time_due_query(backend, due_as_of, args.limit)
            backend.timings["as_of"] = due_as_of.isoformat()
            report(backend, generated)
    finally:
        for backend in backends:
            backend.database.dispose()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
