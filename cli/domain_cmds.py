"""``cpo obligations`` and ``cpo validate``: the domain on a case history file (and its
children's facts), no server needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.as_of import parse_as_of
from cli.errors import BadInput, Refused
from domain.errors import DomainError
from domain.history import CaseHistory
from domain.ladder import LONDON, Obligation
from domain.obligations import CaseView, view

STATUS_STYLE = {"overdue": "bold red", "due": "yellow", "met": "green", "discharged": "dim"}

HistoryPath = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, help="A case history file (JSON)")
]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="YYYY-MM-DD (midday, Europe/London) or a date-time; default: now"),
]


def read_history(path: Path) -> CaseHistory:
    """The history a file holds, read strictly; an unreadable file is bad input (exit 2),
    one not in the format refused (exit 1), each in one line naming the file."""
    from domain.case_files import InvalidFile, UnreadableFile, read_case_file

    try:
        return read_case_file(path.read_bytes()).history
    except UnreadableFile as error:
        raise BadInput(f"{path}: {error}") from None
    except InvalidFile as error:
        raise Refused(f"{path}: {error}") from None


def obligation_row(obligation: Obligation) -> dict[str, object]:
    return {
        "key": obligation.key,
        "rule": obligation.rule,
        "title": obligation.title,
        "subject": obligation.subject,
        "owner_role": obligation.owner_role,
        "owner": obligation.owner,
        "due": obligation.due.isoformat(),
        "due_at": obligation.due_at.isoformat() if obligation.due_at else None,
        "status": obligation.status.value,
        "rung": obligation.rung.value if obligation.rung else None,
        "met_on": obligation.met_on.isoformat() if obligation.met_on else None,
        "next_rung_at": obligation.next_rung_at.isoformat() if obligation.next_rung_at else None,
    }


def view_json(found: CaseView) -> str:
    return json.dumps(
        {
            "reference": found.reference,
            "as_of": found.as_of.isoformat(),
            "next_wake": found.next_wake.isoformat() if found.next_wake else None,
            "obligations": [obligation_row(o) for o in found.obligations],
        },
        indent=2,
    )


def obligations_table(found: CaseView, open_only: bool = False) -> Table:
    table = Table(title=f"{found.reference} as of {found.as_of:%Y-%m-%d %H:%M}")
    for column in ("rule", "what", "about", "owner", "due", "status", "rung"):
        table.add_column(column)
    for o in found.obligations:
        if open_only and not o.is_open:
            continue
        style = STATUS_STYLE.get(o.status.value, "")
        table.add_row(
            o.rule,
            o.title,
            o.subject,
            f"{o.owner_role} {o.owner or ''}".strip(),
            o.due.isoformat(),
            f"[{style}]{o.status.value}[/]" if style else o.status.value,
            o.rung.value if o.rung else "",
        )
    return table


def register(app: typer.Typer) -> None:
    @app.command()
    def obligations(
        history: HistoryPath,
        as_of: AsOf = None,
        as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
        open_only: Annotated[bool, typer.Option("--open", help="only what is not met")] = False,
    ) -> None:
        """Every obligation of a case history as of a date: rule, subject, owner, due, status, rung."""
        try:
            found = view(read_history(history), parse_as_of(as_of))
        except DomainError as error:
            raise Refused(f"{history}: {error}") from None
        if as_json:
            typer.echo(view_json(found))
            return
        Console().print(obligations_table(found, open_only))
        if found.next_wake:
            typer.echo(f"next wake: {found.next_wake.isoformat()}")

    @app.command()
    def validate(
        history: HistoryPath,
        as_of: AsOf = None,
    ) -> None:
        """Check a case history, and its children's facts if it has them, exactly as
        ``cpo import`` would record them today; report the first refusal (exit code 1; a
        file that is not UTF-8 JSON: exit code 2)."""
        from domain.case_files import UnreadableFile, judge_case_file

        today = parse_as_of(as_of).astimezone(LONDON).date()
        try:
            loaded, _ = judge_case_file(history.read_bytes(), today)
        except UnreadableFile as error:
            raise BadInput(f"{history}: {error}") from None
        except DomainError as error:
            raise Refused(f"{history}: {error}") from None
        given = f", {len(loaded.child_facts)} children's facts" if loaded.child_facts else ""
        typer.echo(f"{history}: {len(loaded.events)} events{given}, valid")
