"""``cpo returns ...``: the CIN census, Annex A List 7 and the timeliness report; ``cpo audit``.

The same use cases as the ``reports`` deployment (``services.returns``): each file is written
for its owner only (0600) and its writing recorded in the audit log (R-G2). A child whose
personal facts are not recorded is left out of a return and named here by case reference and
child id, so someone can record them (``cpo children set``). Heavy imports (the returns,
matplotlib, openpyxl) happen inside the commands, so ``cpo`` starts quickly.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from cli.as_of import parse_as_of
from cli.identity import acting_person
from cli.store_cmds import AsJson, DatabaseUrl, console, errors, open_store, print_json

if TYPE_CHECKING:
    from returns.timeliness import Timeliness
    from services.returns import Written

LA_CODE_ENV = "CPO_LA_CODE"
SHOWN = 20

returns_app = typer.Typer(help="The sector's returns and the timeliness report.")
Out = Annotated[Path, typer.Option("--out", help="The file to write (its owner only: 0600).")]


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from error


def _said(written: Written) -> None:
    counts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in written.counts.items())
    console.print(f"{written.subject}: {written.path} ({counts})")
    if written.said:
        console.print(written.said, highlight=False)
    for note in written.notes[:SHOWN]:
        errors.print(f"[yellow]{note}[/yellow]", highlight=False)
    if len(written.notes) > SHOWN:
        errors.print(f"[yellow]... and {len(written.notes) - SHOWN} more noted[/yellow]")
    for reference, child in written.without_facts[:SHOWN]:
        errors.print(
            f"[yellow]{reference} child {child}: no personal facts, left out "
            f"(cpo children set {reference} {child} ...)[/yellow]"
        )
    if len(written.without_facts) > SHOWN:
        errors.print(f"[yellow]... and {len(written.without_facts) - SHOWN} more[/yellow]")
    for reference in written.skipped:
        errors.print(f"[red]{reference}: its history no longer validates; left out[/red]")


def cin_census(
    year: Annotated[str, typer.Option("--year", help="The census year, such as 2026-27.")],
    out: Out,
    la_code: Annotated[
        str | None,
        typer.Option("--la-code", envvar=LA_CODE_ENV, help="The DfE's three-digit LA code."),
    ] = None,
    provisional: Annotated[
        bool, typer.Option("--provisional", help="A year not yet ended: what is known today.")
    ] = False,
    placeholders: Annotated[
        bool,
        typer.Option(
            "--referral-placeholders",
            help="Fill the referral's fields the system does not record (the file says so).",
        ),
    ] = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """The CIN census's child protection modules, as the DfE's XML, for the CIN team."""
    from services.returns import write_cin_census

    if not la_code:
        raise typer.BadParameter(f"give --la-code or set {LA_CODE_ENV}", param_hint="--la-code")
    with open_store(database_url_option) as store:
        try:
            written = write_cin_census(
                store, year, out, la_code=la_code, requested_by=acting_person(),
                generated_at=parse_as_of(None), provisional=provisional,
                placeholders=placeholders,
            )  # fmt: skip
        except ValueError as error:
            raise typer.BadParameter(str(error)) from error
    _said(written)


def reconcile(
    extract: Annotated[
        Path, typer.Option("--census", help="The authority's own census extract (XML).")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="The differences (.csv); the page beside it (.html). 0600."),
    ] = Path("census-differences.csv"),
    database_url_option: DatabaseUrl = None,
) -> None:
    """The authority's census extract beside this record: every difference, both values."""
    from services.returns import reconcile_census

    if not extract.is_file():
        raise typer.BadParameter(f"{extract}: no such file", param_hint="--census")
    with open_store(database_url_option) as store:
        try:
            written = reconcile_census(
                store, extract, out, requested_by=acting_person(),
                generated_at=parse_as_of(None),
            )  # fmt: skip
        except ValueError as error:
            raise typer.BadParameter(str(error)) from error
    _said(written)


def annex_a_list7(
    as_of: Annotated[str, typer.Option("--as-of", help="The day of the list, YYYY-MM-DD.")],
    out: Out,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Ofsted's Annex A List 7 (.csv or .xlsx, by the file's suffix)."""
    from services.returns import write_annex_a

    day = _day(as_of, "--as-of")
    with open_store(database_url_option) as store:
        try:
            written = write_annex_a(store, day, out, requested_by=acting_person())
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--out") from error
    _said(written)


def timeliness(
    start: Annotated[str, typer.Option("--from", help="First due day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last due day, YYYY-MM-DD.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the report (HTML with charts).")
    ] = None,
    as_json: AsJson = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Timeliness per team and month: obligations met in time of those owed (README)."""
    from services.returns import read_timeliness, write_timeliness_report

    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise typer.BadParameter("the period ends before it starts", param_hint="--to")
    moment = parse_as_of(None)
    with open_store(database_url_option) as store:
        figures = read_timeliness(store, first, last, moment.date())
        if out is not None:
            _said(
                write_timeliness_report(
                    store, first, last, out, requested_by=acting_person(),
                    generated_at=moment, figures=figures,
                )
            )  # fmt: skip
    if as_json:
        print_json(_figures_json(figures))
    elif out is None:
        _print_figures(figures)


def _figures_json(figures: Timeliness) -> dict[str, object]:
    return {
        "from": figures.start.isoformat(), "to": figures.end.isoformat(), "cases": figures.cases,
        "known": figures.known.isoformat(), "to_date": figures.to_date,
        "skipped": [s.reference for s in figures.skipped],
        "figures": [
            {"measure": m, "team": t, "month": month, "owed": v.owed, "in_time": v.in_time}
            for (m, t, month), v in sorted(figures.tallies.items())
        ],
    }  # fmt: skip


def _print_figures(figures: Timeliness) -> None:
    from returns.report import cell, month_cell
    from returns.timeliness import ALL_TEAMS, MEASURES

    if figures.to_date:
        console.print(f"The period has not ended: figures to {figures.known}.")
    months = [
        m + (" (to date)" if figures.month_state(m) == "to date" else "") for m in figures.months
    ]
    for measure in MEASURES:
        table = Table("team", *months, "period", title=measure.title)
        for team in [*figures.teams, ALL_TEAMS]:
            whose = None if team == ALL_TEAMS else team
            cells = [month_cell(figures, measure.key, whose, m) for m in figures.months]
            table.add_row(team, *cells, cell(figures.tally(measure.key, whose)))
        console.print(table)


def audit(
    action: Annotated[str | None, typer.Option(help="Only this kind, e.g. cin_census.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only what this person did.")] = None,
    case: Annotated[str | None, typer.Option("--case", help="Only about this case.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: AsJson = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Who did what (R-G2): events recorded and acknowledged, cases opened in the UI (runs
    and pages), returns and reports written, children's facts set and read."""
    with open_store(database_url_option) as store:
        entries = store.audit_log(action, limit, actor=user, reference=case)
    if as_json:
        print_json([e.__dict__ for e in entries])
        return
    table = Table("at", "who", "what", "subject", "file")
    for e in entries:
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.subject, e.path or "")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    returns_app.command("cin-census")(cin_census)
    returns_app.command("annex-a-list7")(annex_a_list7)
    returns_app.command("timeliness")(timeliness)
    returns_app.command("reconcile")(reconcile)
    app.add_typer(returns_app, name="returns")
    app.command("audit")(audit)
