"""Ofsted's Annex A, List 7: children who are the subject of a child protection plan.

Every child on a plan on the day asked for, or whose plan ended in the six months before it,
under a profile of England, with the authority's child id recorded: one row per plan, with
Ofsted's column headers in their order and its formats (dates dd/mm/yyyy, codes such as
``a) Neglect``; the headers as in liia-tools' ``Annex_A_schema.yml``, List 7). As CSV or as
a workbook (sheet ``List 7``, dates as dates shown dd/mm/yyyy). docs/rules.md §8 says where
each column comes from; the system does not record emergency protection orders or police
protection, so that column is left for the authority to fill. Pure: plans in, bytes out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from domain.timescales import add_months
from returns.plans import EarlierPlans, Plan, Skipped

NATION = "england"  # Annex A is Ofsted's, for inspections of English authorities
WINDOW_MONTHS = 6
SHEET = "List 7"
HEADERS = (
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Does the Child have a Disability",
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Date of the Last Statutory Visit",
    "Was the Child Seen Alone?",
    "Date of latest review conference",
    "Child Protection Plan End Date",
    "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
    "Number of Previous Child Protection Plans",
    "Allocated Team",
    "Allocated Worker",
)
GENDER = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
ETHNICITY = {
    code: f"{letter}) {code}"
    for letter, code in zip(
        "abcdefghijklmnopqrst",
        ("WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
         "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"),
        strict=True,
    )
}  # fmt: skip
CATEGORY = {
    "NEG": "a) Neglect",
    "PHY": "b) Physical abuse",
    "SAB": "c) Sexual abuse",
    "EMO": "d) Emotional abuse",
    "MUL": "e) Multiple/not recommended",
}
YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
Cell = str | int | date | None


@dataclass
class List7:
    as_of: date
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    without_facts: list[tuple[str, str]] = field(default_factory=list)  # (case, child id)
    skipped: list[Skipped] = field(default_factory=list)
    other_nations: int = 0


def list7(found: Iterable[Plan | Skipped], as_of: date) -> List7:
    """The plans open on ``as_of`` or ended in the six months before it."""
    result = List7(as_of)
    since = add_months(as_of, -WINDOW_MONTHS)
    kept: list[Plan] = []
    earlier = EarlierPlans()
    for item in found:
        if isinstance(item, Skipped):
            result.skipped.append(item)
            continue
        earlier.add(item)
        if not item.open_between(since, as_of):
            continue
        if item.nation != NATION:
            result.other_nations += 1
        elif item.facts is None:
            result.without_facts.append((item.reference, item.child))
        else:
            kept.append(item.kept())
    kept.sort(key=lambda p: (p.la_child_id or "", p.start))
    result.rows = [row(plan, earlier.before(plan), as_of) for plan in kept]
    return result


def row(plan: Plan, previous: int, as_of: date) -> tuple[Cell, ...]:
    facts = plan.facts
    assert facts is not None
    visit = max(plan.seen) if plan.seen else None
    alone = None if visit is None else (YES if visit in plan.seen_alone else NO)
    return (
        facts.la_child_id, GENDER[facts.sex], ETHNICITY[facts.ethnicity], facts.date_of_birth,
        _age(facts.date_of_birth, as_of), _disabled(facts.disabilities), plan.start,
        CATEGORY[plan.initial_category], CATEGORY[plan.latest_category], visit, alone,
        max(plan.reviews) if plan.reviews else None, plan.end, None, previous, plan.team,
        plan.lead_professional,
    )  # fmt: skip


def _age(born: date | None, on: date) -> int | None:
    if born is None or born > on:
        return None  # unborn: no age
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _disabled(codes: tuple[str, ...]) -> str:
    if not codes:
        return UNKNOWN
    return NO if codes == ("NONE",) else YES


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    return cell.strftime("%d/%m/%Y") if isinstance(cell, date) else str(cell)


def write_csv(found: List7, out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows([_text(cell) for cell in cells] for cells in found.rows)
    text.flush()
    text.detach()  # the caller owns ``out``


def write_xlsx(found: List7, out: BinaryIO) -> None:
    """A workbook of one sheet, written a row at a time (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(list(HEADERS))
    for cells in found.rows:
        written = []
        for cell in cells:
            value = WriteOnlyCell(sheet, value=cell)
            if isinstance(cell, date):
                value.number_format = "DD/MM/YYYY"
            written.append(value)
        sheet.append(written)
    book.save(out)
