"""The store's commands: ``db upgrade``, ``import``, ``export``, ``cases``, ``case``, ``overdue``,
``outbox``.

Every command takes ``--database-url`` (or ``CPO_DATABASE_URL``); without either the store
is a SQLite file in the user's data folder. Output names cases by reference only (R-G1).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cli.as_of import parse_as_of
from cli.identity import acting_person
from domain.dispatch import RUNG_ORDER
from domain.store.database import ENV_VAR, Database, database_url, shown_url
from domain.store.repository import CaseRepository

console = Console()
errors = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", envvar=ENV_VAR, help="Store URL (default: a SQLite file)."),
]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="ISO date (midday) or date-time, Europe/London (default: now)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@contextmanager
def open_store(url: str | None) -> Iterator[CaseRepository]:
    """A repository on a migrated store. A store out of date ends the command with exit 3;
    a refusal (DomainError) with exit 1, one line each (``cli/errors.py``)."""
    from cli.errors import StoreUnavailable
    from domain.store.migrate import is_current

    database = Database.from_url(database_url(url))
    try:
        if not is_current(database):
            shown = shown_url(database_url(url))
            raise StoreUnavailable(f"the store at {shown} needs: cpo db upgrade")
        yield CaseRepository(database)
    finally:
        database.dispose()


def print_json(value: Any) -> None:
    """``value`` as indented JSON: dataclasses as objects, enums as their values, dates and
    times as ``str()`` gives them. orjson: a national caseload's list (5 MB) in ~0.05 s,
    where the standard library's indenting encoder (pure Python) takes seconds."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    sys.stdout.write(orjson.dumps(value, default=str, option=options).decode() + "\n")


def db_upgrade(
    database_url_option: DatabaseUrl = None,
    simulation: Annotated[
        bool,
        typer.Option(
            "--simulation",
            help="Make a new, empty store a simulation's: its records take --as-of as "
            "their day. Without it a store is real: records take today from the clock.",
        ),
    ] = False,
) -> None:
    """Create the store's schema, or upgrade it to the latest revision."""
    from domain.store.migrate import upgrade

    url = database_url(database_url_option)
    database = Database.from_url(url)
    try:
        revision = upgrade(database, simulation=simulation)
        missing = CaseRepository(database).missing_summaries()
    finally:
        database.dispose()
    kind = " (a simulation's store)" if simulation else ""
    console.print(f"{shown_url(url)} is at revision {revision}{kind}")
    if missing:
        console.print(f"{missing} case(s) have no read model yet: run cpo db rebuild-summaries")


def db_rebuild_summaries(
    as_of: AsOf = None,
    restart: Annotated[
        bool, typer.Option("--restart", help="Start again rather than resume a stopped rebuild.")
    ] = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Rebuild the read model (each case's summary and open obligations) from the journal.

    A batch of cases per transaction; a rebuild stopped half-way resumes where it stopped.
    Nothing is sent and no case's next wake moves."""
    with open_store(database_url_option) as repository, Progress(console=errors) as progress:
        task = progress.add_task("Rebuilding summaries", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        done = repository.rebuild_summaries(parse_as_of(as_of), restart=restart, progress=advance)
    console.print(f"{done} case(s) summarised")


def import_cases(
    path: Annotated[Path, typer.Argument(help="A case history file, or a folder of them.")],
    as_of: AsOf = None,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Import case histories; a bad file is reported and nothing of that case is recorded."""
    from domain.store.transfer import ImportStatus, history_files, import_file

    who, when = acting_person(), parse_as_of(as_of)
    counts = dict.fromkeys(ImportStatus, 0)
    with open_store(database_url_option) as repository, Progress(console=errors) as progress:
        files = history_files(path)
        task = progress.add_task("Importing", total=len(files))
        for file in files:
            result = import_file(repository, file, recorded_by=who, as_of=when)
            counts[result.status] += 1
            if result.error:
                progress.console.print(f"[red]{result.error}[/red]")
            progress.advance(task)
    console.print(", ".join(f"{count} {status.value}" for status, count in counts.items()))
    if counts[ImportStatus.FAILED]:
        raise typer.Exit(1)


def export_cases(
    reference: Annotated[str | None, typer.Argument(help="The case to export.")] = None,
    out: Annotated[Path | None, typer.Option(help="File (one case) or folder (--all).")] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="Every case, one file each.")] = False,
    redact: Annotated[
        bool, typer.Option("--redact", help="Leave out names, contacts and dates of birth.")
    ] = False,
    with_child_facts: Annotated[
        bool,
        typer.Option(
            "--with-child-facts", help="Add the children's personal facts (audited; files 0600)."
        ),
    ] = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Write case histories back out in the import format (byte-for-byte stable). Files are
    written readable by you only: without --redact they hold children's personal data."""
    from cli.errors import BadInput
    from domain.store.private_files import write_private
    from domain.store.transfer import export_all, export_text

    if all_cases == (reference is not None):
        raise typer.BadParameter("give either a case reference or --all")
    if redact and with_child_facts:
        raise BadInput("--redact leaves personal data out; --with-child-facts adds it: pick one")
    if not redact:
        errors.print(
            "Warning: this export holds personal data (names, contacts, dates of birth): "
            "keep it as safe as the store, or export with --redact (R-G1)."
        )
    facts_for = acting_person() if with_child_facts else None
    with open_store(database_url_option) as repository:
        if all_cases:
            if out is None:
                raise typer.BadParameter("--all needs --out FOLDER")
            written = sum(1 for _ in export_all(repository, out, redact, facts_for=facts_for))
            console.print(f"{written} cases written to {out}")
            return
        text = export_text(repository, str(reference), redact, facts_for=facts_for)
        if out is None:
            sys.stdout.write(text)
        else:
            write_private(out, text)


def list_cases(
    team: Annotated[str | None, typer.Option(help="Only this team's cases.")] = None,
    status: Annotated[str | None, typer.Option(help="open or closed.")] = None,
    overdue: Annotated[bool, typer.Option(help="Only cases with an overdue obligation.")] = False,
    as_of: AsOf = None,
    as_json: AsJson = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """List cases with their status, events recorded and next wake time."""
    with open_store(database_url_option) as repository:
        late_as_of = parse_as_of(as_of) if overdue else None
        cases = repository.list_cases(team=team, status=status, overdue_as_of=late_as_of)
    if as_json:
        print_json(cases)
        return
    table = Table("reference", "team", "profile", "status", "events", "next wake")
    for case in cases:
        wake = case.next_wake.isoformat(timespec="minutes") if case.next_wake else "-"
        events = str(case.last_seq)
        table.add_row(case.reference, case.team, case.profile, case.status, events, wake)
    console.print(table)


def show_case(
    reference: Annotated[str, typer.Argument(help="The case reference.")],
    as_of: AsOf = None,
    as_json: AsJson = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """A case's timeline (who recorded what, when, from where) and its obligations."""
    with open_store(database_url_option) as repository:
        timeline = repository.journal(reference)
        found = repository.case_view(reference, parse_as_of(as_of))
    obligations, review = found.obligations, found.review
    if as_json:
        print_json(
            {
                "reference": reference,
                "review": dataclasses.asdict(review) if review else None,
                "timeline": [dataclasses.asdict(entry) for entry in timeline],
                "obligations": [dataclasses.asdict(item) for item in obligations],
            }
        )
        return
    events = Table(
        "seq", "on", "event", "recorded by", "recorded at", "source", "late", title="Timeline"
    )
    for entry in sorted(timeline, key=lambda e: (e.on, e.seq)):  # the story, as it happened
        at = entry.recorded_at.isoformat(timespec="seconds")
        seq, on = str(entry.seq), str(entry.on)
        events.add_row(seq, on, entry.type, entry.recorded_by, at, entry.source, entry.late_words)
    duties = Table("obligation", "rule", "owner", "due", "status", "rung", title="Obligations")
    for item in obligations:
        owner = item.owner or item.owner_role
        status, rung = str(item.status.value), item.rung.value if item.rung else "-"
        duties.add_row(item.title, item.rule, owner, str(item.due), status, rung)
    console.print(events, duties)
    if review is not None:
        booked = review.booked.isoformat() if review.booked else "not booked"
        console.print(f"Next review conference: {booked} (deadline {review.deadline.isoformat()})")


def overdue_report(
    as_of: AsOf = None,
    as_json: AsJson = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Overdue obligations of open cases, counted by team and escalation rung (R-E1)."""
    with open_store(database_url_option) as repository:
        counts = repository.overdue_by_team(parse_as_of(as_of))
    if as_json:
        print_json(counts)
        return
    present = {rung for by_rung in counts.values() for rung in by_rung}
    rungs = [rung for rung in ("none", *(r.value for r in RUNG_ORDER)) if rung in present]
    table = Table("team", *rungs, "total", title="Overdue obligations")
    for team, by_rung in counts.items():
        cells = [str(by_rung.get(rung, 0)) for rung in rungs]
        table.add_row(team, *cells, str(sum(by_rung.values())))
    console.print(table)


def show_outbox(
    case: Annotated[str | None, typer.Option("--case", help="One case's notices.")] = None,
    failed: Annotated[
        bool, typer.Option("--failed", help="Only notices not delivered (with their error).")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 200,
    as_json: AsJson = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Notices and their delivery: delivered, pending, or failed with the last error (R-E1)."""
    if case is None and not failed:
        raise typer.BadParameter("give --case REF, or --failed for every case")
    with open_store(database_url_option) as repository:
        if case is None:
            total, entries = repository.undelivered(limit)
        else:
            entries = repository.outbox_of(case)
            total = len(entries)
            if failed:
                entries = [e for e in entries if e.status.value == "failed"]
    entries = entries[-limit:]
    if as_json:
        print_json(
            [
                {
                    "key": e.idempotency_key,
                    "case": e.dispatch.case_reference,
                    "rule": e.dispatch.rule,
                    "rung": e.dispatch.rung.value,
                    "fires_at": e.dispatch.fires_at.isoformat(),
                    "status": e.status.value,
                    "attempts": e.attempts,
                    "last_error": e.last_error,
                    "next_attempt_at": e.next_attempt_at.isoformat() if e.next_attempt_at else None,
                    "delivered_at": e.delivered_at.isoformat() if e.delivered_at else None,
                }
                for e in entries
            ]
        )
        return
    title = f"Notices ({len(entries)} of {total})" if failed and not case else "Notices"
    table = Table("case", "fires", "rung", "what", "status", "tries", "last error", title=title)
    for e in entries:
        d = e.dispatch
        table.add_row(
            d.case_reference, f"{d.fires_at:%Y-%m-%d %H:%M}", d.rung.value,
            f"{d.rule} {d.title} ({d.subject})", e.status.value, str(e.attempts),
            e.last_error or "",
        )  # fmt: skip
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    db = typer.Typer(help="The case store's database.", no_args_is_help=True)
    db.command("upgrade")(db_upgrade)
    db.command("rebuild-summaries")(db_rebuild_summaries)
    app.add_typer(db, name="db")
    app.command("import")(import_cases)
    app.command("export")(export_cases)
    app.command("cases")(list_cases)
    app.command("case")(show_case)
    app.command("overdue")(overdue_report)
    app.command("outbox")(show_outbox)
