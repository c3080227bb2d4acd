"""``cpo children set`` and ``cpo children show``: a case's children's personal facts.

The facts the returns need to identify a child (the authority's child id, sex, ethnicity,
birth, disabilities: ``domain.child_facts``) are written here or by a case file's
``child_facts`` section, and nowhere else: never through Prefect (R-G1). Each write and
each read is in the audit log (R-G2). A refusal names the child, the field and the rule.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from cli.errors import BadInput, Refused
from cli.identity import acting_person
from cli.store_cmds import AsJson, DatabaseUrl, console, open_store, print_json

if TYPE_CHECKING:
    from domain.child_facts import ChildFacts

children_app = typer.Typer(help="A case's children's personal facts (for the returns).")

Reference = Annotated[str, typer.Argument(help="The case reference.")]


def _from_file(file: Path | None) -> dict[str, Any]:
    """The facts a JSON file gives, read strictly (a key twice, a file not UTF-8: exit 2)."""
    from domain import strict_json

    if file is None:
        return {}
    try:
        found = strict_json.loads(strict_json.decode(file.read_bytes()))
    except OSError as error:
        raise BadInput(f"--file: cannot read {file}: {error.strerror}") from None
    except strict_json.BadJson as error:
        raise BadInput(f"--file: {file}: {error}") from None
    if not isinstance(found, dict):
        raise BadInput(f"--file: {file}: give a JSON object")
    return found


def set_facts(
    reference: Reference,
    child: Annotated[str, typer.Argument(help="The child's id on the case (as events name it).")],
    file: Annotated[Path | None, typer.Option(help="A JSON file of the facts.")] = None,
    la_child_id: Annotated[str | None, typer.Option(help="The authority's child id.")] = None,
    sex: Annotated[str | None, typer.Option(help="M, F or U.")] = None,
    ethnicity: Annotated[str | None, typer.Option(help="CIN code: WBRI ... NOBT.")] = None,
    date_of_birth: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    expected_birth_date: Annotated[str | None, typer.Option(help="Unborn: YYYY-MM-DD.")] = None,
    disability: Annotated[
        list[str] | None, typer.Option(help="CIN code; repeat for each (NONE if none).")
    ] = None,
    upn: Annotated[str | None, typer.Option(help="The unique pupil number.")] = None,
    upn_unknown: Annotated[
        str | None, typer.Option(help="Why the UPN is not known: UN1 ... UN6.")
    ] = None,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Record a child's personal facts (a file, flags, or both: flags win)."""
    flags: dict[str, Any] = {
        "la_child_id": la_child_id, "sex": sex, "ethnicity": ethnicity,
        "date_of_birth": date_of_birth, "expected_birth_date": expected_birth_date,
        "disabilities": tuple(disability) if disability else None,
        "upn": upn, "upn_unknown": upn_unknown,
    }  # fmt: skip
    facts = _facts(child, _from_file(file), flags)
    with open_store(database_url_option) as store:
        store.set_child_facts(reference, [facts], recorded_by=acting_person(), source="cli")
    console.print(f"{reference}: personal facts of child {child} recorded")


def _facts(child: str, given: dict[str, Any], flags: dict[str, Any]) -> ChildFacts:
    from pydantic import ValidationError

    from domain.child_facts import ChildFacts

    given = given | {"child": child} | {k: v for k, v in flags.items() if v is not None}
    try:
        return ChildFacts.model_validate(given)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "facts"
        raise Refused(f"child {child}: {where}: {first['msg']} (R-G3)") from None


def show_facts(
    reference: Reference,
    as_json: AsJson = False,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Show a case's children's personal facts (the read goes in the audit log)."""
    with open_store(database_url_option) as store:
        found = store.child_facts_of(reference, read_by=acting_person())
    if as_json:
        print_json([item.model_dump(mode="json") for item in found])
        return
    table = Table(
        "child", "LA child id", "sex", "ethnicity", "born", "expected", "disabilities", "UPN"
    )
    for item in found:
        table.add_row(
            item.child, item.la_child_id, item.sex, item.ethnicity, _day(item.date_of_birth),
            _day(item.expected_birth_date), " ".join(item.disabilities),
            item.upn or (f"unknown: {item.upn_unknown}" if item.upn_unknown else ""),
        )  # fmt: skip
    console.print(table if found else f"{reference}: no child's facts recorded")


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    children_app.command("set")(set_facts)
    children_app.command("show")(show_facts)
    app.add_typer(children_app, name="children")
