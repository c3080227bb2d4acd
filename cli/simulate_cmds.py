"""``cpo simulate --days N``: advance virtual time by clock ticks and show what was sent each day.

Simulate is just another driver of the clock: each day's tick is ``services.clock.tick``,
the very use case the clock flow runs (wake the due cases, queue each due rung exactly once
by its key, move their next wakes, queue the day's digests), without Prefect. By default it
works on a copy of a SQLite store, so the real one is untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cli.errors import Refused
from domain.ladder import LONDON
from domain.store.database import Database, database_url, sqlite_file
from domain.store.repository import CaseRepository
from domain.store.settings import is_simulation, mark_simulation


@dataclass
class Tick:
    day: date
    woken: int = 0
    sent: list[str] = field(default_factory=list)  # idempotency keys written to the outbox
    digests: list[str] = field(default_factory=list)  # the day's digests queued by this tick

    def by_rung(self) -> Counter[str]:
        return Counter(key.rsplit("|", 1)[1] for key in self.sent)


def simulate(
    repository: CaseRepository,
    start: date,
    days: int,
    hour: int = 9,
    progress: Callable[[], None] = lambda: None,
) -> list[Tick]:
    """One tick a day at ``hour`` Europe/London, for ``days`` days from ``start``."""
    from services import clock  # the clock's own tick (it loads delivery: not at start-up)

    ticks = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        ticked = clock.tick(repository, datetime.combine(day, time(hour), LONDON), limit=100_000)
        queued = [entry.key for entry in repository.digests_of(day)] if ticked.digests else []
        ticks.append(Tick(day, len(ticked.woken), list(ticked.queued), queued))
        progress()
    return ticks


def scratch_copy(url: str) -> tuple[str, Path]:
    """A private copy of a SQLite store (the backup API copies a live database safely), in a
    folder only this user can read; the caller removes it."""
    source_file = sqlite_file(url)
    if source_file is None:
        raise typer.BadParameter("--in-place is needed for a store that is not a SQLite file")
    folder = Path(tempfile.mkdtemp(prefix="cpo-simulate-"))
    target = folder / "cases.sqlite3"
    with sqlite3.connect(source_file) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    os.chmod(target, 0o600)
    return f"sqlite:///{target}", folder


def ticks_table(ticks: list[Tick], verbose: bool) -> Table:
    table = Table(title="Simulated clock ticks")
    for column in ("day", "cases woken", "notices", "by rung", "digests"):
        table.add_column(column)
    if verbose:
        table.add_column("what")
    for tick in ticks:
        rungs = ", ".join(f"{rung} {n}" for rung, n in sorted(tick.by_rung().items()))
        row = [tick.day.isoformat(), str(tick.woken), str(len(tick.sent)), rungs]
        row.append(str(len(tick.digests)))
        if verbose:
            row.append("\n".join(tick.sent + tick.digests))
        table.add_row(*row)
    return table


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_command(
        days: Annotated[int, typer.Option("--days", min=1, max=3660, help="days to simulate")] = 30,
        start: Annotated[
            str | None, typer.Option(help="first day, YYYY-MM-DD; default today")
        ] = None,
        hour: Annotated[int, typer.Option(min=0, max=23, help="tick hour, Europe/London")] = 9,
        in_place: Annotated[
            bool, typer.Option("--in-place", help="write to the store itself")
        ] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list every notice")] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        url: Annotated[
            str | None, typer.Option("--database-url", envvar="CPO_DATABASE_URL")
        ] = None,
    ) -> None:
        """Advance virtual time by daily clock ticks; show what was sent each day."""
        first = date.fromisoformat(start) if start else datetime.now(LONDON).date()
        target, scratch = (database_url(url), None) if in_place else scratch_copy(database_url(url))
        database = Database.from_url(target)
        if in_place and not is_simulation(database):
            database.dispose()
            raise Refused(
                "--in-place: this store is real: a simulation ticks a copy of it (R-G3), or a "
                "store made with cpo db upgrade --simulation"
            )
        if scratch is not None:
            mark_simulation(database, datetime.now(LONDON), copy=True)
        try:
            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("ticking", total=days)
                ticks = simulate(
                    CaseRepository(database), first, days, hour, lambda: bar.advance(task)
                )
        finally:
            database.dispose()
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
        if as_json:
            rows = [
                {"day": t.day.isoformat(), "woken": t.woken, "sent": t.sent, "digests": t.digests}
                for t in ticks
            ]
            typer.echo(json.dumps(rows, indent=2))
            return
        Console().print(ticks_table(ticks, verbose))
        digests = sum(len(t.digests) for t in ticks)
        typer.echo(
            f"{sum(len(t.sent) for t in ticks)} notices and {digests} digests over {days} days"
        )
